// Image data kept in S3: a Glint whose `blobs` names a bucket on a real S3-speaking server (s3rver,
// started here on loopback) takes an upload through the image API and serves the same bytes back,
// whole and by range, with nothing written to its data directory.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createGlint, type Glint } from '../src/app.js';
import { startTestS3 } from './support/s3-test-server.js';
import { loadConfig } from '../src/config.js';

// Top-level, so that a server that cannot start fails this file rather than skipping its test.
const s3 = await startTestS3();
after(() => s3.close());

const MiB = 1024 * 1024;
const PREFIX = 'images/';
const TOKEN = `member:${randomUUID().replace(/-/g, '')}`;

function expectStatus(res: LightMyRequestResponse, status: number, what: string): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
}

/** More than one 8 MiB part, so the upload goes through S3's multipart upload. */
function imageBytes(length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 13 + (i >>> 12)) & 0xff;
  return data;
}

/** Runs `body` on a Glint whose image data goes to the test's bucket under PREFIX, with a data directory of its own. */
async function onS3(body: (glint: Glint, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'glint-s3-blobs-'));
  const config = loadConfig(
    { profile: 'openstack', auth: 'noauth', dataDir: dir, blobs: s3.url(PREFIX), computePort: 0, imagePort: 0, identityPort: 0 },
    {},
  );
  const glint = await createGlint(config);
  try {
    await body(glint, dir);
  } finally {
    await glint.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One image API request as the test's caller. */
function call(glint: Glint, method: 'GET' | 'POST' | 'PUT', url: string, extra: { payload?: Buffer | string; headers?: Record<string, string> } = {}) {
  return glint.image.inject({ method, url, payload: extra.payload, headers: { 'x-auth-token': TOKEN, ...extra.headers } });
}

/** Creates an image of the test's caller; returns its id. */
async function createImage(glint: Glint, name: string): Promise<string> {
  const created = await call(glint, 'POST', '/v2/images', {
    payload: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }),
    headers: { 'content-type': 'application/json' },
  });
  expectStatus(created, 201, 'create');
  return created.json<{ id: string }>().id;
}

const OCTETS = { 'content-type': 'application/octet-stream' };

test('an image uploaded through the image API is stored in S3 and downloads whole and by range', () => onS3(async (glint, dir) => {

  const id = await createImage(glint, 's3-image');

  const data = imageBytes(9 * MiB + 4321);
  expectStatus(await call(glint, 'PUT', `/v2/images/${id}/file`, { payload: data, headers: OCTETS }), 204, 'upload');
  const image = (await call(glint, 'GET', `/v2/images/${id}`)).json<{ status: string; size: number; checksum: string }>();
  assert.equal(image.status, 'active');
  assert.equal(image.size, data.length);
  assert.equal(image.checksum, createHash('md5').update(data).digest('hex'));

  assert.deepEqual(await s3.stored(PREFIX), [id], 'the bytes are one finished object in the bucket');
  assert.ok(!existsSync(join(dir, 'images')), 'nothing goes to the data directory');

  const whole = await call(glint, 'GET', `/v2/images/${id}/file`);
  expectStatus(whole, 200, 'download');
  assert.ok(whole.rawPayload.equals(data), 'the downloaded bytes are the uploaded ones');

  // Across the boundary between the first two parts.
  const [start, end] = [8 * MiB - 10, 8 * MiB + 10];
  const part = await call(glint, 'GET', `/v2/images/${id}/file`, { headers: { range: `bytes=${start}-${end}` } });
  expectStatus(part, 206, 'ranged download');
  assert.equal(part.headers['content-range'], `bytes ${start}-${end}/${data.length}`);
  assert.ok(part.rawPayload.equals(data.subarray(start, end + 1)), 'the range holds the bytes asked for');
}));

test('data staged for a glance-direct import waits under staging/ in the bucket, and moves into the image', () => onS3(async (glint, dir) => {
  const id = await createImage(glint, 's3-staged');
  const data = imageBytes(MiB + 5);
  expectStatus(await call(glint, 'PUT', `/v2/images/${id}/stage`, { payload: data, headers: OCTETS }), 204, 'stage');
  assert.ok((await s3.stored(PREFIX)).includes(`staging/${id}`), 'the staged data is an object under staging/');

  const body = JSON.stringify({ method: { name: 'glance-direct' } });
  expectStatus(await call(glint, 'POST', `/v2/images/${id}/import`, { payload: body, headers: { 'content-type': 'application/json' } }), 202, 'import');
  await glint.imports.idle();
  const image = (await call(glint, 'GET', `/v2/images/${id}`)).json<{ status: string; checksum: string }>();
  assert.deepEqual([image.status, image.checksum], ['active', createHash('md5').update(data).digest('hex')]);
  assert.ok(!(await s3.stored(PREFIX)).includes(`staging/${id}`), 'the staged data is gone');
  assert.ok((await s3.stored(PREFIX)).includes(id), 'the image data is an object of its own');
  assert.ok(!existsSync(join(dir, 'staging')), 'nothing goes to the data directory');
}));
