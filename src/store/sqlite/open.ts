/** The embedded catalog's storage: one SQLite file, and the image, lease, task, identity and metadata definition stores over its connection. */
import { dirname, join } from 'node:path';
import type { Storage } from '../storage.js';
import { SqlIdentityStore } from '../sql/sql-identity-store.js';
import { SqlMetadefStore } from '../sql/sql-metadef-store.js';
import { SqlTaskStore } from '../sql/sql-task-store.js';
import { SqlUploadLeases } from '../sql/sql-upload-leases.js';
import { SqliteConnection } from './sqlite-connection.js';
import { SqliteImageStore } from './sqlite-image-store.js';
import { SqliteSnapshots } from './sqlite-snapshots.js';

export function openSqlite(file: string): Storage {
  const connection = new SqliteConnection(file);
  return {
    images: new SqliteImageStore(connection),
    leases: new SqlUploadLeases(connection),
    tasks: new SqlTaskStore(connection),
    identity: new SqlIdentityStore(connection, () => connection.identityRevision()),
    metadefs: new SqlMetadefStore(connection),
    snapshots: new SqliteSnapshots(connection, join(dirname(file), 'snapshots')),
    close: () => connection.close(),
  };
}
