import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { blobStoreContract, bytes, pausedSource } from './blob-store.contract.js';
import { S3BlobStore } from './s3-blob-store.js';
import { startTestS3, TEST_BUCKET } from '../../test/support/s3-test-server.js';

// Top-level, so that a server that cannot start fails this file rather than skipping its tests.
const s3 = await startTestS3();
after(() => s3.close());

const MiB = 1024 * 1024;
const ID = '0a0a0a0a-0000-4000-8000-000000000001';
let prefixes = 0;
/** Each test's stores work under a key prefix of their own in the one bucket. */
const freshPrefix = () => `run-${++prefixes}/`;

blobStoreContract('S3BlobStore', async () => {
  const prefix = freshPrefix();
  return { open: () => S3BlobStore.open(s3.url(prefix)), stored: () => s3.stored(prefix) };
});

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await condition()); ) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('S3BlobStore', () => {
  test('after a crash in the middle of a write, its trace and the upload carrying its parts are both aborted', async () => {
    const prefix = freshPrefix();
    const crashed = await S3BlobStore.open(s3.url(prefix));
    const data = bytes(17 * MiB);
    const { source, paused, resume } = pausedSource(data, data.length - 1);
    const writing = (await crashed.begin(ID)).write(source);
    await paused;
    const inProgress = `${ID} (upload in progress)`;
    await until(async () => (await s3.stored(prefix)).length === 2, 'the upload carrying the parts to start');
    assert.deepEqual(await s3.stored(prefix), [inProgress, inProgress]);

    const restarted = await S3BlobStore.open(s3.url(prefix));
    assert.deepEqual(await restarted.interrupted(async () => true), [ID]);
    assert.deepEqual(await s3.stored(prefix), []);
    // Were the old process's writer still running, its data could no longer appear.
    resume();
    await assert.rejects(writing);
    assert.deepEqual(await s3.stored(prefix), []);
  });

  test('keys deeper under its prefix are not its images: their uploads are neither reported nor aborted', async () => {
    const prefix = freshPrefix();
    const nested = await S3BlobStore.open(s3.url(`${prefix}nested/`));
    const writer = await nested.begin(ID);
    const outer = await S3BlobStore.open(s3.url(prefix));
    assert.deepEqual(await outer.interrupted(async () => true), []);
    assert.deepEqual(await s3.stored(prefix), [`nested/${ID} (upload in progress)`]);
    await writer.abort();
  });

  test('data larger than a copy part is adopted in parts, byte for byte', async () => {
    const store = await S3BlobStore.open(s3.url(freshPrefix()), { copyPartBytes: 5 * MiB });
    const data = bytes(12 * MiB + 123, 7);
    await store.put(ID, data);
    const snapshot = store.snapshot('parts');
    await snapshot.adopt(store, ID);
    assert.ok(Buffer.from((await snapshot.get(ID))!).equals(data));
    await store.delete(ID);
    await store.adopt(snapshot, ID);
    assert.ok(Buffer.from((await store.get(ID))!).equals(data));
    assert.deepEqual(await store.interrupted(async () => true), []);
  });

  test('open refuses a bucket that does not exist, naming it', async () => {
    const url = s3.url().replace(TEST_BUCKET, 'no-such-bucket');
    await assert.rejects(S3BlobStore.open(url), /S3 bucket 'no-such-bucket' at http:\/\/127\.0\.0\.1:\d+ cannot be used: no such bucket/);
  });

  test('open refuses an endpoint where nothing listens', async () => {
    await assert.rejects(S3BlobStore.open(`s3://${TEST_BUCKET}?endpoint=http://127.0.0.1:1`), /S3 bucket 'glint-test' at http:\/\/127\.0\.0\.1:1 cannot be used: .*ECONNREFUSED/);
  });

  test('open refuses a URL that is not an s3:// one before contacting anything', async () => {
    await assert.rejects(S3BlobStore.open('http://bucket/images'), /--blobs must be s3:\/\/BUCKET/);
  });
});
