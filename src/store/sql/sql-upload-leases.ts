/** Upload leases in SQL both backends read alike, on the backend's connection. */
import type { UploadLease, UploadLeaseStore } from '../../catalog/ports.js';
import { oneRow, type SqlRunner } from './sql-runner.js';

export class SqlUploadLeases implements UploadLeaseStore {
  constructor(private readonly db: SqlRunner) {}

  async claimUpload(lease: UploadLease, replacing?: string): Promise<boolean> {
    const { image_id, holder, expires_at } = lease;
    const changed = replacing === undefined
      ? await this.db.run('INSERT INTO upload_leases (image_id, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (image_id) DO NOTHING', [image_id, holder, expires_at])
      : await this.db.run('UPDATE upload_leases SET holder = ?, expires_at = ? WHERE image_id = ? AND holder = ?', [holder, expires_at, image_id, replacing]);
    return changed > 0;
  }

  async renewUpload(lease: UploadLease): Promise<boolean> {
    return (await this.db.run('UPDATE upload_leases SET expires_at = ? WHERE image_id = ? AND holder = ?', [lease.expires_at, lease.image_id, lease.holder])) > 0;
  }

  async releaseUpload(imageId: string, holder: string): Promise<void> {
    await this.db.run('DELETE FROM upload_leases WHERE image_id = ? AND holder = ?', [imageId, holder]);
  }

  async lapsedUploadLeases(at: string): Promise<UploadLease[]> {
    return this.db.all<UploadLease>('SELECT image_id, holder, expires_at FROM upload_leases WHERE expires_at < ?', [at]);
  }

  async countUploadLeases(): Promise<number> {
    const [{ n }] = await this.db.all<{ n: number | string }>('SELECT count(*) AS n FROM upload_leases');
    return Number(n);
  }

  async uploadLease(imageId: string): Promise<UploadLease | null> {
    return oneRow(this.db, 'SELECT image_id, holder, expires_at FROM upload_leases WHERE image_id = ?', (row: UploadLease) => row, imageId);
  }
}
