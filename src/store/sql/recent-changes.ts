/**
 * The updated_at of a catalog's nth most recent change, which decides how a changes-since list finds its
 * page (see `changesSince` in `list-sql.ts`). Any change moves it, so it is read again for each catalog version.
 */

/** The query for the nth most recent change's updated_at (n counted from 0). */
export const NTH_CHANGE_SQL = 'SELECT updated_at FROM images ORDER BY updated_at DESC LIMIT 1 OFFSET ?';

export class RecentChanges {
  private version = '';
  private readonly bounds = new Map<number, Promise<string>>();

  /** `read` runs NTH_CHANGE_SQL. */
  constructor(private readonly read: (n: number) => Promise<string | undefined>) {}

  /** The nth most recent change's updated_at in this catalog version; '' when fewer images changed. */
  nth(version: string, n: number): Promise<string> {
    if (version !== this.version) {
      this.version = version;
      this.bounds.clear();
    }
    let bound = this.bounds.get(n);
    if (!bound) {
      const reading = this.read(n).then((updatedAt) => updatedAt ?? '');
      // A failed read is not kept: the next list reads again.
      reading.catch(() => {
        if (this.bounds.get(n) === reading) this.bounds.delete(n);
      });
      this.bounds.set(n, (bound = reading));
    }
    return bound;
  }
}
