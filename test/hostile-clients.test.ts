// Clients that hold a listener hostage, over real sockets: header values that a pattern would scan in
// quadratic time, headers past the size cap, bodies that stall or trickle (answered 408 in each API's own
// format, the connection closed, an upload's image queued again), and more connections than a listener takes.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { characterReads } from './support/character-reads.js';

const BODY_TIMEOUT_S = 1;
const MAX_CONNECTIONS = 8;
const PASSWORD = 'alice-secret-pw';

let glint: Glint;
let dir: string;
let token: string;
let project: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glint-hostile-'));
  glint = await createGlint(
    loadConfig(
      { auth: 'keystone', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0, bodyTimeout: BODY_TIMEOUT_S, maxConnections: MAX_CONNECTIONS },
      {},
    ),
  );
  const identity = glint.accounts;
  await identity.bootstrap('admin-secret-pw');
  project = (await identity.createProject('p-alice')).id;
  await identity.createUser('alice', PASSWORD, project, ['member']);
  await glint.listen();
  const login = await fetch(`${glint.urls.identity}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'alice', domain: { id: 'default' }, password: PASSWORD } } },
        scope: { project: { id: project } },
      },
    }),
  });
  assert.equal(login.status, 201);
  token = login.headers.get('x-subject-token')!;
});

after(async () => {
  await glint?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw connection to a listener, and everything it receives until the server closes it. */
interface Raw {
  socket: Socket;
  /** Resolves with all bytes received once the server closed the connection (or after `limitMs`: null). */
  closed(limitMs: number): Promise<string | null>;
}

async function open(url: string): Promise<Raw> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let received = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  return {
    socket,
    closed: (limitMs) => Promise.race([ended, sleep(limitMs).then(() => null)]),
  };
}

/** One request on a fresh connection, the whole answer as text; the connection closes after it. */
async function exchange(url: string, head: string): Promise<string> {
  const raw = await open(url);
  raw.socket.write(head);
  raw.socket.end();
  const answer = await raw.closed(10_000);
  assert.notEqual(answer, null, 'answered and closed within 10 s');
  return answer!;
}

async function createImage(name: string): Promise<string> {
  const created = await fetch(`${glint.urls.image}/v2/images`, {
    method: 'POST',
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }),
  });
  return ((await created.json()) as { id: string }).id;
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);

describe('headers', () => {
  const versionRequest = (padding: number) =>
    `GET /v2.1/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nOpenStack-API-Version: compute${' '.repeat(padding)}2.3\r\n\r\n`;

  test('the largest microversion header the server accepts is read in time linear in its size; one byte more is refused', async () => {
    // The largest padding the header size cap lets through, found by bisection.
    let accepted = 0;
    let refused = 64 * 1024;
    while (refused - accepted > 1) {
      const padding = Math.floor((accepted + refused) / 2);
      if (statusOf(await exchange(glint.urls.compute, versionRequest(padding))) === 431) refused = padding;
      else accepted = padding;
    }
    assert.ok(accepted > 15_000 && accepted < 16 * 1024, `the cap stays Node's 16 KiB (${accepted} spaces accepted)`);

    const { result, reads } = await characterReads(() => exchange(glint.urls.compute, versionRequest(accepted)));
    assert.equal(statusOf(result), 200);
    assert.match(result, /\r\nOpenStack-API-Version: compute 2\.3\r\n/i);
    // Each character of the value looked at a few times at most; a quadratic scan would read it thousands of times.
    assert.ok(reads >= accepted && reads <= 4 * accepted, `${reads} characters read for a header of ${accepted}`);
    assert.equal(statusOf(await exchange(glint.urls.compute, versionRequest(accepted + 1))), 431);
  });
});

