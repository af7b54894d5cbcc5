import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newImage } from '../../catalog/image.js';
import { freshDatabase } from '../../../test/support/postgres-server.js';
import { storeContract } from '../store.contract.js';
import { PgStore } from './pg-store.js';

storeContract('postgres', async () => PgStore.open(await freshDatabase()));

test('postgres: stores opening one new database together migrate it once, and a reopened one keeps its images', async () => {
  const url = await freshDatabase();
  const stores = await Promise.all([PgStore.open(url), PgStore.open(url), PgStore.open(url)]);
  const image = { ...newImage('7e0e0e0e-0000-4000-8000-000000000001', 'p', '2025-01-01T00:00:00.000000Z'), name: 'kept', status: 'active' as const };
  try {
    await stores[0].insertImage({ image, members: [] });
    assert.equal((await stores[2].getImage(image.id))?.name, 'kept');
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
  const reopened = await PgStore.open(url);
  try {
    assert.equal(await reopened.countImages(), 1);
  } finally {
    await reopened.close();
  }
});

test('postgres: an unreachable server is a clear error', async () => {
  await assert.rejects(PgStore.open('postgres://nobody@127.0.0.1:1/none'), /cannot open the PostgreSQL catalog/);
});
