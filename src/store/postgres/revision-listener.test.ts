// How late a process on a PostgreSQL catalog learns of another writer's change: within REVISION_BOUND_MS,
// told by notification while its listening connection lives, by reading the revisions itself when it does not.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { freshDatabase } from '../../../test/support/postgres-server.js';
import type { Storage } from '../storage.js';
import { openPostgres } from './open.js';
import { REVISION_BOUND_MS } from './pg-connection.js';
import { LISTENER_NAME, REVISIONS_SQL } from './revision-listener.js';

let url: string;
let storage: Storage;
let other: pg.Client;

before(async () => {
  url = await freshDatabase();
  storage = await openPostgres(url);
  other = new pg.Client({ connectionString: url });
  await other.connect();
});

after(async () => {
  await storage.close();
  await other.end();
});

const catalogVersion = () => storage.images.version();

/** Resolves once the store answers its revisions at once (its listening connection confirms them) with `expected`. */
async function answeredAtOnce(revision: () => string | Promise<string>, expected: string): Promise<void> {
  for (;;) {
    const now = revision();
    if (typeof now === 'string' && now === expected) return;
    await delay(10);
  }
}

/** Runs `work` with a client of the server's maintenance database (one cannot disallow connections to the database one is in). */
async function onServer<T>(work: (server: pg.Client) => Promise<T>): Promise<T> {
  const address = new URL(url);
  address.pathname = '/postgres';
  const server = new pg.Client({ connectionString: address.href });
  await server.connect();
  try {
    return await work(server);
  } finally {
    await server.end();
  }
}

const listening = (server: pg.Client, database: string) =>
  server.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2', [LISTENER_NAME, database]);

test('a revision moved by a plain SQL client is seen within the bound, and then answered at once', async () => {
  const before = await catalogVersion();
  await other.query('UPDATE catalog_revision SET revision = revision + 1');
  await delay(REVISION_BOUND_MS);
  const moved = await catalogVersion();
  assert.notEqual(moved, before);
  await answeredAtOnce(catalogVersion, moved);
});

test('a token revoked by another writer moves the identity revision within the bound', async () => {
  const identity = storage.identity;
  await identity.insertProject({ id: 'p1', name: 'p1', description: '', enabled: true, created_at: '2025-01-01T00:00:00.000000Z' });
  const before = await identity.revision();
  await other.query("UPDATE projects SET enabled = 0 WHERE id = 'p1'");
  await delay(REVISION_BOUND_MS);
  assert.notEqual(await identity.revision(), before);
});

test("a change made through the store itself is seen by the store's next read at once", async () => {
  const before = await catalogVersion();
  await answeredAtOnce(catalogVersion, before);
  await storage.snapshots.clear();
  assert.notEqual(await catalogVersion(), before);
});

test('with its listening connection gone, a process reads the revisions itself, and listens again once it can', async () => {
  const database = new URL(url).pathname.slice(1);
  const listener = await onServer(async (server) => {
    const [first] = (await listening(server, database)).rows;
    assert.ok(first, 'a listening connection');
    // The pool keeps a connection it has opened (this count's); no new one (the listener's next) can be made.
    await storage.images.countImages();
    await server.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    try {
      await server.query('SELECT pg_terminate_backend($1)', [first.pid]);
      await other.query('UPDATE catalog_revision SET revision = revision + 1');
      const moved = String((await other.query<{ revision: string }>('SELECT revision FROM catalog_revision')).rows[0].revision);
      await delay(REVISION_BOUND_MS);
      const read = catalogVersion();
      assert.ok(read instanceof Promise, 'past the bound with no listener, the revision is read');
      assert.equal(await read, moved);
    } finally {
      await server.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    }
    return first;
  });
  // Back: a new connection reads the revisions (which it does once it LISTENs).
  await onServer(async (server) => {
    for (;;) {
      const { rows } = await server.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2 AND pid != $3 AND query = $4',
        [LISTENER_NAME, database, listener.pid, REVISIONS_SQL],
      );
      if (rows.length > 0) return;
      await delay(10);
    }
  });
});
