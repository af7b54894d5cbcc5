import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { storeContract } from '../store.contract.js';
import { SqliteStore } from './sqlite-store.js';

// A real file rather than ':memory:', so WAL mode and the migrations run as they do in production.
const dir = mkdtempSync(join(tmpdir(), 'glint-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const freshFile = () => join(dir, `catalog-${++files}.sqlite`);

storeContract('sqlite', async () => new SqliteStore(freshFile()));

const kept = (id: string) => ({
  image: {
    id, name: 'kept', status: 'active' as const, visibility: 'public' as const, owner: 'p', protected: false,
    os_hidden: false, min_ram: 0, min_disk: 0, size: null, virtual_size: null, disk_format: null,
    container_format: null, checksum: null, os_hash_algo: null, os_hash_value: null,
    created_at: '2025-01-01T00:00:00.000000Z', updated_at: '2025-01-01T00:00:00.000000Z', deleted: false,
    deleted_at: null, tags: [], properties: { k: 'v' }, has_data: false,
  },
  members: [],
});

test('sqlite: image ids must be UUIDs (list pages are read back as JSON built in SQL)', async () => {
  const store = new SqliteStore(freshFile());
  try {
    await assert.rejects(store.insertImage(kept('a"b')), /not a UUID/);
    assert.equal(await store.countImages(), 0);
  } finally {
    await store.close();
  }
});

test('sqlite: reopening a catalog file keeps its images and does not migrate twice', async () => {
  const file = freshFile();
  const first = new SqliteStore(file);
  await first.importImages([kept('7e0e0e0e-0000-4000-8000-000000000001')]);
  await first.close();

  const second = new SqliteStore(file);
  try {
    assert.equal(await second.countImages(), 1);
    assert.equal((await second.getImage('7e0e0e0e-0000-4000-8000-000000000001'))?.name, 'kept');
    const byProperty = await second.listImages({ projectId: 'p', isAdmin: false }, [{ kind: 'property', key: 'k', value: 'v' }], null, 10);
    assert.deepEqual(byProperty.map((i) => i.id), ['7e0e0e0e-0000-4000-8000-000000000001']);
  } finally {
    await second.close();
  }
});

test('sqlite: a load into an empty catalog builds its indexes afterwards, and they are all there', async () => {
  const file = freshFile();
  const indexes = () => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name").pluck().all();
    } finally {
      db.close();
    }
  };
  const store = new SqliteStore(file);
  try {
    const before = indexes();
    // A failed load into the empty catalog leaves it empty, with its indexes.
    await assert.rejects(store.importImages([kept('7e0e0e0e-0000-4000-8000-000000000013'), kept('not-a-uuid')]));
    assert.equal(await store.countImages(), 0);
    assert.deepEqual(indexes(), before);
    const ids = ['7e0e0e0e-0000-4000-8000-000000000011', '7e0e0e0e-0000-4000-8000-000000000012'];
    // The second copy of an id is skipped, as in any import.
    assert.equal(await store.importImages([kept(ids[0]), kept(ids[1]), kept(ids[0])]), 2);
    assert.deepEqual(indexes(), before);
    const byProperty = await store.listImages({ projectId: 'p', isAdmin: false }, [{ kind: 'property', key: 'k', value: 'v' }], null, 10);
    assert.deepEqual(byProperty.map((i) => i.id).sort(), ids);
  } finally {
    await store.close();
  }
});
