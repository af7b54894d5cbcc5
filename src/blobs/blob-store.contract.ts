/**
 * What every BlobStore must do, as node:test tests that each store's own test file runs against it.
 * Data is large enough to take more than one part where a store splits writes (S3's are 8 MiB).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import type { BlobStore } from '../catalog/ports.js';

/** The storage one test's stores keep their data in, empty at first. */
export interface BlobSite {
  /** A store over this storage; opening a second one stands for the process restarting. */
  open(): Promise<BlobStore>;
  /** Everything the storage holds, by name: finished data under the image id, and any partial data or trace of a write. */
  stored(): Promise<string[]>;
}

const MiB = 1024 * 1024;
const ID = '0a0a0a0a-0000-4000-8000-000000000001';
const OTHER_ID = '0a0a0a0a-0000-4000-8000-000000000002';

/** Bytes that differ by position and by seed, so a misplaced or stale part shows. */
export function bytes(length: number, seed = 1): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + (i >>> 13) * 7 + seed * 101) & 0xff;
  return data;
}

function* chunks(data: Uint8Array, size = 64 * 1024): Generator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

/**
 * A source that sends `data` up to `pauseAt`, then waits for `resume()`; `paused` settles once it waits.
 * `resume(error)` makes it fail there instead, as a client that goes away does.
 */
export function pausedSource(data: Uint8Array, pauseAt: number) {
  let reached!: () => void;
  let resume!: (error?: Error) => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  const resumed = new Promise<Error | undefined>((resolve) => (resume = resolve));
  async function* source() {
    yield* chunks(data.subarray(0, pauseAt));
    reached();
    const error = await resumed;
    if (error) throw error;
    yield* chunks(data.subarray(pauseAt));
  }
  return { source: source(), paused, resume };
}

async function* failingAfter(data: Uint8Array, message: string) {
  yield* chunks(data);
  throw new Error(message);
}

