// A Glint process killed (SIGKILL) in the middle of a web-download import: the next start fails the import's
// task, queues its image again without data and lets it be imported anew; another image's import is untouched.
// Killed while it stages data, it leaves the image queued again and no partial staged data. Runs real processes
// over loopback, against an HTTP server of the test's own.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { isRunning, startGlint, stopGlint, waitForExit, type GlintProcess } from './support/glint-process.js';
import { startWebServer } from './support/web-server.js';

const TOKEN = 'crash-tester:0123456789abcdef0123456789abcdef';
const DATA = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31 + 7) % 256));

const work = mkdtempSync(join(tmpdir(), 'glint-import-crash-'));
after(() => rmSync(work, { recursive: true, force: true }));

const serve = (dataDir: string) => startGlint(['--profile', 'openstack', '--auth', 'noauth', '--web-download-allow-internal', '--data-dir', dataDir]);

async function call(glint: GlintProcess, method: string, path: string, body?: unknown): Promise<{ status: number; json: () => unknown }> {
  const answer = await fetch(`${glint.urls.image}${path}`, {
    method,
    headers: { 'X-Auth-Token': TOKEN, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, json: () => JSON.parse(text) as unknown };
}

async function createImage(glint: GlintProcess, name: string): Promise<string> {
  const created = await call(glint, 'POST', '/v2/images', { name, disk_format: 'raw', container_format: 'bare' });
  assert.equal(created.status, 201);
  return (created.json() as { id: string }).id;
}

const image = async (glint: GlintProcess, id: string) => (await call(glint, 'GET', `/v2/images/${id}`)).json() as Record<string, unknown>;
const tasks = async (glint: GlintProcess, id: string) =>
  ((await call(glint, 'GET', `/v2/images/${id}/tasks`)).json() as { tasks: Array<{ status: string; message: string }> }).tasks;

async function importFrom(glint: GlintProcess, id: string, uri: string): Promise<void> {
  assert.equal((await call(glint, 'POST', `/v2/images/${id}/import`, { method: { name: 'web-download', uri } })).status, 202);
}

/** Waits until `done` says so (a few seconds at most). */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await done()); tries++) {
    assert.ok(tries < 500, 'waited too long');
    await sleep(20);
  }
}

async function ended(glint: GlintProcess, id: string): Promise<Record<string, unknown>> {
  for (let tries = 0; ; tries++) {
    const last = (await tasks(glint, id)).at(-1);
    if (last && last.status !== 'pending' && last.status !== 'processing') return image(glint, id);
    assert.ok(tries < 1000, `the import of ${id} ended`);
    await sleep(20);
  }
}

test('a SIGKILL during a web-download import: the next start fails its task and queues its image again', { timeout: 120_000 }, async () => {
  const web = await startWebServer(DATA);
  const dataDir = join(work, 'data');
  let glint = await serve(dataDir);
  try {
    const done = await createImage(glint, 'imported before the crash');
    await importFrom(glint, done, `${web.base}/data`);
    const before = await ended(glint, done);
    assert.equal(before.status, 'active');

    const cut = await createImage(glint, 'importing at the crash');
    await importFrom(glint, cut, `${web.base}/held`);
    await web.held();
    await until(async () => (await image(glint, cut)).status === 'importing');
    glint.child.kill('SIGKILL');
    assert.equal((await waitForExit(glint.child)).signal, 'SIGKILL');

    glint = await serve(dataDir);
    assert.match(glint.output(), /1 import\(s\) whose process stopped have failed, their image\(s\) queued again/);
    const after = await image(glint, cut);
    assert.deepEqual([after.status, after.size, after.checksum, after.os_glance_import_task], ['queued', null, null, undefined]);
    assert.deepEqual((await tasks(glint, cut)).map((task) => [task.status, task.message]), [
      ['failure', 'Import interrupted: the process running it stopped before it ended.'],
    ]);
    assert.deepEqual(readdirSync(join(dataDir, 'images')).filter((name) => name.includes(cut)), [], 'no data, partial or whole, of the cut import');
    assert.deepEqual(await image(glint, done), before, 'the image imported before is as it was');

    // Queued again, it imports in full.
    web.release();
    await importFrom(glint, cut, `${web.base}/data`);
    const again = await ended(glint, cut);
    assert.deepEqual([again.status, again.size, again.checksum], ['active', DATA.length, createHash('md5').update(DATA).digest('hex')]);
    assert.equal((await stopGlint(glint.child)).code, 0);
  } finally {
    if (isRunning(glint.child)) glint.child.kill('SIGKILL');
    await web.close();
  }
});

test('a SIGKILL while data is staged: the next start queues the image again, with no partial staged data', { timeout: 120_000 }, async () => {
  const dataDir = join(work, 'staging');
  let glint = await serve(dataDir);
  try {
    const id = await createImage(glint, 'staging at the crash');
    // Half the data announced is sent; the rest never comes.
    const staging = request(`${glint.urls.image}/v2/images/${id}/stage`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/octet-stream', 'Content-Length': String(DATA.length * 2) },
    });
    staging.on('error', () => undefined);
    staging.write(DATA);
    await until(async () => (await image(glint, id)).status === 'uploading');
    const partials = () => readdirSync(join(dataDir, 'staging')).filter((name) => name.endsWith('.partial'));
    assert.equal(partials().length, 1, 'the staged data is written to a partial file');
    glint.child.kill('SIGKILL');
    await waitForExit(glint.child);
    staging.destroy();

    glint = await serve(dataDir);
    assert.match(glint.output(), /1 image\(s\) whose upload was interrupted are queued again/);
    const after = await image(glint, id);
    assert.deepEqual([after.status, after.size], ['queued', null]);
    assert.deepEqual(readdirSync(join(dataDir, 'staging')), [], 'no staged data, partial or whole');
    assert.equal((await stopGlint(glint.child)).code, 0);
  } finally {
    if (isRunning(glint.child)) glint.child.kill('SIGKILL');
  }
});