describe(`request bodies (--body-timeout ${BODY_TIMEOUT_S})`, () => {
  const post = (path: string, length: number, headers = '') =>
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${headers}\r\n`;

  test('a body that stops arriving is answered 408 in each API\'s format, and its connection closed', async () => {
    const stalls = [
      { url: glint.urls.identity, path: '/v3/auth/tokens', headers: '', format: /^\{"error":\{"code":408,"title":"Request Timeout","message":/ },
      { url: glint.urls.image, path: '/v2/images', headers: `X-Auth-Token: ${token}\r\n`, format: /^408 Request Timeout\n\nThe server has waited too long/ },
      {
        url: glint.urls.compute,
        path: `/v2.1/${project}/images/00000000-0000-4000-8000-000000000000/metadata`,
        headers: `X-Auth-Token: ${token}\r\n`,
        format: /^\{"computeFault":\{"code":408,"message":/,
      },
    ];
    await Promise.all(
      stalls.map(async ({ url, path, headers, format }) => {
        const raw = await open(url);
        raw.socket.write(`${post(path, 1000, headers)}{"auth": `);
        const answer = await raw.closed(BODY_TIMEOUT_S * 3000);
        assert.notEqual(answer, null, `${path}: closed`);
        assert.equal(statusOf(answer!), 408, answer!);
        assert.match(bodyOf(answer!), format);
      }),
    );
  });

  test('a JSON body trickled a byte at a time is cut once the timeout has passed, though bytes keep coming', async () => {
    const raw = await open(glint.urls.identity);
    raw.socket.write(post('/v3/auth/tokens', 1000));
    const started = Date.now();
    const trickle = setInterval(() => raw.socket.writable && raw.socket.write(' '), 100);
    const answer = await raw.closed(BODY_TIMEOUT_S * 4000);
    clearInterval(trickle);
    assert.notEqual(answer, null, 'closed');
    assert.equal(statusOf(answer!), 408);
    assert.ok(Date.now() - started >= BODY_TIMEOUT_S * 1000);
  });

  test('an upload that stalls is cut with 408, and its image is queued again with no partial data left', async () => {
    const id = await createImage('stalled');
    const raw = await open(glint.urls.image);
    raw.socket.write(
      `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: localhost\r\nX-Auth-Token: ${token}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`,
    );
    raw.socket.write(Buffer.alloc(1024 * 1024, 1));
    const answer = await raw.closed(BODY_TIMEOUT_S * 4000);
    assert.notEqual(answer, null, 'closed');
    assert.equal(statusOf(answer!), 408);
    assert.match(bodyOf(answer!), /^408 Request Timeout\n\n/);
    await glint.uploads.idle();
    const image = await fetch(`${glint.urls.image}/v2/images/${id}`, { headers: { 'x-auth-token': token } });
    assert.equal(((await image.json()) as { status: string }).status, 'queued');
    assert.deepEqual(readdirSync(join(dir, 'images')), []);
  });

  test('an upload that keeps sending, however slowly, is not cut: only idleness is, for image data', async () => {
    const id = await createImage('slow');
    const raw = await open(glint.urls.image);
    const chunks = 12;
    raw.socket.write(
      `PUT /v2/images/${id}/file HTTP/1.1\r\nHost: localhost\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${chunks}\r\n\r\n`,
    );
    // Twice the timeout in all, a byte every fifth of it.
    for (let i = 0; i < chunks; i++) {
      raw.socket.write('x');
      await sleep((BODY_TIMEOUT_S * 1000) / 5);
    }
    const answer = await raw.closed(5_000);
    assert.equal(statusOf(answer!), 204, answer!);
    const image = await fetch(`${glint.urls.image}/v2/images/${id}`, { headers: { 'x-auth-token': token } });
    assert.deepEqual(await image.json().then((body) => [(body as { status: string }).status, (body as { size: number }).size]), ['active', chunks]);
  });
});

describe(`connections (--max-connections ${MAX_CONNECTIONS})`, () => {
  test('a listener holds no more connections than its cap; the next is closed at once, and a place freed is taken again', async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => open(glint.urls.image)));
    const extra = await open(glint.urls.image);
    extra.socket.write('GET /versions HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.equal(await extra.closed(5_000), '', 'closed without an answer');
    // The other listeners have caps of their own.
    assert.equal(statusOf(await exchange(glint.urls.compute, 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')), 200);
    held[0].socket.destroy();
    await held[0].closed(1_000);
    await sleep(50);
    assert.equal(statusOf(await exchange(glint.urls.image, 'GET /versions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')), 200);
    for (const raw of held.slice(1)) raw.socket.destroy();
  });
});
