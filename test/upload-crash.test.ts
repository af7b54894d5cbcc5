// A Glint process killed (SIGKILL) in the middle of a large image upload: on restart the image is queued
// again with no data, no partial or half-written file is left behind, other images are untouched, and the
// same image then uploads in full. Runs real processes over loopback; the data is generated in 1 MiB
// chunks, never held whole.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isRunning, startGlint, stopGlint, waitForExit, type GlintProcess } from './support/glint-process.js';

const MiB = 1024 * 1024;
const BIG = 200 * 1000 * 1000;
/** The server is killed once at least this much of the big upload has been sent… */
const KILL_AFTER = 50 * MiB;
/** …and the client sends no more than this before the kill, so the kill lands in the 50–80 MB window. */
const HOLD_AT = 76 * MiB;
const TOKEN = 'crash-tester:0123456789abcdef0123456789abcdef';

const work = mkdtempSync(join(tmpdir(), 'glint-upload-crash-'));
after(() => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Deterministic data, chunk by chunk

/** 1 MiB of xorshift32 output for `seed`. */
function basePattern(seed: number): Buffer {
  const words = new Uint32Array(MiB / 4);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer);
}

/** Chunk `index` of the data for `seed`: the seed's pattern stamped with the index, so no two chunks are alike. */
function* generate(seed: number, size: number): Generator<Buffer> {
  const base = basePattern(seed);
  for (let index = 0, offset = 0; offset < size; index++) {
    const length = Math.min(MiB, size - offset);
    const chunk = Buffer.allocUnsafe(length);
    base.copy(chunk, 0, 0, length);
    for (let at = 0; at + 8 <= length; at += 64 * 1024) chunk.writeUInt32LE(index, at);
    offset += length;
    yield chunk;
  }
}

function generatedBytes(seed: number, size: number): Buffer {
  return Buffer.concat([...generate(seed, size)]);
}

// ---------------------------------------------------------------------------------------------
// The server

const serve = (dataDir: string) => startGlint(['--profile', 'openstack', '--auth', 'noauth', '--data-dir', dataDir]);

// ---------------------------------------------------------------------------------------------
// The image API

interface ImageJson {
  id: string;
  name: string | null;
  status: string;
  size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
}

async function createImage(glint: GlintProcess, name: string): Promise<ImageJson> {
  const res = await fetch(`${glint.urls.image}/v2/images`, {
    method: 'POST',
    headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const image = JSON.parse(text) as ImageJson;
  assert.equal(image.status, 'queued');
  return image;
}

async function showImage(glint: GlintProcess, id: string): Promise<ImageJson> {
  const res = await fetch(`${glint.urls.image}/v2/images/${id}`, { headers: { 'X-Auth-Token': TOKEN } });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as ImageJson;
}

/** Downloads an image's data, hashing it as it arrives; `keep` also returns the bytes (small images only). */
async function download(glint: GlintProcess, id: string, keep = false): Promise<{ size: number; md5: string; bytes?: Buffer }> {
  const res = await fetch(`${glint.urls.image}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': TOKEN } });
  assert.equal(res.status, 200, `download of ${id}`);
  const md5 = createHash('md5');
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body! as AsyncIterable<Uint8Array>) {
    md5.update(chunk);
    size += chunk.length;
    if (keep) kept.push(Buffer.from(chunk));
  }
  return { size, md5: md5.digest('hex'), bytes: keep ? Buffer.concat(kept) : undefined };
}

interface Upload {
  /** Bytes handed to the socket so far. */
  sent: () => number;
  /** Resolves once `sent()` reaches `bytes` (or the upload ends first). */
  reached: (bytes: number) => Promise<void>;
  /** The server's answer; rejects when the connection fails first. */
  response: Promise<{ status: number; body: string }>;
  /** md5 and sha512 of everything sent; complete once the whole size was sent. */
  digests: () => { md5: string; sha512: string; complete: boolean };
}

/**
 * `PUT /v2/images/{id}/file` of `size` generated bytes, over node:http with a Content-Length and
 * backpressure. With `holdAt`, sending stops (the request left open) once that much was sent.
 */
function startUpload(glint: GlintProcess, id: string, seed: number, size: number, holdAt?: number): Upload {
  const req = request(`${glint.urls.image}/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
  });
  let sent = 0;
  let finished = false; // an answer, an error or the end of the data: nothing more to send
  const waiters: Array<{ bytes: number; resolve: () => void }> = [];
  const wake = () => {
    for (const waiter of [...waiters]) {
      if (sent >= waiter.bytes || finished) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  let digests: { md5: string; sha512: string; complete: boolean } | undefined;

  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => (body += text));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  const onStop = new Set<() => void>();
  const stop = () => {
    finished = true;
    wake();
    for (const listener of [...onStop]) listener();
  };
  response.then(stop, stop);

  // Resolves when the socket takes more data, or when nothing more will be sent.
  const writable = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        req.off('drain', done);
        req.off('close', done);
        onStop.delete(done);
        resolve();
      };
      req.once('drain', done);
      req.once('close', done);
      onStop.add(done);
      if (finished) done();
    });

  void (async () => {
    for (const chunk of generate(seed, size)) {
      if (finished || (holdAt !== undefined && sent >= holdAt)) return;
      md5.update(chunk);
      sha512.update(chunk);
      sent += chunk.length;
      const more = req.write(chunk);
      wake();
      if (!more) await writable();
    }
    digests = { md5: md5.digest('hex'), sha512: sha512.digest('hex'), complete: true };
    req.end();
    stop();
  })().catch((err: unknown) => {
    req.destroy(err instanceof Error ? err : new Error(String(err)));
  });

  return {
    sent: () => sent,
    reached: (bytes) =>
      new Promise<void>((resolve) => {
        waiters.push({ bytes, resolve });
        wake();
      }),
    response,
    digests: () => digests ?? { md5: '', sha512: '', complete: false },
  };
}

