import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { identityRevisionContract } from '../identity.contract.js';
import { listManyShapes, storeContract } from '../store.contract.js';
import { MAX_PREPARED } from '../sql/list-sql.js';
import { newImage } from '../../catalog/image.js';
import type { ImageStore } from '../../catalog/ports.js';
import { MIGRATIONS } from './migrations.js';
import { openSqlite } from './open.js';
import { LIST_SQL, type SqliteImageStore } from './sqlite-image-store.js';

// A real file rather than ':memory:', so WAL mode and the migrations run as they do in production.
const dir = mkdtempSync(join(tmpdir(), 'glint-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** In a directory of its own: a catalog keeps its snapshots beside it. */
const freshFile = () => {
  const own = join(dir, String(++files));
  mkdirSync(own);
  return join(own, 'catalog.sqlite');
};

storeContract('sqlite', async () => openSqlite(freshFile()));
identityRevisionContract('sqlite', async () => {
  const file = freshFile();
  const storage = openSqlite(file);
  const other = new Database(file);
  return {
    storage,
    write: async (sql) => void other.exec(sql),
    seenWithinMs: 0,
    close: async () => {
      other.close();
      await storage.close();
    },
  };
});

const member = (name: string) => ({
  member: name, status: 'accepted' as const, can_share: false,
  created_at: '2025-01-01T00:00:00.000000Z', updated_at: '2025-01-01T00:00:00.000000Z',
});

const kept = (id: string) => ({
  image: { ...newImage(id, 'p', '2025-01-01T00:00:00.000000Z'), name: 'kept', status: 'active' as const, visibility: 'public' as const, properties: { k: 'v' } },
  members: [],
});

/** `look` at the catalog in `file` through a read-only connection of its own. */
function peek<T>(file: string, look: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return look(db);
  } finally {
    db.close();
  }
}

/** The catalog in `file` (a new one unless named) opened for `work`, and closed afterwards. */
async function onCatalog(work: (store: ImageStore) => Promise<void>, file = freshFile()): Promise<void> {
  const storage = openSqlite(file);
  try {
    await work(storage.images);
  } finally {
    await storage.close();
  }
}

test('sqlite: image ids must be UUIDs (list pages are read back as JSON built in SQL)', async () => {
  await onCatalog(async (store) => {
    await assert.rejects(store.insertImage(kept('a"b')), /not a UUID/);
    assert.equal(await store.countImages(), 0);
  });
});

test('sqlite: reopening a catalog file keeps its images and does not migrate twice', async () => {
  const file = freshFile();
  await onCatalog(async (first) => void (await first.importImages([kept('7e0e0e0e-0000-4000-8000-000000000001')])), file);
  await onCatalog(async (second) => {
    assert.equal(await second.countImages(), 1);
    assert.equal((await second.getImage('7e0e0e0e-0000-4000-8000-000000000001'))?.name, 'kept');
    const byProperty = await second.listImages({ projectId: 'p', isAdmin: false }, [{ kind: 'property', key: 'k', value: 'v' }], null, 10);
    assert.deepEqual(byProperty.map((i) => i.id), ['7e0e0e0e-0000-4000-8000-000000000001']);
  }, file);
});

test('sqlite: a load into an empty catalog builds its indexes afterwards, and they are all there', async () => {
  const file = freshFile();
  const indexes = () => peek(file, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name").pluck().all());
  await onCatalog(async (store) => {
    // A load changes the journal and turns foreign keys off while it runs; both come back, whatever happens.
    const settingsRestored = async () => {
      assert.equal(peek(file, (db) => db.pragma('journal_mode', { simple: true })), 'wal');
      await assert.rejects(store.putMember('7e0e0e0e-0000-4000-8000-0000000000ff', member('q')), /FOREIGN KEY/);
    };
    const before = indexes();
    // A failed load into the empty catalog leaves it empty, with its indexes.
    await assert.rejects(store.importImages([kept('7e0e0e0e-0000-4000-8000-000000000013'), kept('not-a-uuid')]));
    assert.equal(await store.countImages(), 0);
    assert.deepEqual(indexes(), before);
    await settingsRestored();
    const ids = ['7e0e0e0e-0000-4000-8000-000000000011', '7e0e0e0e-0000-4000-8000-000000000012'];
    // The second copy of an id is skipped, as in any import, members and all.
    const copy = { ...kept(ids[0]), members: [member('r')] };
    assert.equal(await store.importImages([{ ...kept(ids[0]), members: [member('q')] }, kept(ids[1]), copy]), 2);
    assert.deepEqual(indexes(), before);
    await settingsRestored();
    assert.deepEqual((await store.getMembers(ids[0])).map((m) => m.member), ['q']);
    const byProperty = await store.listImages({ projectId: 'p', isAdmin: false }, [{ kind: 'property', key: 'k', value: 'v' }], null, 10);
    assert.deepEqual(byProperty.map((i) => i.id).sort(), ids);
  }, file);
});

test('sqlite: a load while another connection has the file open keeps the write-ahead log', async () => {
  const file = freshFile();
  await onCatalog(async (store) => {
    const other = new Database(file, { readonly: true });
    try {
      assert.equal(other.prepare('SELECT count(*) FROM images').pluck().get(), 0);
      assert.equal(await store.importImages([kept('7e0e0e0e-0000-4000-8000-000000000031'), kept('7e0e0e0e-0000-4000-8000-000000000032')]), 2);
      assert.equal(other.prepare('SELECT count(*) FROM images').pluck().get(), 2);
      assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      other.close();
    }
  }, file);
});

test('sqlite: migrating a catalog whose ids were a primary key keeps its images, shares and properties', async () => {
  const file = freshFile();
  const id = '7e0e0e0e-0000-4000-8000-000000000021';
  const time = '2025-01-01T00:00:00.000000Z';
  const old = new Database(file);
  // The schema before ids got a unique index in place of their primary key.
  const version = MIGRATIONS.findIndex((sql) => sql.includes('CREATE UNIQUE INDEX images_id'));
  for (const sql of MIGRATIONS.slice(0, version)) old.exec(sql);
  old.pragma(`user_version = ${version}`);
  old.prepare("INSERT INTO images (id, name, status, visibility, owner, created_at, updated_at, properties) VALUES (?, 'old', 'active', 'shared', 'p', ?, ?, ?)")
    .run(id, time, time, '{"k":"v"}');
  old.prepare("INSERT INTO image_properties (image_id, key, value) VALUES (?, 'k', 'v')").run(id);
  old.prepare("INSERT INTO members (image_id, member, status, created_at, updated_at) VALUES (?, 'q', 'accepted', ?, ?)").run(id, time, time);
  old.close();

  await onCatalog(async (store) => {
    assert.equal((await store.getImage(id))?.name, 'old');
    assert.deepEqual((await store.getMembers(id)).map((m) => m.member), ['q']);
    const byProperty = await store.listImages({ projectId: 'q', isAdmin: false }, [{ kind: 'property', key: 'k', value: 'v' }], null, 10);
    assert.deepEqual(byProperty.map((i) => i.id), [id]);
    // Ids and shares stay unique, and members and properties must still belong to an image.
    await assert.rejects(store.insertImage(kept(id)), /UNIQUE/);
    assert.equal(await store.addMember(id, member('q')), false);
    await assert.rejects(store.putMember('7e0e0e0e-0000-4000-8000-0000000000ff', member('q')), /FOREIGN KEY/);
  }, file);
});

test('sqlite: a changes-since list reads the images changed since its bound, or walks the list order, as the store chose', async () => {
  const file = freshFile();
  const stamp = (n: number) => `2025-01-01T00:00:00.${String(n).padStart(6, '0')}Z`;
  await onCatalog(async (store) => {
    await store.importImages(
      Array.from({ length: 500 }, (_, i) => {
        const { image } = kept(`7e0e0e0e-0000-4000-8000-${String(i).padStart(12, '0')}`);
        return { image: { ...image, created_at: stamp(i), updated_at: stamp(i) }, members: [] };
      }),
    );
    const plan = (changed: string) => {
      const since = [{ kind: 'time' as const, field: 'updated_at' as const, op: 'gte' as const, value: stamp(400) }];
      const { from, where, order, params } = LIST_SQL.page({ projectId: 'p', isAdmin: false }, since, null, 25, [], changed);
      const rows = peek(file, (db) => db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM ${from} WHERE ${where} ORDER BY ${order} LIMIT ?`).all(...params));
      return (rows as { detail: string }[]).map((row) => row.detail).join('\n');
    };
    // Fewer images changed since the bound than the store reads and sorts: the last of those changes is older.
    const read = plan(stamp(300));
    assert.match(read, /images_updated_at/);
    assert.match(read, /TEMP B-TREE FOR ORDER BY/);
    // More images changed since the bound than that: the last of those changes is newer.
    const walked = plan(stamp(450));
    assert.match(walked, /images_order/);
    assert.doesNotMatch(walked, /images_updated_at|TEMP B-TREE/);
    // Fewer images in the catalog than that count: walked too.
    const small = plan('');
    assert.match(small, /images_order/);
    assert.doesNotMatch(small, /images_updated_at|TEMP B-TREE/);
  }, file);
});

test('sqlite: list SQL of many shapes keeps a bounded number of statements prepared, and every shape still runs', async () => {
  await onCatalog(async (store) => {
    await listManyShapes(store, MAX_PREPARED + 100);
    assert.equal((store as SqliteImageStore)['connection']['statements'].size, MAX_PREPARED);
  });
});
