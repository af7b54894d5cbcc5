// A Glint instance that starts while another instance on the same catalog and image data receives an
// upload (a second machine coming up, or one restarting): its start-up gives back only uploads nobody is
// receiving, so the other's upload goes on to the end. Real processes, on one SQLite file and data directory,
// on PostgreSQL and a data directory, and on PostgreSQL and an S3 bucket.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startTestS3 } from './support/s3-test-server.js';
import { startGlint, stopGlint, type GlintProcess } from './support/glint-process.js';
import { freshDatabase } from './support/postgres-server.js';

// Top-level, so that a server that cannot start fails this file rather than skipping its tests.
const s3 = await startTestS3();
after(() => s3.close());

const TOKEN = 'uploader:0123456789abcdef0123456789abcdef';
const CHUNK = Buffer.alloc(1024 * 1024, 5);
const CHUNKS = 4;

async function status(glint: GlintProcess, id: string): Promise<string> {
  const res = await fetch(`${glint.urls.image}/v2/images/${id}`, { headers: { 'X-Auth-Token': TOKEN } });
  return ((await res.json()) as { status: string }).status;
}

async function createImage(glint: GlintProcess): Promise<string> {
  const created = await fetch(`${glint.urls.image}/v2/images`, {
    method: 'POST',
    headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'under way', disk_format: 'raw', container_format: 'bare' }),
  });
  assert.equal(created.status, 201);
  return ((await created.json()) as { id: string }).id;
}

/** Where the instances keep the catalog and the image data, besides their shared data directory. */
const setups: [string, () => Promise<string[]>][] = [
  ['one SQLite file and data directory', async () => []],
  ['PostgreSQL and one data directory', async () => ['--database', await freshDatabase()]],
  ['PostgreSQL and one S3 bucket', async () => ['--database', await freshDatabase(), '--blobs', s3.url('instance-start/')]],
];

for (const [shared, storage] of setups) {
  describe(`an instance starting beside another on ${shared}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'glint-instance-start-'));
    const running: GlintProcess[] = [];
    after(async () => {
      for (const glint of running) await stopGlint(glint.child);
      rmSync(dir, { recursive: true, force: true });
    });

    test('leaves alone the upload the other is receiving', async () => {
      const where = await storage();
      const serve = async () => {
        const glint = await startGlint(['--profile', 'openstack', '--auth', 'noauth', '--data-dir', dir, ...where]);
        running.push(glint);
        return glint;
      };
      const first = await serve();
      const id = await createImage(first);
      const upload = request(`${first.urls.image}/v2/images/${id}/file`, {
        method: 'PUT',
        headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/octet-stream', 'Content-Length': String(CHUNK.length * CHUNKS) },
      });
      const answered = new Promise<number>((resolve, reject) => {
        upload.once('error', reject);
        upload.once('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
      });
      // Whatever fails below, the answer is awaited there or not at all.
      answered.catch(() => undefined);
      try {
        upload.write(CHUNK);
        for (let tries = 0; (await status(first, id)) !== 'saving'; tries++) {
          assert.ok(tries < 100, 'the image is marked saving');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }

        const second = await serve();
        assert.doesNotMatch(second.output(), /queued again/);
        assert.equal(await status(second, id), 'saving');

        for (let i = 1; i < CHUNKS; i++) upload.write(CHUNK);
        upload.end();
        assert.equal(await answered, 204);
        for (const glint of [first, second]) assert.equal(await status(glint, id), 'active');
        const data = await fetch(`${second.urls.image}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': TOKEN } });
        assert.equal(Buffer.from(await data.arrayBuffer()).length, CHUNK.length * CHUNKS);
      } finally {
        upload.destroy();
      }
    });
  });
}
