/**
 * `npm run differential -- [--n N] [--seed S] [--kinds REGEX] [--backend sqlite|postgres]
 *                          [--reference-image URL --reference-compute URL]`
 *
 * Builds one catalog through the reference and through a fresh Glint, the same calls in the same order, then
 * sends both N generated requests (reads of every kind, then write scenarios on fresh images) and compares
 * each answer by the conformance replay's rules. Prints each difference and `N passed, M failed`; exits
 * non-zero when anything differed. Not part of `npm test`: it needs the reference deployment.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { glintCommand, startGlint, stopGlint, type GlintProcess } from '../support/glint-process.js';
import { freshDatabase } from '../support/postgres-server.js';
import { admin, EPOCHS, imageCalls, planWorld, touchCall, type Call, type World } from './catalog.js';
import { Differ, showAnswer, showCall, type Endpoints, type Outcome } from './differ.js';
import { generate, KINDS, type Kind } from './kinds.js';
import { ensureReference, referenceSettings } from './reference.js';

const log = (line: string) => console.log(line);

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      kinds: { type: 'string' },
      backend: { type: 'string', default: 'sqlite' },
      'reference-image': { type: 'string' },
      'reference-compute': { type: 'string' },
    },
  });
  const whole = (text: string, flag: string) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${flag} needs a whole number, got '${text}'`);
    return n;
  };
  if (values.backend !== 'sqlite' && values.backend !== 'postgres') throw new Error(`--backend is sqlite or postgres, got '${values.backend}'`);
  return {
    n: whole(values.n, 'n'),
    seed: whole(values.seed, 'seed'),
    kinds: values.kinds === undefined ? null : new RegExp(values.kinds),
    backend: values.backend,
    reference: { image: values['reference-image'], compute: values['reference-compute'] },
  };
}

/**
 * Waits out the next whole second and returns it (ISO 8601, `Z`): nothing is written in it, so a time filter
 * naming it splits both catalogs at the same place.
 */
async function quietSecond(): Promise<string> {
  const second = Math.floor(Date.now() / 1000) + 1;
  await sleep((second + 1) * 1000 + 20 - Date.now());
  return new Date(second * 1000).toISOString().replace('.000Z', 'Z');
}

/** The catalog through both sides, epoch by epoch; the outcomes of the calls that differed. */
async function buildCatalog(world: World, differ: Differ): Promise<{ calls: number; failed: Outcome[] }> {
  const failed: Outcome[] = [];
  let calls = 0;
  const send = async (call: Call) => {
    calls++;
    const outcome = await differ.run(call);
    if (outcome.diffs.length) failed.push(outcome);
  };
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    world.boundaries.push(await quietSecond());
    for (const image of world.images.filter((i) => i.epoch === epoch)) for (const call of imageCalls(image)) await send(call);
    if (epoch === EPOCHS - 1) for (const image of world.images.filter((i) => i.touched)) await send(touchCall(image));
  }
  world.boundaries.push(await quietSecond());
  return { calls, failed };
}

/** The kinds Glint does not serve yet: their probe answers 404. */
async function unserved(kinds: Kind[], differ: Differ): Promise<Map<string, string>> {
  const skipped = new Map<string, string>();
  for (const kind of kinds) {
    if (!kind.probe) continue;
    const answer = await differ.glintAnswer({ api: 'image', method: 'GET', path: kind.probe.path, caller: admin });
    if (answer.status === 404) skipped.set(kind.name, `Glint answers GET ${kind.probe.path} with 404`);
  }
  return skipped;
}

function report(outcome: Outcome, kind: string): string {
  return [
    `FAIL [${kind}] ${showCall(outcome.call)}`,
    `  expected: ${showAnswer(outcome.expected)}`,
    `  actual:   ${showAnswer(outcome.actual)}`,
    ...outcome.diffs.map((d) => `  ${d}`),
  ].join('\n');
}

/** Where Debian's glance-common keeps the namespace files the reference loads at its start (`db_load_metadefs`). */
const STOCK_METADEFS = '/etc/glance/metadefs';

async function startServer(backend: string, dataDir: string): Promise<GlintProcess> {
  const database = backend === 'postgres' ? ['--database', await freshDatabase()] : [];
  if (existsSync(STOCK_METADEFS)) {
    execFileSync(process.execPath, [...glintCommand(), 'metadefs', 'load', STOCK_METADEFS, '--data-dir', dataDir, ...database], { stdio: 'inherit' });
  } else {
    log(`${STOCK_METADEFS} is missing: Glint starts without the reference's metadata definitions`);
  }
  // As the reference is deployed: Glance's legacy policy defaults, no disk-format inspection.
  return startGlint(['--profile', 'openstack', '--auth', 'noauth', '--policy', 'legacy', '--data-dir', dataDir, ...database]);
}

async function main(): Promise<number> {
  const opts = options();
  const settings = referenceSettings(opts.reference);
  await ensureReference(settings, log);
  const dir = mkdtempSync(path.join(tmpdir(), 'glint-differential-'));
  let glint: GlintProcess | undefined;
  try {
    glint = await startServer(opts.backend, dir);
    const glintEndpoints: Endpoints = { image: glint.urls.image, compute: glint.urls.compute };
    log(`Glint (${opts.backend}) at ${glintEndpoints.image} and ${glintEndpoints.compute}`);

    const world = planWorld(opts.seed);
    const kinds = KINDS.filter((k) => !opts.kinds || opts.kinds.test(k.name));
    const known = new Set(world.images.map((i) => i.id));
    const differ = new Differ(settings.endpoints, glintEndpoints, known);
    const build = await buildCatalog(world, differ);
    log(`catalog: ${world.images.length} images in ${build.calls} calls, ${build.failed.length} answered differently`);
    for (const outcome of build.failed) log(report(outcome, 'catalog'));

    const skipped = await unserved(kinds, differ);
    const units = generate(opts.n, opts.seed, world, kinds);
    for (const call of units.flatMap((u) => u.calls)) {
      const json = call.json as { id?: unknown } | undefined;
      if (call.method === 'POST' && call.path === '/v2/images' && typeof json?.id === 'string') known.add(json.id);
    }
    const tally = new Map<string, { passed: number; failed: number; skipped: number }>();
    let passed = 0;
    let failed = 0;
    for (const unit of units) {
      const counts = tally.get(unit.kind) ?? { passed: 0, failed: 0, skipped: 0 };
      tally.set(unit.kind, counts);
      if (skipped.has(unit.kind)) {
        counts.skipped += unit.calls.length;
        continue;
      }
      for (const call of unit.calls) {
        const outcome = await differ.run(call);
        if (outcome.diffs.length === 0) {
          passed++;
          counts.passed++;
          continue;
        }
        failed++;
        counts.failed++;
        log(report(outcome, unit.kind));
      }
    }

    log('');
    for (const [kind, counts] of tally) {
      const skippedText = counts.skipped ? `, ${counts.skipped} not sent` : '';
      log(`  ${kind}: ${counts.passed} passed, ${counts.failed} failed${skippedText}`);
    }
    for (const [kind, why] of skipped) log(`skipped kind '${kind}': ${why}`);
    log(`seed ${opts.seed}: ${passed} passed, ${failed} failed`);
    return failed + build.failed.length > 0 ? 1 : 0;
  } finally {
    if (glint) await stopGlint(glint.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
