/**
 * A throwaway PostgreSQL server for tests: a new cluster in a temporary directory, listening on
 * 127.0.0.1 on a free port, removed when the test process ends. With GLINT_TEST_POSTGRES_URL set,
 * that server is used instead (each caller still gets databases of its own).
 *
 * The server programs come from Debian's `postgresql` package (`.ci/run` installs it). PostgreSQL
 * refuses to run as root, so under root the cluster belongs to, and runs as, user `postgres`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The newest installed PostgreSQL's programs. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server under ${root}: install Debian's postgresql package (.ci/run does)`);
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A server program's command line, as user postgres when this process is root. */
function asPostgres(program: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

/** Runs a server program. */
function run(program: string, args: string[]): void {
  const result = spawnSync(...asPostgres(program, args), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}`);
}

let server: Promise<string> | undefined;

/** A server of this test process's own. */
export interface Cluster {
  url: string;
  /** Stops the server at once, as a crash would. */
  stop(): void;
}

/** A new server on a cluster of its own, which a test may stop; removed when the test process ends. */
export async function startCluster(): Promise<Cluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'glint-postgres-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']);
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
  // At exit rather than in an `after` hook: called from inside a test, `after` would stop the server
  // when that one test ends.
  const stop = () => void spawnSync(...asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']));
  process.on('exit', () => {
    stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

/** The URL of a server this test process may create databases on. */
export function postgresServer(): Promise<string> {
  server ??= process.env.GLINT_TEST_POSTGRES_URL ? Promise.resolve(process.env.GLINT_TEST_POSTGRES_URL) : startCluster().then((cluster) => cluster.url);
  return server;
}

let databases = 0;

/** A new, empty database on the test server; its URL. */
export async function freshDatabase(): Promise<string> {
  const url = new URL(await postgresServer());
  const name = `glint_test_${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: url.href });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  return url.href;
}
