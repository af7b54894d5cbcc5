// Replays the recorded OpenStack cases against a real Glint server, once per
// catalog state the cases need (base, large_1000, large_1001), on each catalog backend.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG_PATH, selectionFlags, type TargetState } from './catalog-subset.js';
import { startGlint, stopGlint, type GlintProcess } from '../support/glint-process.js';
import { freshDatabase } from '../support/postgres-server.js';
import { loadCases, replay, type Case, type CaseResult } from './replay.js';

const CASES = loadCases(fileURLToPath(new URL('./cases', import.meta.url)));
const MAX_LINES_PER_CASE = 15;

const named = (re: RegExp) => (c: Case) => re.test(c.name) || re.test(c.file.replace(/\.json$/, ''));
const STATES: { state: TargetState; select: (c: Case) => boolean }[] = [
  { state: 'base', select: (c) => !named(/^large_/)(c) },
  { state: 'large_1000', select: named(/^large_1000_/) },
  { state: 'large_1001', select: named(/^large_1001_/) },
];

type Backend = 'sqlite' | 'postgres';

/** Starts `glint serve` on the catalog state and resolves once it has printed all three base URLs. */
async function startServer(backend: Backend, state: TargetState, dataDir: string): Promise<GlintProcess> {
  const database = backend === 'postgres' ? ['--database', await freshDatabase()] : [];
  // The recorded deployment ran the legacy policy defaults.
  return startGlint(['--profile', 'openstack', '--auth', 'noauth', '--policy', 'legacy', '--data-dir', dataDir, ...database, '--import', CATALOG_PATH, ...selectionFlags(state)]);
}

type StateResult = CaseResult & { state: TargetState };

async function runState(backend: Backend, state: TargetState, cases: Case[]): Promise<StateResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `glint-conformance-${state}-`));
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  let server: GlintProcess | undefined;
  try {
    server = await startServer(backend, state, dataDir);
    const report = await replay(cases, server.urls);
    const t = report.totals;
    console.log(`conformance ${backend} ${state}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
    return report.results.map((r) => ({ ...r, state }));
  } finally {
    if (server) await stopGlint(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const isFailure = (r: CaseResult) => !r.passed && !r.skipped;

function describeFailure(r: StateResult): string {
  const lines = r.diffs.length > MAX_LINES_PER_CASE
    ? [...r.diffs.slice(0, MAX_LINES_PER_CASE - 1), `… ${r.diffs.length - MAX_LINES_PER_CASE + 1} more lines`]
    : r.diffs;
  return [`FAIL ${r.name} [${r.state}]${r.request ? ' — ' + r.request : ''}`, ...lines.map((l) => '    ' + l)].join('\n');
}

for (const backend of ['sqlite', 'postgres'] as const) describe(`conformance replay on ${backend}`, () => {
  const results: StateResult[] = [];

  before(async () => {
    for (const { state, select } of STATES) results.push(...await runState(backend, state, CASES.filter(select)));
  });

  const isCompute = (r: CaseResult) => !r.scenario && r.services.length === 1 && r.services[0] === 'nova';

  test('compute API cases', () => {
    const compute = results.filter(isCompute);
    assert.ok(compute.length > 0, 'no compute API case ran');
    const failed = compute.filter(isFailure);
    assert.equal(failed.length, 0,
      `${failed.length} of ${compute.length} compute API cases failed:\n${failed.map(describeFailure).join('\n')}`);
  });

  test('image API cases and scenarios', () => {
    const rest = results.filter((r) => !isCompute(r));
    const failed = rest.filter(isFailure);
    const passed = rest.filter((r) => r.passed);
    console.log(`image API / scenarios: ${passed.length} passed, ${failed.length} failed`);
    for (const r of failed) console.log(`  failing: ${r.name}${r.state === 'base' ? '' : ` [${r.state}]`}`);
    assert.ok(passed.length > 0, 'no image API case or scenario ran');
    assert.equal(failed.length, 0,
      `${failed.length} image API cases or scenarios failed:\n${failed.map(describeFailure).join('\n')}`);
  });
});
