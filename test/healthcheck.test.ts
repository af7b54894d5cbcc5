// `/healthcheck` on every listener, as oslo.middleware answers it: 200 `OK` (HEAD 204) before any token check or
// request id, whatever the method; 503 naming the failure when the catalog cannot be read (PostgreSQL
// stopped) or the data directory cannot be written (a read-only mount: as root, permissions would not stop the
// probe, so the data directory is a small tmpfs in a mount namespace of its own, filled up under Glint).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createGlint, type Glint } from '../src/app.js';
import { CATALOG_UNREADABLE, DATA_DIR_NOT_WRITABLE } from '../src/api/common/healthcheck.js';
import { loadConfig } from '../src/config.js';
import { fillFileSystem } from './support/fill-disk.js';
import { killOnExit, startGlint, stopGlint } from './support/glint-process.js';
import { startCluster } from './support/postgres-server.js';

const APIS = ['compute', 'image', 'identity'] as const;
const PLAIN = 'text/plain; charset=UTF-8';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'glint-health-'));
  dirs.push(dir);
  return dir;
}

async function startInProcess(database?: string): Promise<Glint> {
  const config = loadConfig({ auth: 'keystone', dataDir: tempDir(), database, computePort: 0, imagePort: 0, identityPort: 0 }, {});
  const glint = await createGlint(config);
  await glint.listen();
  return glint;
}

async function health(url: string, method = 'GET') {
  const answer = await fetch(`${url}/healthcheck`, { method });
  return { status: answer.status, type: answer.headers.get('content-type'), body: await answer.text(), headers: answer.headers };
}

describe('a healthy Glint', () => {
  test('answers 200 OK on every listener, without a token, before request ids; HEAD 204; any method; any query', async () => {
    const glint = await startInProcess();
    try {
      for (const api of APIS) {
        const answer = await health(glint.urls[api]);
        assert.deepEqual([answer.status, answer.type, answer.body], [200, PLAIN, 'OK'], api);
        assert.equal(answer.headers.get('x-openstack-request-id'), null, `${api}: the health check sits before the request id`);
        const head = await health(glint.urls[api], 'HEAD');
        assert.deepEqual([head.status, head.type, head.body], [204, PLAIN, ''], `${api} HEAD`);
        assert.equal((await health(glint.urls[api], 'POST')).body, 'OK', `${api} POST`);
        assert.equal(await (await fetch(`${glint.urls[api]}/healthcheck?detailed=1`)).text(), 'OK', `${api} with a query`);
        assert.notEqual(await (await fetch(`${glint.urls[api]}/healthcheck/`)).text(), 'OK', `${api}: another path is not the health check`);
      }
    } finally {
      await glint.close();
    }
  });
});

describe('a Glint whose PostgreSQL stops', () => {
  test('answers 503 naming the catalog on every listener, and 503 to HEAD', async () => {
    const cluster = await startCluster();
    const glint = await startInProcess(cluster.url);
    try {
      assert.equal((await health(glint.urls.image)).status, 200);
      cluster.stop();
      for (const api of APIS) {
        const answer = await health(glint.urls[api]);
        assert.deepEqual([answer.status, answer.type, answer.body], [503, PLAIN, CATALOG_UNREADABLE], api);
        assert.equal((await health(glint.urls[api], 'HEAD')).status, 503, `${api} HEAD`);
      }
    } finally {
      await glint.close();
    }
  });
});

describe('a Glint whose data directory fills up', () => {
  let holder: ChildProcess | undefined;
  after(() => holder?.kill('SIGKILL'));

  test('answers 503 naming the data directory once its probe runs again', async () => {
    const dir = tempDir();
    holder = killOnExit(
      spawn('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o size=16m tmpfs "$0" && echo mounted && exec sleep 3600', dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const [line] = (await holder.stdout!.take(1).toArray()) as Buffer[];
    assert.equal(String(line).trim(), 'mounted', 'a tmpfs could be mounted in a user and mount namespace of our own');
    const inNamespace = ['nsenter', '--target', String(holder.pid), '--user', '--mount', '--preserve-credentials'];
    const glint = await startGlint(['--auth', 'noauth', '--data-dir', dir], { prefix: [...inNamespace, '--wd'] });
    try {
      assert.equal((await health(glint.urls.compute)).body, 'OK');
      fillFileSystem(join(`/proc/${holder.pid}/root`, dir, 'filler'));
      // The probe's last outcome is kept a few seconds: poll as a load balancer would, until it is probed again.
      let answer = await health(glint.urls.identity);
      for (let polls = 0; answer.status === 200 && polls < 100; polls++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        answer = await health(glint.urls.identity);
      }
      assert.deepEqual([answer.status, answer.type, answer.body], [503, PLAIN, DATA_DIR_NOT_WRITABLE]);
      for (const api of APIS) assert.equal((await health(glint.urls[api])).body, DATA_DIR_NOT_WRITABLE, api);
    } finally {
      await stopGlint(glint.child);
    }
  });
});
