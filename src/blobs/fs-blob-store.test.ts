import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FsBlobStore } from './fs-blob-store.js';

const root = mkdtempSync(join(tmpdir(), 'glint-blobs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, String(++dirs));
const ID = '0a0a0a0a-0000-4000-8000-000000000001';

test('written bytes are readable whole and by range, and only then visible', async () => {
  const dir = freshDir();
  const blobs = new FsBlobStore(dir);
  const writer = await blobs.begin(ID);
  assert.equal(await blobs.get(ID), null, 'nothing is visible before the write ends');
  const size = await writer.write([Buffer.from('hello '), Buffer.from('world')]);
  assert.equal(size, 11);
  assert.equal(Buffer.from((await blobs.get(ID))!).toString(), 'hello world');
  const range = await blobs.open(ID, { start: 6, end: 10 });
  let text = '';
  for await (const chunk of range!) text += chunk;
  assert.equal(text, 'world');
  assert.deepEqual(readdirSync(dir), [ID]);
});

test('a failing source or an abort leaves nothing behind', async () => {
  const dir = freshDir();
  const blobs = new FsBlobStore(dir);
  async function* failing() {
    yield Buffer.from('partial');
    throw new Error('client went away');
  }
  await assert.rejects((await blobs.begin(ID)).write(failing()), /client went away/);
  await (await blobs.begin(ID)).abort();
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(await blobs.open(ID), null);
});

test('a write the process never finished is reported after a restart, and its partial file removed', async () => {
  const dir = freshDir();
  await new FsBlobStore(dir).begin(ID);
  const reopened = new FsBlobStore(dir);
  assert.deepEqual(reopened.interrupted(), [ID]);
  assert.deepEqual(readdirSync(dir), []);
});
