/**
 * `npm run bench -- --scale N`: the compute and native image lists on a synthetic catalog of N images
 * (`glint seed --synthetic N --projects 100 --seed 1`), as a member of the largest project and as an
 * admin, each row against the bare server answering the same bytes in the same run. Every limit=25
 * row runs twice: the same question repeated (as a polling dashboard asks), and a new question each
 * request (a different `changes-since` / `created_at` bound), which no cache can answer; those rows also
 * run against the query floor (bench/query-floor-server.ts), the bare server asking the catalog first.
 * Prints Markdown for docs/benchmarks.md, the seed time and the Glint process's peak RSS.
 *
 * `--backend postgres` runs it all on PostgreSQL: a throwaway server started for the run (from
 * Debian's postgresql, as the tests do), or the one GLINT_TEST_POSTGRES_URL names.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticProjects } from '../src/catalog/synthetic.js';
import { glintCommand, killOnExit, startGlint, stopGlint } from '../test/support/glint-process.js';
import { freshDatabase } from '../test/support/postgres-server.js';
import { benchTempDir, log, printResults, reportFailures, runScenario, STOP_GRACE_MS, type Row, type Scenario } from './harness.js';
import { login, type BenchUser } from './keystone.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECTS = 100;
const SEED = 1;

/** A bound before every image, new for each request: the same answer, never the same question. */
const OLD = '2000-01-01T00:00:00';
const micros = (n: number) => String(n % 1_000_000).padStart(6, '0');

export type Backend = 'sqlite' | 'postgres';

/** Where the catalog lives: the `--data-dir` and `--database` options every glint command of the run gets. */
interface Catalog {
  backend: Backend;
  options: string[];
  /** The same as arguments of bench/query-floor-server.ts. */
  location: string[];
  /** The first column of the first row of a query (`?` placeholders), straight from the database. */
  first(sql: string, ...params: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

async function openCatalog(backend: Backend, dataDir: string): Promise<Catalog> {
  if (backend === 'sqlite') {
    let db: Database.Database | undefined;
    return {
      backend,
      options: ['--data-dir', dataDir],
      location: [dataDir],
      async first(sql, ...params) {
        db ??= new Database(join(dataDir, 'catalog.sqlite'), { readonly: true });
        return db.prepare(sql).pluck().get(...params);
      },
      async close() {
        db?.close();
      },
    };
  }
  const database = await freshDatabase();
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  let n = 0;
  return {
    backend,
    options: ['--data-dir', dataDir, '--database', database],
    location: [dataDir, database],
    async first(sql, ...params) {
      const { rows } = await client.query({ text: sql.replace(/\?/g, () => `$${++n}`), values: params, rowMode: 'array' });
      n = 0;
      return (rows[0] as unknown[] | undefined)?.[0];
    },
    close: () => client.end(),
  };
}

/** Runs a glint command on the catalog. */
async function glintOn(catalog: Catalog, args: string[]): Promise<void> {
  const child = killOnExit(spawn(process.execPath, [...glintCommand(true), ...args, ...catalog.options], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] }));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`glint ${args[0]} exited with ${code}`);
}

/** Users with the roles the noauth tokens name on the member's project, so a keystone Glint answers them as the noauth one does. */
const keystoneUsers = (member: string): Record<string, BenchUser> => ({
  member: { name: 'bench', password: 'bench-password', project: member, roles: ['member'] },
  admin: { name: 'bench-admin', password: 'bench-password', project: member, roles: ['admin'] },
});

async function addKeystoneUsers(catalog: Catalog, users: Record<string, BenchUser>): Promise<void> {
  const [{ project }] = Object.values(users);
  await glintOn(catalog, ['projects', 'create', 'bench', '--id', project]);
  for (const user of Object.values(users)) {
    await glintOn(catalog, ['users', 'create', user.name, '--password', user.password, '--project', project, ...user.roles.flatMap((role) => ['--role', role])]);
  }
}

async function seed(catalog: Catalog, images: number): Promise<number> {
  const started = performance.now();
  await glintOn(catalog, ['seed', '--synthetic', String(images), '--projects', String(PROJECTS), '--seed', String(SEED)]);
  return (performance.now() - started) / 1000;
}

/** Values the scenarios filter on, read from the seeded catalog so each filter matches real images. */
async function pickValues(catalog: Catalog, member: string) {
  const visible = "deleted = 0 AND status != 'killed' AND os_hidden = 0";
  const name = (await catalog.first(`SELECT name FROM images WHERE owner = ? AND ${visible} ORDER BY created_at DESC LIMIT 1 OFFSET 1000`, member)) as string;
  // The 5,000th most recent change: changes-since then selects a few thousand images.
  const since = ((await catalog.first('SELECT updated_at FROM images ORDER BY updated_at DESC LIMIT 1 OFFSET 5000')) as string).slice(0, 19);
  // Deep in the member's list: a page after 50,000 of its own images alone.
  const deep = (await catalog.first(`SELECT id FROM images WHERE owner = ? AND ${visible} ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 50000`, member)) as
    | string
    | undefined;
  return { name, since, deep };
}

interface ScaleScenario extends Scenario {
  api: 'compute' | 'image';
}

