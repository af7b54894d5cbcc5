// A Glint whose data directory is on a small tmpfs that fills up: uploads larger than the free space are
// answered as Glance answers a full store (413) while the process keeps serving, with the image queued again
// and no partial file left; on a full disk, reads go on and catalog writes and logins answer 503 in each API's
// format; a start on a full disk says why it cannot, and once room is made the start recovers an upload a
// crash cut short. The tmpfs lives in a mount namespace of its own (`unshare`, no privileges needed), kept by a
// holder process; Glint runs in it through `nsenter`, and the test reaches its files through /proc/<pid>/root.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { fillFileSystem } from './support/fill-disk.js';
import { isRunning, killOnExit, startGlint, stopGlint, waitForExit, glintCommand, type GlintProcess } from './support/glint-process.js';

const MiB = 1024 * 1024;
const DISK = 24 * MiB;
const ADMIN_PASSWORD = 'disk-full-admin-pw';

const dir = mkdtempSync(join(tmpdir(), 'glint-disk-full-'));
let holder: ChildProcess;
/** A path inside the tmpfs, as this process (outside the namespace) reaches it. */
const inside = (...parts: string[]) => join(`/proc/${holder.pid}/root`, dir, ...parts);

before(async () => {
  for (const tool of ['unshare', 'nsenter']) {
    assert.equal(spawnSync(tool, ['--version']).status, 0, `${tool} (Debian package util-linux) is needed to run Glint on a tmpfs of its own`);
  }
  holder = killOnExit(
    spawn('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o size=${DISK} tmpfs "$0" && echo mounted && exec sleep 3600`, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const [line] = (await holder.stdout!.take(1).toArray()) as Buffer[];
  assert.equal(String(line).trim(), 'mounted', 'a tmpfs could be mounted in a user and mount namespace of our own');
});

after(async () => {
  holder?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const inNamespace = () => ['nsenter', '--target', String(holder.pid), '--user', '--mount', '--preserve-credentials', '--wd'];

const serve = () =>
  startGlint(['--auth', 'keystone', '--data-dir', dir], { prefix: inNamespace(), env: { GLINT_ADMIN_PASSWORD: ADMIN_PASSWORD } });

async function adminToken(glint: GlintProcess): Promise<string> {
  const answer = await fetch(`${glint.urls.identity}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody() });
  assert.equal(answer.status, 201);
  return answer.headers.get('x-subject-token')!;
}

function loginBody(): string {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
}

async function createImage(glint: GlintProcess, token: string, name: string): Promise<string> {
  const answer = await fetch(`${glint.urls.image}/v2/images`, {
    method: 'POST',
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }),
  });
  const body = await answer.text();
  assert.equal(answer.status, 201, body);
  return (JSON.parse(body) as { id: string }).id;
}

async function imageStatus(glint: GlintProcess, token: string, id: string): Promise<string> {
  const answer = await fetch(`${glint.urls.image}/v2/images/${id}`, { headers: { 'x-auth-token': token } });
  return ((await answer.json()) as { status: string }).status;
}

/**
 * Uploads (or, `to` 'stage', stages) `size` bytes in 1 MiB chunks; after `pauseAt` bytes the client waits a
 * while, so that a write the server has under way fails while nothing else of the upload is going on.
 * Resolves with the answer, once there is one (the client stops sending then), or with `null` if `hold` is
 * given: the upload then stays open at `pauseAt` until `hold` settles.
 */
function upload(glint: GlintProcess, token: string, id: string, size: number, pauseAt: number, { hold, to = 'file' }: { hold?: Promise<unknown>; to?: 'file' | 'stage' } = {}) {
  return new Promise<{ status: number; body: string } | null>((resolve, reject) => {
    const { hostname, port } = new URL(glint.urls.image);
    const req = request({
      host: hostname,
      port,
      method: 'PUT',
      path: `/v2/images/${id}/${to}`,
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': size },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    // Once the server has answered it may close the connection while data is still on its way.
    req.on('error', (err) => (answered || hold ? resolve(null) : reject(err)));
    const chunk = Buffer.alloc(MiB, 7);
    void (async () => {
      for (let sent = 0; sent < size && !answered; sent += MiB) {
        if (sent === pauseAt) {
          if (hold) {
            resolve(null);
            await hold;
            return;
          }
          await sleep(500);
        }
        if (!req.write(chunk)) await new Promise((drained) => req.once('drain', drained));
      }
      req.end();
    })();
  });
}

const partials = (place = 'images') => readdirSync(inside(place)).filter((name) => name.endsWith('.partial'));

/** Fills the tmpfs up to its last byte with a file of its own. */
const fill = () => fillFileSystem(inside('filler'));

const STORE_FULL = 'Image storage media is full: There is not enough disk space on the image storage media.';

test('an upload (or staging) larger than the free space: 413 in Glance\'s words, the image queued, no partial file, the process serving', async () => {
  const glint = await serve();
  try {
    const token = await adminToken(glint);
    const id = await createImage(glint, token, 'too big');
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await upload(glint, token, id, 2 * DISK, DISK - 2 * MiB);
      assert.ok(isRunning(glint.child), `the process is alive after attempt ${attempt + 1}`);
      assert.equal(answer?.status, 413, answer?.body);
      assert.match(answer.body, new RegExp(`^413 Request Entity Too Large\\n\\n${STORE_FULL}`));
      assert.equal(await imageStatus(glint, token, id), 'queued');
      assert.deepEqual(partials(), []);
    }
    // Staged data for an import meets the same full disk in the same words.
    const staged = await createImage(glint, token, 'too big to stage');
    const answer = await upload(glint, token, staged, 2 * DISK, DISK - 2 * MiB, { to: 'stage' });
    assert.equal(answer?.status, 413, answer?.body);
    assert.match(answer.body, new RegExp(`^413 Request Entity Too Large\\n\\n${STORE_FULL}`));
    assert.equal(await imageStatus(glint, token, staged), 'queued');
    assert.deepEqual(partials('staging'), []);
    // The room the upload took is free again: a smaller one fits.
    const fits = await upload(glint, token, id, 4 * MiB, -1);
    assert.equal(fits?.status, 204, fits?.body);
    assert.equal(await imageStatus(glint, token, id), 'active');
  } finally {
    await stopGlint(glint.child);
  }
});

test('on a full disk, reads go on; catalog writes and logins answer 503 in each API\'s format; uploads are refused', async () => {
  const glint = await serve();
  try {
    const token = await adminToken(glint);
    const id = await createImage(glint, token, 'kept');
    const project = (await (await fetch(`${glint.urls.identity}/v3/auth/tokens`, { headers: { 'x-auth-token': token, 'x-subject-token': token } })).json()) as {
      token: { project: { id: string } };
    };
    fill();
    try {
      const list = await fetch(`${glint.urls.compute}/v2.1/${project.token.project.id}/images`, { headers: { 'x-auth-token': token } });
      assert.equal(list.status, 200);
      assert.equal(await imageStatus(glint, token, id), 'queued');

      // Big enough never to fit in what the catalog's log file already holds.
      const properties = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`key_${i}`, 'v'.repeat(200)]));
      const created = await fetch(`${glint.urls.image}/v2/images`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'no room', ...properties }),
      });
      assert.equal(created.status, 503);
      assert.match(await created.text(), /^503 Service Unavailable\n\nThe service cannot store this now: The catalog store has no space left\./);

      const metadata = await fetch(`${glint.urls.compute}/v2.1/${project.token.project.id}/images/${id}/metadata`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ metadata: properties }),
      });
      assert.equal(metadata.status, 503);
      assert.equal(((await metadata.json()) as { serviceUnavailable: { code: number } }).serviceUnavailable.code, 503);

      const logins = await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${glint.urls.identity}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody() })),
      );
      const refused = logins.find((answer) => answer.status !== 201)!;
      assert.ok(refused, 'a login needs room for its token');
      assert.equal(refused.status, 503);
      assert.deepEqual(Object.keys(((await refused.json()) as { error: object }).error), ['code', 'title', 'message']);

      const uploaded = await upload(glint, token, id, 4 * MiB, -1);
      assert.ok(uploaded?.status === 413 || uploaded?.status === 503, `${uploaded?.status} ${uploaded?.body}`);
      assert.equal(await imageStatus(glint, token, id), 'queued');
      assert.ok(isRunning(glint.child));
    } finally {
      unlinkSync(inside('filler'));
    }
    // Room made: writes succeed again.
    assert.equal(await imageStatus(glint, token, await createImage(glint, token, 'room again')), 'queued');
  } finally {
    await stopGlint(glint.child);
  }
});

test('a start on a full disk says why it cannot; once room is made it starts and queues the upload a crash cut short', async () => {
  let glint = await serve();
  let id: string;
  let release!: () => void;
  try {
    const token = await adminToken(glint);
    id = await createImage(glint, token, 'cut short');
    // The upload stops halfway; the disk fills up; the process is killed.
    await upload(glint, token, id, 12 * MiB, 6 * MiB, { hold: new Promise<void>((resolve) => (release = resolve)) });
    for (let i = 0; i < 50 && (await imageStatus(glint, token, id)) !== 'saving'; i++) await sleep(100);
    assert.equal(await imageStatus(glint, token, id), 'saving');
    fill();
  } finally {
    glint.child.kill('SIGKILL');
    await waitForExit(glint.child);
    release?.();
  }
  assert.equal(partials().length, 1);

  const [command, ...args] = [...inNamespace(), process.execPath, ...glintCommand(), 'serve', '--auth', 'keystone', '--data-dir', dir];
  const start = spawnSync(command, [...args, '--compute-port', '0', '--image-port', '0', '--identity-port', '0'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(start.status, 1, start.stdout + start.stderr);
  assert.match(start.stderr, /^glint: cannot open the catalog in \S+: the disk holding it is full \(\d+ bytes free;/);
  assert.ok(!start.stderr.includes('    at '), 'no stack trace');

  unlinkSync(inside('filler'));
  glint = await serve();
  try {
    assert.match(glint.output(), /1 image\(s\) whose upload was interrupted are queued again/);
    assert.equal(await imageStatus(glint, await adminToken(glint), id), 'queued');
    assert.deepEqual(partials(), []);
  } finally {
    await stopGlint(glint.child);
  }
});
