/** A PostgreSQL catalog's storage: one connection pool, and the image, lease, task, identity and metadata definition stores over it. */
import type { Storage } from '../storage.js';
import { SqlIdentityStore } from '../sql/sql-identity-store.js';
import { SqlMetadefStore } from '../sql/sql-metadef-store.js';
import { SqlTaskStore } from '../sql/sql-task-store.js';
import { SqlUploadLeases } from '../sql/sql-upload-leases.js';
import { PgConnection } from './pg-connection.js';
import { PgImageStore } from './pg-image-store.js';
import { PgSnapshots } from './pg-snapshots.js';

/** Connects, and brings the schema up to date. */
export async function openPostgres(url: string): Promise<Storage> {
  const connection = await PgConnection.open(url);
  return {
    images: new PgImageStore(connection),
    leases: new SqlUploadLeases(connection),
    tasks: new SqlTaskStore(connection),
    identity: new SqlIdentityStore(connection, () => connection.identityRevision()),
    metadefs: new SqlMetadefStore(connection),
    snapshots: new PgSnapshots(connection),
    close: () => connection.close(),
  };
}
