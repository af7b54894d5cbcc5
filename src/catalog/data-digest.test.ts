import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BATCH_BYTES, capped, digesting, UploadTooLarge } from './data-digest.js';

/** `count` chunks of `size` bytes, each of its own byte value. */
async function* chunks(count: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) yield Buffer.alloc(size, i);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for await (const piece of source) pieces.push(piece);
  return pieces;
}

test('small chunks come out gathered into pieces of at least a batch, the bytes and their hashes unchanged', async () => {
  const chunk = 64 * 1024;
  const count = 2 * (BATCH_BYTES / chunk) + 3;
  const expected = Buffer.concat(await collect(chunks(count, chunk)));
  const { stream, digest } = digesting(chunks(count, chunk), Number.MAX_SAFE_INTEGER);
  const pieces = await collect(stream);
  assert.deepEqual(pieces.map((p) => p.length), [BATCH_BYTES, BATCH_BYTES, 3 * chunk]);
  assert.ok(Buffer.concat(pieces).equals(expected));
  assert.deepEqual(digest(), {
    size: expected.length,
    checksum: createHash('md5').update(expected).digest('hex'),
    os_hash_algo: 'sha512',
    os_hash_value: createHash('sha512').update(expected).digest('hex'),
  });
});

test('a chunk as large as a batch passes as it is, and no data yields no piece', async () => {
  const [big] = await collect(chunks(1, BATCH_BYTES + 1));
  const pieces = await collect(capped((async function* () { yield big; })(), BATCH_BYTES + 1));
  assert.equal(pieces.length, 1);
  assert.equal(pieces[0], big);
  assert.deepEqual(await collect(capped(chunks(0, 1), 0)), []);
  const { stream, digest } = digesting(chunks(0, 1), 0);
  assert.deepEqual(await collect(stream), []);
  assert.equal(digest().size, 0);
});

test('more than the cap fails as soon as it arrives, before the batch it would end is handed on', async () => {
  const seen: number[] = [];
  let read = 0;
  const source = (async function* () {
    for (let i = 0; i < 100; i++) {
      read++;
      yield Buffer.alloc(1000, i);
    }
  })();
  const { stream } = digesting(source, 2500, [{ update: (chunk) => seen.push(chunk.length) }]);
  await assert.rejects(collect(stream), (err) => err instanceof UploadTooLarge && err.limit === 2500);
  assert.equal(read, 3);
  assert.deepEqual(seen, [1000, 1000]);
});
