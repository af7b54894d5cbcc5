import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { newImage } from '../../catalog/image.js';
import type { ImageStore } from '../../catalog/ports.js';
import { freshDatabase } from '../../../test/support/postgres-server.js';
import { identityRevisionContract } from '../identity.contract.js';
import { listManyShapes, storeContract } from '../store.contract.js';
import { MAX_PREPARED } from '../sql/list-sql.js';
import { openPostgres } from './open.js';
import { REVISION_BOUND_MS } from './pg-connection.js';
import { LIST_SQL, type PgImageStore } from './pg-image-store.js';

/** A new database's storage, and a client of the test's own to read its schema and query plans, for `work`; both closed afterwards. */
async function onFreshDatabase(work: (store: ImageStore, client: pg.Client) => Promise<void>): Promise<void> {
  const url = await freshDatabase();
  const storage = await openPostgres(url);
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await work(storage.images, client);
  } finally {
    await storage.close();
    await client.end();
  }
}

/** The plan PostgreSQL makes for a list page's SQL, selecting `columns`. */
async function planOf(client: pg.Client, page: ReturnType<typeof LIST_SQL.page>, columns: string): Promise<string> {
  let n = 0;
  const sql = `EXPLAIN SELECT ${columns} FROM ${page.from} WHERE ${page.where} ORDER BY ${page.order} LIMIT ?`.replace(/\?/g, () => `$${++n}`);
  return (await client.query<{ 'QUERY PLAN': string }>(sql, page.params)).rows.map((row) => row['QUERY PLAN']).join('\n');
}

storeContract('postgres', async () => openPostgres(await freshDatabase()));
identityRevisionContract('postgres', async () => {
  const url = await freshDatabase();
  const storage = await openPostgres(url);
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  return {
    storage,
    write: async (sql) => void (await other.query(sql)),
    seenWithinMs: REVISION_BOUND_MS,
    close: async () => {
      await other.end();
      await storage.close();
    },
  };
});