async function upload(glint: GlintProcess, id: string, seed: number, size: number) {
  const transfer = startUpload(glint, id, seed, size);
  const { status, body } = await transfer.response;
  assert.equal(status, 204, `upload of ${id}: ${body}`);
  const digests = transfer.digests();
  assert.ok(digests.complete, 'the server answered after all the data was sent');
  return digests;
}

const imagesDir = (dataDir: string) => join(dataDir, 'images');
const partials = (dataDir: string) => readdirSync(imagesDir(dataDir)).filter((name) => name.endsWith('.partial'));

// ---------------------------------------------------------------------------------------------

test('a SIGKILL during a 200 MB upload leaves the image queued with no data; other images are intact', { timeout: 120_000 }, async (t) => {
  const dataDir = join(work, 'data');
  let glint = await serve(dataDir);
  try {
    // Images that exist before the crash: one with data, one still without.
    const small = await createImage(glint, 'small, uploaded before the crash');
    const smallSize = 3 * MiB + 123;
    const smallDigests = await upload(glint, small.id, 2, smallSize);
    const smallBefore = await showImage(glint, small.id);
    assert.equal(smallBefore.status, 'active');
    assert.equal(smallBefore.size, smallSize);
    assert.equal(smallBefore.checksum, smallDigests.md5);
    const empty = await createImage(glint, 'queued, never uploaded');

    // The big upload, killed in flight.
    const big = await createImage(glint, 'big, interrupted');
    const interrupted = startUpload(glint, big.id, 1, BIG, HOLD_AT);
    const failure = interrupted.response.then(
      ({ status, body }) => new Error(`the interrupted upload was answered: ${status} ${body}`),
      (err: unknown) => err,
    );
    await interrupted.reached(KILL_AFTER);
    assert.ok(interrupted.sent() >= KILL_AFTER, `the upload is still being sent (${interrupted.sent()} bytes sent)`);
    assert.equal((await showImage(glint, big.id)).status, 'saving', 'the image is saving while its data streams in');
    const inFlight = partials(dataDir);
    assert.equal(inFlight.length, 1, `one partial file while uploading: ${inFlight.join(', ')}`);
    assert.ok(inFlight[0].startsWith(`.${big.id}.`), `the partial file is named after the image: ${inFlight[0]}`);

    const sentAtKill = interrupted.sent();
    glint.child.kill('SIGKILL');
    const { signal } = await waitForExit(glint.child);
    assert.equal(signal, 'SIGKILL');
    assert.ok(sentAtKill >= KILL_AFTER && sentAtKill <= 80 * 1000 * 1000, `killed after ${sentAtKill} bytes were sent`);
    t.diagnostic(`killed after ${(sentAtKill / 1e6).toFixed(1)} MB of ${BIG / 1e6} MB were sent`);
    const clientError = await failure;
    assert.ok(clientError instanceof Error, 'the client sees the connection fail');
    assert.doesNotMatch(clientError.message, /was answered/);
    // The crash left its partial file: what follows shows the restart cleans it up.
    assert.equal(partials(dataDir).length, 1, 'the killed process left its partial file behind');
    assert.ok(statSync(join(imagesDir(dataDir), inFlight[0])).size > 0);

    // Restart on the same data.
    glint = await serve(dataDir);
    assert.match(glint.output(), /1 image\(s\) whose upload was interrupted are queued again/);

    const afterCrash = await showImage(glint, big.id);
    assert.equal(afterCrash.status, 'queued');
    assert.equal(afterCrash.size, null);
    assert.equal(afterCrash.checksum, null);
    assert.equal(afterCrash.os_hash_value, null);
    const noData = await fetch(`${glint.urls.image}/v2/images/${big.id}/file`, { headers: { 'X-Auth-Token': TOKEN } });
    await noData.arrayBuffer();
    assert.equal(noData.status, 204, 'a queued image has no data to download');
    assert.deepEqual(partials(dataDir), [], 'no partial file survives the restart');
    assert.deepEqual(readdirSync(imagesDir(dataDir)).filter((name) => name.includes(big.id)), [], 'no file of the interrupted image');

    const smallAfter = await showImage(glint, small.id);
    assert.deepEqual(smallAfter, smallBefore, 'the uploaded image is unchanged');
    const smallData = await download(glint, small.id, true);
    assert.equal(smallData.md5, smallDigests.md5);
    assert.ok(smallData.bytes!.equals(generatedBytes(2, smallSize)), 'the uploaded image downloads the same bytes');
    const emptyAfter = await showImage(glint, empty.id);
    assert.equal(emptyAfter.status, 'queued');
    assert.equal(emptyAfter.size, null);

    // The same image uploads in full after the crash.
    const full = await upload(glint, big.id, 1, BIG);
    const active = await showImage(glint, big.id);
    assert.equal(active.status, 'active');
    assert.equal(active.size, BIG);
    assert.equal(active.checksum, full.md5);
    assert.equal(active.os_hash_algo, 'sha512');
    assert.equal(active.os_hash_value, full.sha512);
    assert.deepEqual(partials(dataDir), []);
    assert.equal(statSync(join(imagesDir(dataDir), big.id)).size, BIG);
    const bigData = await download(glint, big.id);
    assert.equal(bigData.size, BIG);
    assert.equal(bigData.md5, full.md5);

    const stopped = await stopGlint(glint.child);
    assert.equal(stopped.code, 0, `Glint stops cleanly on SIGTERM (signal ${stopped.signal})\n${glint.output()}`);
  } finally {
    if (isRunning(glint.child)) glint.child.kill('SIGKILL');
  }
});
