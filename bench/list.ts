/**
 * `npm run bench` (first part): throughput and latency of Glint's Nova image list endpoints, against a
 * bare node:http server that sends the same bytes (the ceiling for this machine and load generator), and
 * of Glint in keystone mode (the default) on the same catalog against Glint in noauth mode.
 * Settings: see bench/harness.ts. Exits non-zero when any request failed or was not 2xx, so a run that
 * measured errors never passes for a result.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glintCommand, stopGlint } from '../test/support/glint-process.js';
import { BENCH_PROJECT, BENCH_TOKEN, benchCatalog } from './catalog.js';
import { benchTempDir, chosen, log, printResults, reportFailures, runScenario, STOP_GRACE_MS, type Row, type Scenario } from './harness.js';
import { addBenchUser, startBenchGlint, startKeystoneGlint, type BenchUser } from './keystone.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEADERS = { 'X-Auth-Token': BENCH_TOKEN };
const IMAGES = `/v2.1/${BENCH_PROJECT}/images`;

/** A `changes-since` before every image, different for each request: same images, a new query each time. */
const distinctChangesSince = (n: number) => `&changes-since=2000-01-01T00:00:00.${String(n % 1_000_000).padStart(6, '0')}Z`;

interface ListScenario extends Scenario {
  /** Catalog size (images visible to the bench project) the scenario runs against. */
  catalog: number;
}

const ALL_SCENARIOS: ListScenario[] = [
  { name: 'list limit=25', catalog: 1000, path: `${IMAGES}?limit=25`, headers: HEADERS, expectImages: 25 },
  { name: 'list no limit @100', catalog: 100, path: IMAGES, headers: HEADERS, expectImages: 100 },
  { name: 'list no limit @1000', catalog: 1000, path: IMAGES, headers: HEADERS, expectImages: 1000 },
  { name: 'detail no limit @100', catalog: 100, path: `${IMAGES}/detail`, headers: HEADERS, expectImages: 100 },
  { name: 'list limit=25, distinct', catalog: 1000, path: `${IMAGES}?limit=25`, headers: HEADERS, expectImages: 25, vary: distinctChangesSince },
  { name: 'list @1000, distinct', catalog: 1000, path: `${IMAGES}?limit=1000`, headers: HEADERS, expectImages: 1000, vary: distinctChangesSince },
];
const SCENARIOS = ALL_SCENARIOS.filter(chosen);

const BENCH_USER: BenchUser = { name: 'bench', password: 'bench-password', project: BENCH_PROJECT, roles: ['member'] };

/**
 * Loads `catalogFile` into a fresh data dir, with a user who has the roles the noauth token names (member, and
 * reader it implies) on the bench project, so that Glint answers that user in keystone mode as it answers the
 * noauth token. Loaded beforehand, so the noauth and the keystone Glint start alike on the same catalog.
 */
function prepareCatalog(catalogFile: string, dataDir: string): void {
  const load = spawnSync(process.execPath, [...glintCommand(true), 'import', catalogFile, '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (load.status !== 0) throw new Error(`glint import exited with ${load.status ?? load.signal}`);
  addBenchUser(['--data-dir', dataDir], BENCH_USER);
}

async function main(): Promise<number> {
  const dir = await benchTempDir();
  const rows: Row[] = [];
  // One Glint per catalog size (and its keystone twin on the same catalog), and only one catalog at a time.
  for (const catalogSize of [...new Set(SCENARIOS.map((s) => s.catalog))]) {
    const catalogFile = join(dir, `catalog-${catalogSize}.json`);
    await writeFile(catalogFile, JSON.stringify(benchCatalog(catalogSize)));
    const dataDir = await mkdtemp(join(dir, `data-${catalogSize}-`));
    log(`starting Glint with ${catalogSize} images, in noauth and in keystone mode`);
    prepareCatalog(catalogFile, dataDir);
    const glint = await startBenchGlint(['--data-dir', dataDir], 'noauth');
    const second = await startKeystoneGlint(['--data-dir', dataDir], BENCH_USER).catch(async (err: unknown) => {
      await stopGlint(glint.child, STOP_GRACE_MS);
      throw err;
    });
    try {
      for (const scenario of SCENARIOS.filter((s) => s.catalog === catalogSize)) {
        rows.push(await runScenario(scenario, glint.urls.compute, dir, [dataDir], second.keystone));
      }
    } finally {
      await Promise.all([glint, second.glint].map((g) => stopGlint(g.child, STOP_GRACE_MS)));
    }
  }

  rows.sort((a, b) => SCENARIOS.indexOf(a.scenario as ListScenario) - SCENARIOS.indexOf(b.scenario as ListScenario));
  printResults(rows);
  return reportFailures(rows);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
