/**
 * What the list benchmarks share: autocannon runs with their own latency percentiles, the bare
 * node:http baseline serving the same bytes (and, for new questions, the query floor), Glint in the default
 * `--auth keystone` mode beside the `noauth` one it is compared with, answer checks, and the result table.
 *
 * Env: BENCH_SECONDS (measured seconds per server, taken in ROUNDS turns; default 5), BENCH_WARMUP_SECONDS (default 1),
 * BENCH_CONNECTIONS (default 10), BENCH_ONLY (a regular expression: only the scenarios whose names match).
 *
 * A ratio of two servers is the median, over the rounds, of the ratio of their rates in that round: the two ran
 * in neighbouring turns, so a round compares them on the same machine, and a round the machine slowed for part
 * of counts once, not in proportion to its requests.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killOnExit, stopGlint } from '../test/support/glint-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SECONDS = envNumber('BENCH_SECONDS', 5);
export const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 1);
export const CONNECTIONS = envNumber('BENCH_CONNECTIONS', 10);
export const ROUNDS = 10;
export const STOP_GRACE_MS = 5_000;

export interface Scenario {
  name: string;
  path: string;
  /** Sent with every request (the caller's token). */
  headers: Record<string, string>;
  /** Images the answer must hold: a wrong count means the benchmark measured the wrong thing. */
  expectImages: number | ((count: number) => boolean);
  /**
   * Makes every request a different question (so no cache can answer it from an earlier one);
   * the answer stays the same, so the bare baseline still serves the scenario's body.
   */
  vary?: (n: number) => string;
  /** Concurrent connections, when not BENCH_CONNECTIONS (a very large answer is asked one at a time). */
  connections?: number;
  /** Warm-up and measured seconds, when not the defaults: an answer that takes seconds needs longer runs. */
  warmupSeconds?: number;
  seconds?: number;
  /** Turns the measured seconds are cut into (ROUNDS unless given): one for answers that take seconds. */
  rounds?: number;
}

export interface Measurement {
  rps: number;
  /** Requests per second in each round, in round order. */
  rounds: number[];
  p50: number;
  p99: number;
  /** Why this run is not a valid result (errors, non-2xx, nothing answered); empty when it is. */
  problems: string[];
}

export interface Row {
  scenario: Scenario;
  bodyBytes: number;
  glint: Measurement;
  bare: Measurement;
  /** Glint in keystone mode on the same catalog, asked with a token of the same caller. */
  keystone?: Measurement;
  /** query-floor-server.ts over the same catalog, for a scenario that varies its question. */
  floor?: Measurement;
}

const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
/** Whether BENCH_ONLY (a regular expression) leaves the scenario in. */
export const chosen = (scenario: { name: string }) => !only || only.test(scenario.name);

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

export function log(message: string): void {
  // Progress goes to stderr so stdout holds only the results.
  process.stderr.write(`[bench] ${message}\n`);
}

/** A temporary directory removed on any exit path, so an aborted run leaves nothing behind. */
export async function benchTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'glint-bench-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  process.on('SIGINT', () => process.exit(130));
  return dir;
}

/** Starts a baseline server (a script in bench/ that reports its port); resolves with its URL. */
export async function startBaseline(script: string, args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = killOnExit(fork(join(ROOT, 'bench', script), args, {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'], // loads the TypeScript source; no part of answering a request
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  }));
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => { throw new Error(`${script} exited during startup`); }),
  ])) as [{ port: number }];
  return { child, url: `http://127.0.0.1:${message.port}` };
}

/** Fetches the scenario once from Glint: checks it is a 200 JSON answer with the expected images. */
async function fetchBody(url: string, scenario: Scenario, headers = scenario.headers): Promise<Buffer> {
  const res = await fetch(url, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 200 || !type.includes('json')) {
    throw new Error(`${scenario.name}: GET ${url} answered ${res.status} (${type}): ${body.subarray(0, 500).toString()}`);
  }
  let parsed: { images?: unknown[] };
  try {
    parsed = JSON.parse(body.toString('utf8')) as { images?: unknown[] };
  } catch (err) {
    throw new Error(`${scenario.name}: GET ${url} answered invalid JSON (${String(err)})`);
  }
  const count = parsed.images?.length;
  const expected = scenario.expectImages;
  if (count === undefined || (typeof expected === 'number' ? count !== expected : !expected(count))) {
    throw new Error(`${scenario.name}: expected ${typeof expected === 'number' ? expected : 'other'} images, got ${count ?? 'no images array'}`);
  }
  return body;
}

const imageIds = (body: Buffer) => (JSON.parse(body.toString('utf8')) as { images: { id: string }[] }).images.map((image) => image.id).join();

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** What one run of autocannon measured. */
interface Run {
  requests: number;
  seconds: number;
  latencies: number[];
  problems: string[];
}

/** What runs of one server add up to: their sums, and the rate of each round. */
interface Tally extends Run {
  rounds: number[];
}