function scenarios(who: string, token: string, project: string, values: Awaited<ReturnType<typeof pickValues>>): ScaleScenario[] {
  const headers = { 'X-Auth-Token': token };
  const images = `/v2.1/${project}/images`;
  const compute: [string, string, string?][] = [
    ['list', `${images}?limit=25`],
    ['detail', `${images}/detail?limit=25`],
    ['name=', `${images}?limit=25&name=${encodeURIComponent(values.name)}`],
    ['status=ACTIVE', `${images}?limit=25&status=ACTIVE`],
    ['changes-since', `${images}?limit=25`, values.since],
    ['minRam=2048', `${images}?limit=25&minRam=2048`],
    ['minDisk=20', `${images}?limit=25&minDisk=20`],
    ['status+minRam+minDisk+changes-since', `${images}/detail?limit=25&status=ACTIVE&minRam=2048&minDisk=20`, values.since],
  ];
  if (values.deep) compute.push(['deep marker (page after 50,000)', `${images}?limit=25&marker=${values.deep}`]);
  const rows: ScaleScenario[] = [];
  for (const [label, path, since] of compute) {
    const fixed = since ? `&changes-since=${since}Z` : '';
    // A name or a combination of filters may match fewer than a page; any non-empty page is right.
    const expectName = label === 'name=' || label.includes('+') ? (n: number) => n >= 1 && n <= 25 : 25;
    rows.push({ name: `${who}: compute ${label}`, api: 'compute', path: path + fixed, headers, expectImages: expectName });
    rows.push({
      name: `${who}: compute ${label}, distinct`,
      api: 'compute',
      path,
      headers,
      expectImages: expectName,
      vary: (n) => `&changes-since=${since ?? OLD}.${micros(n)}Z`,
    });
  }
  for (const [label, query] of [['sort_key=name', 'sort_key=name&sort_dir=asc'], ['sort=size:desc,name:asc', 'sort=size:desc,name:asc']]) {
    const path = `/v2/images?limit=25&${query}`;
    rows.push({ name: `${who}: native ${label}`, api: 'image', path, headers, expectImages: 25 });
    rows.push({ name: `${who}: native ${label}, distinct`, api: 'image', path, headers, expectImages: 25, vary: (n) => `&created_at=gt:${OLD}.${micros(n)}Z` });
  }
  return rows;
}

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
const chosen = (scenario: Scenario) => !only || only.test(scenario.name);

/** Resident memory of a process (Linux): now (VmRSS) or its peak so far (VmHWM). */
function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** The largest resident memory of a process while `work` runs, sampled every 50 ms. */
async function maxRssDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; maxMb: number }> {
  let maxMb = rssMb(pid, 'VmRSS');
  const sampler = setInterval(() => (maxMb = Math.max(maxMb, rssMb(pid, 'VmRSS'))), 50);
  try {
    const result = await work();
    return { result, maxMb: Math.max(maxMb, rssMb(pid, 'VmRSS')) };
  } finally {
    clearInterval(sampler);
  }
}

/** `seeded`: a SQLite data directory seeded with N images by an earlier run, used instead of seeding anew. */
export async function scaleBench(images: number, backend: Backend, seeded?: string): Promise<number> {
  const dir = await benchTempDir();
  const catalog = await openCatalog(backend, seeded ?? join(dir, 'data'));
  if (!seeded) log(`seeding ${images} images into ${backend}`);
  const seedSeconds = seeded ? NaN : await seed(catalog, images);
  const [member] = syntheticProjects({ projects: PROJECTS, seed: SEED });
  const values = await pickValues(catalog, member);
  await catalog.close();
  const users = keystoneUsers(member);
  // A catalog seeded by an earlier run has them from that run.
  if (!seeded) await addKeystoneUsers(catalog, users);

  log('starting Glint, in noauth and in keystone mode');
  const glint = await startGlint(['--profile', 'openstack', '--auth', 'noauth', ...catalog.options], { timeoutMs: 120_000, compiled: true });
  const twin = await startGlint(['--profile', 'openstack', '--auth', 'keystone', ...catalog.options], { timeoutMs: 120_000, compiled: true });
  const pid = glint.child.pid!;
  const rows: Row[] = [];
  let streamRss = NaN;
  let peakRss = NaN;
  try {
    for (const [who, token] of [['member', `bench:${member}`], ['admin', `admin:${member}`]]) {
      const keystoneHeaders = { 'X-Auth-Token': await login(twin.urls.identity, users[who]) };
      for (const scenario of scenarios(who, token, member, values).filter(chosen)) {
        const keystone = scenario.vary ? undefined : { url: twin.urls[scenario.api], headers: keystoneHeaders };
        rows.push(await runScenario(scenario, glint.urls[scenario.api], dir, catalog.location, keystone));
      }
    }
    // A no-limit list of over 100,000 images (an eighth of the admin's view), one at a time: it streams, so
    // memory should stay flat however long the answer.
    const stream: Scenario = {
      name: 'admin: compute list, no limit, minRam=512',
      path: `/v2.1/${member}/images?minRam=512`,
      headers: { 'X-Auth-Token': `admin:${member}` },
      expectImages: (n) => n >= images / 12,
      connections: 1,
      // Each answer takes seconds: long enough runs that several complete.
      warmupSeconds: 10,
      seconds: 20,
      rounds: 1,
    };
    if (chosen(stream)) {
      const streamed = await maxRssDuring(pid, () => runScenario(stream, glint.urls.compute, dir));
      rows.push(streamed.result);
      streamRss = streamed.maxMb;
    }
    peakRss = rssMb(pid, 'VmHWM');
  } finally {
    await Promise.all([glint, twin].map((g) => stopGlint(g.child, STOP_GRACE_MS)));
  }

  const seeding = seeded ? `the catalog in ${seeded}` : `${images} images seeded in ${seedSeconds.toFixed(1)} s`;
  console.log(`\n${backend}: ${seeding} (glint seed --synthetic ${images} --projects ${PROJECTS} --seed ${SEED})`);
  console.log(`member project ${member}; Glint's RSS while the no-limit list streamed: at most ${streamRss.toFixed(0)} MB (peak over the whole run: ${peakRss.toFixed(0)} MB)`);
  printResults(rows, 'markdown');
  return reportFailures(rows);
}