async function readAll(stream: Readable | null): Promise<Buffer | null> {
  if (!stream) return null;
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

const sha256 = (data: Uint8Array | null) => (data ? createHash('sha256').update(data).digest('hex') : null);

export function blobStoreContract(name: string, open: () => Promise<BlobSite>): void {
  describe(`${name} (BlobStore contract)`, () => {
    test('a snapshot keeps the data as it was, apart from the store, and its data can be adopted back', async () => {
      const blobs = await (await open()).open();
      const [first, second] = [bytes(1000, 1), bytes(3 * MiB, 2)];
      await blobs.put(ID, first);
      await blobs.put(OTHER_ID, second);
      const snapshot = blobs.snapshot('s1');
      for (const id of await blobs.ids()) await snapshot.adopt(blobs, id);
      assert.deepEqual((await snapshot.ids()).sort(), [ID, OTHER_ID]);

      await blobs.put(ID, bytes(10, 3));
      await blobs.delete(OTHER_ID);
      assert.deepEqual(await blobs.ids(), [ID]);
      assert.equal(sha256(await snapshot.get(ID)), sha256(first));

      await blobs.adopt(snapshot, ID);
      await blobs.adopt(snapshot, OTHER_ID);
      assert.equal(sha256(await blobs.get(ID)), sha256(first));
      assert.equal(sha256(await blobs.get(OTHER_ID)), sha256(second));

      await snapshot.destroy();
      assert.deepEqual(await blobs.snapshot('s1').ids(), []);
      assert.deepEqual((await blobs.ids()).sort(), [ID, OTHER_ID]);
      assert.equal(sha256(await blobs.get(OTHER_ID)), sha256(second));
    });

    test('put stores bytes that get and open return whole', async () => {
      const site = await open();
      const blobs = await site.open();
      const data = bytes(1000);
      await blobs.put(ID, data);
      assert.deepEqual(Buffer.from((await blobs.get(ID))!), data);
      assert.deepEqual(await readAll(await blobs.open(ID)), data);
      assert.deepEqual(await site.stored(), [ID]);
    });

    test('an image without data has none to get, open or read a range of', async () => {
      const blobs = await (await open()).open();
      assert.equal(await blobs.get(ID), null);
      assert.equal(await blobs.open(ID), null);
      assert.equal(await blobs.open(ID, { start: 0, end: 0 }), null);
    });

    test('a write of several MiB in small chunks comes back byte for byte, whole and by range', async () => {
      const site = await open();
      const blobs = await site.open();
      const data = bytes(12 * MiB + 123);
      assert.equal(await (await blobs.begin(ID)).write(chunks(data)), data.length);
      assert.equal(sha256(await blobs.get(ID)), sha256(data));
      assert.equal(sha256(await readAll(await blobs.open(ID))), sha256(data));
      const last = data.length - 1;
      for (const [start, end] of [[0, 0], [5, 10], [8 * MiB - 3, 8 * MiB + 3], [last, last], [0, last]]) {
        const range = await readAll(await blobs.open(ID, { start, end }));
        assert.equal(sha256(range), sha256(data.subarray(start, end + 1)), `bytes ${start}-${end}`);
      }
      assert.deepEqual(await site.stored(), [ID]);
    });

    test('a write is invisible until its source has ended', async () => {
      const site = await open();
      const blobs = await site.open();
      const data = bytes(10 * MiB);
      const { source, paused, resume } = pausedSource(data, 9 * MiB);
      const writing = (await blobs.begin(ID)).write(source);
      await paused;
      assert.equal(await blobs.get(ID), null);
      assert.equal(await blobs.open(ID), null);
      assert.ok(!(await site.stored()).includes(ID), 'nothing is stored under the image id yet');
      resume();
      assert.equal(await writing, data.length);
      assert.equal(sha256(await blobs.get(ID)), sha256(data));
    });

    test('a new write replaces the earlier bytes, which readers see until it completes', async () => {
      const site = await open();
      const blobs = await site.open();
      const before = bytes(3000, 1);
      const after = bytes(9 * MiB, 2);
      await blobs.put(ID, before);
      const { source, paused, resume } = pausedSource(after, 8 * MiB + 1);
      const writing = (await blobs.begin(ID)).write(source);
      await paused;
      assert.deepEqual(Buffer.from((await blobs.get(ID))!), before);
      resume();
      await writing;
      assert.equal(sha256(await blobs.get(ID)), sha256(after));
      assert.deepEqual(await site.stored(), [ID]);
    });

    test('an abort before writing leaves nothing behind', async () => {
      const site = await open();
      const blobs = await site.open();
      await (await blobs.begin(ID)).abort();
      assert.deepEqual(await site.stored(), []);
      assert.equal(await blobs.open(ID), null);
    });

    test("a failing source fails the write with the source's error and leaves nothing behind", async () => {
      const site = await open();
      const blobs = await site.open();
      const writer = await blobs.begin(ID);
      await assert.rejects(writer.write(failingAfter(bytes(9 * MiB), 'client went away')), /client went away/);
      assert.deepEqual(await site.stored(), []);
      assert.equal(await blobs.get(ID), null);
      await writer.abort();
      assert.deepEqual(await site.stored(), []);
    });

    test('a failing replacement keeps the earlier bytes', async () => {
      const site = await open();
      const blobs = await site.open();
      const before = bytes(3000);
      await blobs.put(ID, before);
      await assert.rejects((await blobs.begin(ID)).write(failingAfter(bytes(9 * MiB, 2), 'client went away')), /client went away/);
      assert.deepEqual(Buffer.from((await blobs.get(ID))!), before);
      assert.deepEqual(await site.stored(), [ID]);
    });

    test('delete removes the bytes, and deleting what is not there is fine', async () => {
      const site = await open();
      const blobs = await site.open();
      await blobs.put(ID, bytes(100));
      await blobs.delete(ID);
      assert.equal(await blobs.get(ID), null);
      assert.equal(await blobs.open(ID), null);
      assert.deepEqual(await site.stored(), []);
      await blobs.delete(ID);
      await blobs.delete(OTHER_ID);
    });

    test('a write the previous process began and never finished is reported after a restart, its traces cleared', async () => {
      const site = await open();
      const crashed = await site.open();
      await crashed.put(OTHER_ID, bytes(100));
      const began = Date.now();
      await crashed.begin(ID);
      const restarted = await site.open();
      const seen: number[] = [];
      assert.deepEqual(await restarted.interrupted(async (_, lastActive) => seen.push(lastActive.getTime()) > 0), [ID]);
      // Within the clocks' and timestamps' coarseness (an S3 server may keep whole seconds).
      assert.ok(seen.length === 1 && Math.abs(seen[0] - began) < 5_000, `the write last showed life at ${new Date(seen[0]).toISOString()}`);
      assert.deepEqual(await site.stored(), [OTHER_ID]);
    });

    test('only the writes the caller names abandoned are reported, and the others go on', async () => {
      const site = await open();
      const died = await site.open();
      const running = await site.open();
      await died.begin(ID);
      const writer = await running.begin(OTHER_ID);
      const survivor = await site.open();
      assert.deepEqual(await survivor.interrupted(async (imageId) => imageId === ID), [ID]);
      assert.equal(await writer.write([bytes(10)]), 10);
      assert.deepEqual(await site.stored(), [OTHER_ID]);
    });

    test('a partial write that another process clears at the same moment is reported by both, and neither fails', async () => {
      const site = await open();
      await (await site.open()).begin(ID);
      const [one, other] = [await site.open(), await site.open()];
      let cleared: string[] = [];
      const reported = await one.interrupted(async () => {
        cleared = await other.interrupted(async () => true);
        return true;
      });
      assert.deepEqual([reported, cleared], [[ID], [ID]]);
      assert.deepEqual(await site.stored(), []);
    });
  });
}