test('postgres: stores opening one new database together migrate it once, and a reopened one keeps its images', async () => {
  const url = await freshDatabase();
  const stores = await Promise.all([openPostgres(url), openPostgres(url), openPostgres(url)]);
  const image = { ...newImage('7e0e0e0e-0000-4000-8000-000000000001', 'p', '2025-01-01T00:00:00.000000Z'), name: 'kept', status: 'active' as const };
  try {
    await stores[0].images.insertImage({ image, members: [] });
    assert.equal((await stores[2].images.getImage(image.id))?.name, 'kept');
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
  const reopened = await openPostgres(url);
  try {
    assert.equal(await reopened.images.countImages(), 1);
  } finally {
    await reopened.close();
  }
});

test('postgres: an unreachable server is a clear error', async () => {
  await assert.rejects(openPostgres('postgres://nobody@127.0.0.1:1/none'), /cannot open the PostgreSQL catalog/);
});

test('postgres: a load into an empty catalog builds its indexes and foreign keys afterwards, and they are all there', async () => {
  const kept = (id: string) => ({
    image: { ...newImage(id, 'p', '2025-01-01T00:00:00.000000Z'), name: 'kept', status: 'active' as const, properties: { k: 'v' } },
    members: [{ member: 'q', status: 'accepted' as const, can_share: false, created_at: '2025-01-01T00:00:00.000000Z', updated_at: '2025-01-01T00:00:00.000000Z' }],
  });
  await onFreshDatabase(async (store, client) => {
    const schema = async () =>
      (await client.query<{ name: string }>(
        "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' UNION ALL SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY 1",
      )).rows.map((row) => row.name);
    const before = await schema();
    assert.ok(before.includes('images_order') && before.includes('members_image_id_fkey'), before.join(' '));
    // A failed load (a member of an image that is not there) leaves the empty catalog as it was.
    const orphan = { ...kept('7e0e0e0e-0000-4000-8000-000000000013'), image: { ...kept('7e0e0e0e-0000-4000-8000-000000000013').image, name: null } };
    await assert.rejects(store.importImages([orphan, { image: { ...orphan.image, id: null as unknown as string }, members: [] }]));
    assert.equal(await store.countImages(), 0);
    assert.deepEqual(await schema(), before);
    const ids = ['7e0e0e0e-0000-4000-8000-000000000011', '7e0e0e0e-0000-4000-8000-000000000012'];
    // The second copy of an id is skipped, as in any import.
    assert.equal(await store.importImages([kept(ids[0]), kept(ids[1]), kept(ids[0])]), 2);
    assert.deepEqual(await schema(), before);
    const byProperty = await store.listImages({ projectId: 'p', isAdmin: false }, [{ kind: 'property', key: 'k', value: 'v' }], null, 10);
    assert.deepEqual(byProperty.map((i) => i.id).sort(), ids);
  });
});

test('postgres: a changes-since list reads the images changed since its bound, or walks the list order, as the store chose', async () => {
  const stamp = (n: number) => `2025-01-01T00:00:00.${String(n).padStart(6, '0')}Z`;
  await onFreshDatabase(async (store, client) => {
    await store.importImages(
      Array.from({ length: 500 }, (_, i) => ({
        image: { ...newImage(`7e0e0e0e-0000-4000-8000-${String(i).padStart(12, '0')}`, 'p', stamp(i)), status: 'active' as const, updated_at: stamp(i) },
        members: [],
      })),
    );
    await client.query('ANALYZE images');
    // The table is small enough to read whole; kept from that, the planner shows which index the SQL leaves it.
    await client.query('SET enable_seqscan = off');
    const plan = async (changed: string) => {
      const since = [{ kind: 'time' as const, field: 'updated_at' as const, op: 'gte' as const, value: stamp(400) }];
      return planOf(client, LIST_SQL.page({ projectId: 'p', isAdmin: false }, since, null, 25, [], changed), 'id, updated_at');
    };
    // Fewer images changed since the bound than the store reads and sorts: the last of those changes is older.
    const read = await plan(stamp(300));
    assert.match(read, /images_updated_at/);
    assert.doesNotMatch(read, /images_order/);
    // More images changed since the bound than that: the last of those changes is newer.
    const walked = await plan(stamp(450));
    assert.match(walked, /images_order/);
    assert.doesNotMatch(walked, /images_updated_at/);
  });
});

test('postgres: property filters, one or many, find their rows through a B-tree over the key and a digest of the value', async () => {
  await onFreshDatabase(async (store, client) => {
    // Every image shares one value, as a million images share architecture x86_64: a hash index kept them all
    // in one bucket that each insert walked.
    await store.importImages(
      Array.from({ length: 300 }, (_, i) => ({
        image: { ...newImage(`7e0e0e0e-0000-4000-8000-${String(i).padStart(12, '0')}`, 'p', '2025-01-01T00:00:00.000000Z'), properties: { arch: 'x86_64', n: String(i) } },
        members: [],
      })),
    );
    const { rows } = await client.query<{ def: string }>("SELECT indexdef AS def FROM pg_indexes WHERE tablename = 'image_properties' AND indexdef LIKE '%(key%'");
    assert.deepEqual(rows.map((row) => row.def.replace(/^.* USING /, '')), ['btree (key, md5(value))']);
    // The tables are small enough to read whole or join by hashing; kept from that, the planner shows which
    // index the SQL leaves it.
    await client.query('SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off');
    for (const count of [1, 9]) {
      const filters = Array.from({ length: count }, (_, i) => ({ kind: 'property' as const, key: i === 0 ? 'n' : `k${i}`, value: '7' }));
      const plan = await planOf(client, LIST_SQL.page({ projectId: 'p', isAdmin: true }, filters, null, 25, []), 'id');
      assert.match(plan, /image_properties_key_value/, `${count} filter(s):\n${plan}`);
    }
    const found = await store.listImages({ projectId: 'p', isAdmin: true }, [{ kind: 'property', key: 'n', value: '7' }, { kind: 'property', key: 'arch', value: 'x86_64' }], null, 25);
    assert.deepEqual(found.map((image) => image.properties.n), ['7']);
  });
});

test('postgres: list SQL of many shapes keeps a bounded number of statements prepared, and every shape still runs', async () => {
  await onFreshDatabase(async (store) => {
    await listManyShapes(store, MAX_PREPARED + 100);
    assert.equal((store as PgImageStore)['db']['names'].size, MAX_PREPARED);
  });
});
