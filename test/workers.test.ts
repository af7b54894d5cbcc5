// `serve --workers 2` as people run it: two worker processes behind the same ports share the work and
// one catalog, a worker that dies is replaced, and SIGTERM stops them all. Which process answered a
// request is read from its info log line (pino writes the pid), found by the response's request id.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { childProcesses, processExists, startGlint, stopGlint, type GlintProcess } from './support/glint-process.js';

const WAIT_MS = 15_000;

/** The primary's worker processes: its children running `serve` (tsx may run an esbuild child beside them). */
const workersOf = (primary: number) => childProcesses(primary).filter(({ argv }) => argv.includes('serve')).map(({ pid }) => pid);

/** Which of `pids` holds the server side of the loopback connection from `clientPort` to `serverPort` (Linux). */
function connectionOwner(pids: number[], serverPort: number, clientPort: number): number | undefined {
  const hex = (port: number) => `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const fields = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find(([, local, remote]) => local?.endsWith(hex(serverPort)) && remote?.endsWith(hex(clientPort)));
  if (!fields) return undefined;
  const socket = `socket:[${fields[9]}]`;
  const holds = (pid: number, fd: string) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === socket;
    } catch {
      return false;
    }
  };
  return pids.find((pid) => readdirSync(`/proc/${pid}/fd`).some((fd) => holds(pid, fd)));
}

interface Answer {
  status: number;
  requestId: string;
  body: string;
}

/**
 * How long a request may go unanswered. A connection that the primary hands to a worker in the instant it dies
 * is never answered: Node's cluster keeps no way to take a handoff back. Polls ask again.
 */
const CALL_MS = 3_000;

/** One request on a connection of its own, closed after the answer, so the cluster deals each one out afresh. */
function call(url: string, token: string, method = 'GET', body?: object): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { connection: 'close', 'x-auth-token': token };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, requestId: String(res.headers['x-openstack-request-id']), body: text }));
    });
    req.once('error', reject);
    req.setTimeout(CALL_MS, () => req.destroy(new Error(`${method} ${url}: no answer within ${CALL_MS} ms`)));
    req.end(payload);
  });
}

/** Polls `check` until it gives a value; fails after WAIT_MS saying what was awaited (and the last error, if any). */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let failure = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      failure = `: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${failure}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('serve --workers 2', { skip: process.platform !== 'linux' && 'worker processes are found through /proc' }, () => {
  const project = randomUUID().replace(/-/g, '');
  const token = `member:${project}`;
  let dataDir: string;
  let glint: GlintProcess;
  let primary: number;
  let workers: number[];

  /** The pid of the process that answered each of these requests. */
  const answeredBy = (answers: Answer[]) =>
    until('the log lines of the requests', () => {
      const lines = glint.output().split('\n');
      const pids: number[] = [];
      for (const { requestId } of answers) {
        const line = lines.find((l) => l.includes(`"request_id":"${requestId}"`));
        if (!line) return undefined;
        pids.push((JSON.parse(line) as { pid: number }).pid);
      }
      return pids;
    });
  const distinct = (pids: number[]) => [...new Set(pids)].sort((a, b) => a - b);

  /** `n` compute requests, each on a new connection, all expected to answer `status`. */
  async function computeCalls(n: number, path: string, status: number): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let i = 0; i < n; i++) {
      const answer = await call(`${glint.urls.compute}/v2.1/${project}${path}`, token);
      assert.equal(answer.status, status, `request ${i + 1} of ${n} to ${path}: ${answer.body.slice(0, 300)}`);
      answers.push(answer);
    }
    return answers;
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'glint-workers-'));
    glint = await startGlint(['--workers', '2', '--profile', 'openstack', '--auth', 'noauth', '--log-level', 'info', '--data-dir', dataDir], {
      // Round-robin is Linux's default; said here because the spreading asserted below depends on it.
      env: { NODE_CLUSTER_SCHED_POLICY: 'rr' },
    });
    primary = glint.child.pid!;
    workers = workersOf(primary);
  });
  after(async () => {
    await stopGlint(glint.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('announces itself once, with both workers, and new connections are spread over both workers', async () => {
    assert.match(glint.output(), /^Glint is ready \(.*, 2 worker processes\)$/m);
    assert.equal(glint.output().match(/Glint is ready/g)?.length, 1);
    assert.equal(workers.length, 2, `the primary has two worker processes: ${workers.join(', ')}`);
    const pids = await answeredBy(await computeCalls(10, '/images', 200));
    assert.deepEqual(distinct(pids), workers);
  });

  it('an image created or deleted through one worker is seen at once through every other', async () => {
    // Both workers answer the list first, so a list either kept from before would show up stale.
    const warm = await computeCalls(4, '/images', 200);
    assert.deepEqual(distinct(await answeredBy(warm)), workers);

    const created = await call(`${glint.urls.image}/v2/images`, token, 'POST', { name: 'seen-by-all', disk_format: 'raw', container_format: 'bare' });
    assert.equal(created.status, 201, created.body);
    const { id } = JSON.parse(created.body) as { id: string };

    const lists = await computeCalls(10, '/images', 200);
    for (const list of lists) assert.ok((JSON.parse(list.body) as { images: Array<{ id: string }> }).images.some((i) => i.id === id), 'listed');
    const shows = await computeCalls(10, `/images/${id}`, 200);
    for (const show of shows) assert.equal((JSON.parse(show.body) as { image: { name: string } }).image.name, 'seen-by-all');
    assert.deepEqual(distinct(await answeredBy([...lists, ...shows])), workers);

    const deleted = await call(`${glint.urls.image}/v2/images/${id}`, token, 'DELETE');
    assert.equal(deleted.status, 204, deleted.body);
    const gone = await computeCalls(10, `/images/${id}`, 404);
    const relisted = await computeCalls(10, '/images', 200);
    for (const list of relisted) assert.ok(!(JSON.parse(list.body) as { images: Array<{ id: string }> }).images.some((i) => i.id === id), 'no longer listed');
    assert.deepEqual(distinct(await answeredBy([...gone, ...relisted])), workers);
  });

  it('a killed worker is replaced, and the replacement takes its share', async () => {
    const [victim, survivor] = workers;
    const mark = glint.outputLength();
    process.kill(victim, 'SIGKILL');
    const replacement = Number(await until('the replacement worker', () => /^Worker (\d+) is serving$/m.exec(glint.outputSince(mark))?.[1]));
    assert.match(glint.outputSince(mark), new RegExp(`^Worker ${victim} died \\(signal SIGKILL\\); starting another$`, 'm'));
    workers = workersOf(primary);
    assert.deepEqual(workers, [survivor, replacement].sort((a, b) => a - b));
    assert.ok(!processExists(victim), 'the killed worker was reaped');
    const pids = await answeredBy(await computeCalls(10, '/images', 200));
    assert.deepEqual(distinct(pids), workers);
  });

  it('a worker killed while it receives an upload is replaced, and the image is queued again at once', async () => {
    const created = await call(`${glint.urls.image}/v2/images`, token, 'POST', { name: 'cut-short', disk_format: 'raw', container_format: 'bare' });
    assert.equal(created.status, 201, created.body);
    const { id } = JSON.parse(created.body) as { id: string };
    const status = async () => (JSON.parse((await call(`${glint.urls.image}/v2/images/${id}`, token)).body) as { status: string }).status;

    // The upload sends 4 MiB and waits, and the worker that holds its connection is killed.
    const path = `/v2/images/${id}/file`;
    const upload = request(glint.urls.image + path, {
      method: 'PUT',
      agent: false,
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    });
    const cut = new Promise<string>((resolve) => {
      upload.once('error', (err) => resolve(err.message));
      upload.once('response', (res) => resolve(`answered ${res.statusCode}`));
    });
    try {
      upload.write(Buffer.alloc(4 * 1024 * 1024, 7));
      await until('the image marked saving', async () => ((await status()) === 'saving' ? true : undefined));
      const receiver = await until('the worker receiving the upload', () =>
        connectionOwner(workers, Number(new URL(glint.urls.image).port), upload.socket!.localPort!),
      );
      const mark = glint.outputLength();
      process.kill(receiver, 'SIGKILL');
      assert.doesNotMatch(await cut, /^answered/);

      await until('the image queued again', async () => ((await status()) === 'queued' ? true : undefined));
      const reported = new RegExp(`^1 image\\(s\\) whose upload worker ${receiver} was receiving are queued again$`, 'm');
      await until('the primary to report it', () => (reported.test(glint.outputSince(mark)) ? true : undefined));
      assert.deepEqual(readdirSync(join(dataDir, 'images')).filter((name) => name.endsWith('.partial')), []);
      await until('the replacement worker', () => (/^Worker \d+ is serving$/m.test(glint.outputSince(mark)) ? true : undefined));
    } finally {
      upload.destroy();
    }
    workers = workersOf(primary);
    assert.equal(workers.length, 2);

    const data = Buffer.alloc(1024 * 1024, 9);
    const uploaded = await fetch(glint.urls.image + path, {
      method: 'PUT',
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' },
      body: data,
    });
    assert.equal(uploaded.status, 204, await uploaded.text());
    assert.equal(await status(), 'active');
  });

  it('SIGTERM stops every worker, each closing its store, and the primary exits 0', async () => {
    assert.deepEqual(await stopGlint(glint.child), { code: 0, signal: null });
    assert.match(glint.output(), /^SIGTERM: shutting down 2 worker\(s\)$/m);
    for (const pid of workers) {
      assert.ok(!processExists(pid), `worker ${pid} is gone`);
      // A worker exits 0 only after its store closed. (The write-ahead log's removal would not show it: two
      // connections closing at the same moment can each see the other still open, and both leave the log.)
      assert.match(glint.output(), new RegExp(`^Worker ${pid} stopped \\(code 0\\)$`, 'm'));
    }
    const catalog = new Database(join(dataDir, 'catalog.sqlite'));
    try {
      assert.equal(catalog.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      catalog.close();
    }
  });
});