/**
 * One autocannon run, its questions numbered on from `asked` (so a scenario that varies its question never asks
 * one again). Latencies are collected here because autocannon's histogram rounds to whole ms.
 */
async function cannon(url: string, scenario: Scenario, seconds: number, asked: { count: number }, headers = scenario.headers): Promise<Run> {
  const { vary } = scenario;
  const latencies: number[] = [];
  const { origin, pathname, search } = new URL(url);
  const requests = vary
    ? [{ method: 'GET' as const, setupRequest: (request: autocannon.Request) => ({ ...request, path: pathname + search + vary(asked.count++) }) }]
    : undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      // Answers of many megabytes take seconds each: the timeout must not cut a slow but steady stream.
      { url: vary ? origin : url, requests, headers, connections: scenario.connections ?? CONNECTIONS, pipelining: 1, duration: seconds, timeout: 60 },
      (err: unknown, res: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  const problems: string[] = [];
  if (result.errors > 0) problems.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx answers: ${JSON.stringify(result.statusCodeStats)}`);
  if (result.mismatches > 0) problems.push(`${result.mismatches} body mismatches`);
  if (result.requests.total === 0) problems.push('no request completed');
  return { requests: result.requests.total, seconds: result.duration, latencies, problems };
}

/**
 * Warm-up (JIT, caches, connection setup) of each server, then the measured seconds, cut into rounds in which
 * the servers take turns (in one order, then the other): this machine's speed drifts by half or more within a
 * minute, and a ratio must compare servers measured in the same seconds. Warm-up failures count too.
 */
async function measureInTurns(scenario: Scenario, servers: Server[]): Promise<Measurement[]> {
  const { warmupSeconds = WARMUP_SECONDS, seconds = SECONDS, rounds = ROUNDS } = scenario;
  const connections = scenario.connections ?? CONNECTIONS;
  log(`${scenario.name}: ${servers.map((s) => s.label).join(', ')}: ${warmupSeconds} s warm-up, then ${rounds} × ${seconds / rounds} s each, ${connections} connections`);
  // Question 0 was asked when the answer was fetched.
  const asked = servers.map(() => ({ count: 1 }));
  const tallies: Tally[] = [];
  for (const [i, server] of servers.entries()) {
    const warmup = await cannon(server.url, scenario, warmupSeconds, asked[i], server.headers);
    tallies.push({ requests: 0, seconds: 0, rounds: [], latencies: [], problems: warmup.problems.map((p) => `warm-up: ${p}`) });
  }
  for (let round = 0; round < rounds; round++) {
    // Every other round the other way round: no server always runs right after the same one.
    const turns = [...servers.entries()];
    if (round % 2 === 1) turns.reverse();
    for (const [i, server] of turns) {
      const run = await cannon(server.url, scenario, seconds / rounds, asked[i], server.headers);
      const tally = tallies[i];
      tally.requests += run.requests;
      tally.seconds += run.seconds;
      tally.rounds[round] = run.requests / run.seconds;
      tally.latencies.push(...run.latencies);
      tally.problems.push(...run.problems);
    }
  }
  return tallies.map(({ requests, seconds, rounds: rates, latencies, problems }) => {
    latencies.sort((a, b) => a - b);
    return { rps: requests / seconds, rounds: rates, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), problems };
  });
}

interface Server {
  label: string;
  url: string;
  /** Sent instead of the scenario's headers. */
  headers?: Record<string, string>;
}

/** Glint in keystone mode beside the measured (noauth) one: where its API listens, and a token of the same caller. */
export interface KeystoneGlint {
  url: string;
  headers: Record<string, string>;
}

let bodies = 0;

/**
 * Fetches Glint's answer to the scenario, then measures Glint, the bare server sending the same bytes and (for
 * a scenario that varies its question, given the catalog's `[data dir, database URL]`) the query floor, and
 * Glint in keystone mode when given, in turns. The baselines run only for their row; between turns a server is
 * idle and costs nothing.
 */
export async function runScenario(scenario: Scenario, glintUrl: string, dir: string, catalog?: string[], keystone?: KeystoneGlint): Promise<Row> {
  const url = glintUrl + scenario.path;
  const body = await fetchBody(url + (scenario.vary?.(0) ?? ''), scenario);
  if (keystone) {
    // The keystone caller must be answered the same images, or its row would measure another question.
    const twin = await fetchBody(keystone.url + scenario.path + (scenario.vary?.(0) ?? ''), scenario, keystone.headers);
    if (imageIds(twin) !== imageIds(body)) throw new Error(`${scenario.name}: Glint in keystone mode answered other images than in noauth mode`);
  }
  const bodyFile = join(dir, `body-${++bodies}.json`);
  await writeFile(bodyFile, body);

  const baselines = [{ label: 'bare', ...(await startBaseline('bare-server.ts', [bodyFile])) }];
  try {
    if (scenario.vary && catalog) baselines.push({ label: 'query floor', ...(await startBaseline('query-floor-server.ts', [bodyFile, ...catalog])) });
    const servers: Server[] = [{ label: 'glint', url }, ...baselines.map((b) => ({ label: b.label, url: b.url + scenario.path }))];
    if (keystone) servers.splice(1, 0, { label: 'glint keystone', url: keystone.url + scenario.path, headers: keystone.headers });
    const measured = await measureInTurns(scenario, servers);
    const [glint, keystoneRun] = keystone ? measured.splice(0, 2) : measured.splice(0, 1);
    const [bare, floor] = measured;
    return { scenario, bodyBytes: body.length, glint, bare, floor, keystone: keystoneRun };
  } finally {
    await Promise.all(baselines.map((b) => stopGlint(b.child, STOP_GRACE_MS)));
  }
}

/** How `a` compares with `b` measured in the same rounds: the median of their per-round ratios. */
export function ratio(a: Measurement, b: Measurement): number {
  const ratios = a.rounds.map((rate, i) => rate / b.rounds[i]).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
}

const size = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/**
 * The result table (aligned text, or Markdown; floor columns when a row has a floor, keystone columns when a
 * row measured keystone mode: "glint" is then noauth), then one key=value line per scenario for grep and scripts.
 */
export function printResults(rows: Row[], format: 'text' | 'markdown' = 'text'): void {
  const floors = rows.some((row) => row.floor);
  const keystones = rows.some((row) => row.keystone);
  const header = ['scenario', 'body', 'glint req/s', 'p50 ms', 'p99 ms', 'bare req/s', 'p50 ms', 'p99 ms', 'glint/bare'];
  if (floors) header.push('floor req/s', 'floor/bare', 'glint/floor');
  if (keystones) header.push('keystone req/s', 'p50 ms', 'p99 ms', 'keystone/noauth');
  const table = rows.map(({ scenario, bodyBytes, glint, bare, floor, keystone }) => [
    scenario.name, size(bodyBytes),
    glint.rps.toFixed(0), glint.p50.toFixed(2), glint.p99.toFixed(2),
    bare.rps.toFixed(0), bare.p50.toFixed(2), bare.p99.toFixed(2),
    ratio(glint, bare).toFixed(3),
    ...(!floors ? [] : floor ? [floor.rps.toFixed(0), ratio(floor, bare).toFixed(3), ratio(glint, floor).toFixed(3)] : ['–', '–', '–']),
    ...(!keystones ? [] : keystone ? [keystone.rps.toFixed(0), keystone.p50.toFixed(2), keystone.p99.toFixed(2), ratio(keystone, glint).toFixed(3)] : ['–', '–', '–', '–']),
  ]);
  console.log(`\n${SECONDS} s per server in ${ROUNDS} turns, after ${WARMUP_SECONDS} s warm-up, ${CONNECTIONS} connections, pipelining 1; ratios are medians of per-turn ratios\n`);
  if (format === 'markdown') {
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    table.forEach((r) => console.log(`| ${r.join(' | ')} |`));
  } else {
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(line(header));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    table.forEach((r) => console.log(line(r)));
  }
  console.log('');
  for (const { scenario, bodyBytes, glint, bare, floor, keystone } of rows) {
    const ok = [glint, bare, floor, keystone].every((run) => !run || run.problems.length === 0);
    console.log(
      `BENCH scenario="${scenario.name}" body_bytes=${bodyBytes} ` +
        `glint_rps=${glint.rps.toFixed(1)} glint_p50_ms=${glint.p50.toFixed(3)} glint_p99_ms=${glint.p99.toFixed(3)} ` +
        `bare_rps=${bare.rps.toFixed(1)} bare_p50_ms=${bare.p50.toFixed(3)} bare_p99_ms=${bare.p99.toFixed(3)} ` +
        `ratio=${ratio(glint, bare).toFixed(3)} ` +
        (floor ? `floor_rps=${floor.rps.toFixed(1)} floor_ratio=${ratio(floor, bare).toFixed(3)} glint_floor_ratio=${ratio(glint, floor).toFixed(3)} ` : '') +
        (keystone ? `keystone_rps=${keystone.rps.toFixed(1)} keystone_ratio=${ratio(keystone, glint).toFixed(3)} ` : '') +
        `status=${ok ? 'ok' : 'FAILED'}`,
    );
  }
}

/** Every problem of every row, printed; the process's exit code (non-zero when any run was not valid). */
export function reportFailures(rows: Row[]): number {
  const failures = rows.flatMap((r) => [
    ...r.glint.problems.map((p) => `${r.scenario.name} / glint: ${p}`),
    ...r.bare.problems.map((p) => `${r.scenario.name} / bare: ${p}`),
    ...(r.floor?.problems ?? []).map((p) => `${r.scenario.name} / query floor: ${p}`),
    ...(r.keystone?.problems ?? []).map((p) => `${r.scenario.name} / glint keystone: ${p}`),
  ]);
  failures.forEach((f) => console.error(`FAILED ${f}`));
  return failures.length === 0 ? 0 : 1;
}
