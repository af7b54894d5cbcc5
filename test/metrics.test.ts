// `--metrics`: Prometheus text at `/metrics` on the listeners named (others answer it as any unknown route), and
// counts of exactly what the test sent: requests by API, route pattern, method and status (kept answers, sent
// before the framework sees the request, and health checks included), their latency, token checks, bytes,
// images by status, uploads and imports under way, and the process's own metrics. The scrape is read with a
// strict parser of the text format, so a malformed line fails the test.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const PASSWORD = 'metrics-admin-password';
const UNKNOWN_IMAGE = '00000000-0000-4000-8000-000000000000';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = new RegExp(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(?:,|$)`);
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

/** The samples of a scrape in Prometheus's text format (0.0.4); throws on any line that breaks it. */
function parseExposition(text: string): Sample[] {
  assert.ok(text.endsWith('\n'), 'the text ends with a line feed');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      assert.match(comment[2], new RegExp(`^${NAME}$`), line);
      if (comment[1] === 'TYPE') {
        assert.ok(TYPES.includes(comment[3]), `a known type: ${line}`);
        assert.ok(!types.has(comment[2]), `one TYPE line per metric: ${line}`);
        types.set(comment[2], comment[3]);
      }
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const [, name, labelText = '', valueText] = match;
    const labels: Record<string, string> = {};
    for (let rest = labelText; rest !== ''; ) {
      const label = LABEL.exec(rest);
      assert.ok(label, `well-formed labels: ${line}`);
      labels[label[1]] = label[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(label[0].length);
    }
    const value = Number(valueText.replace(/^\+?Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity'));
    assert.ok(!Number.isNaN(value) || valueText === 'NaN', `a number: ${line}`);
    const family = name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(name) || types.get(family) === 'histogram' || types.get(family) === 'summary', `a declared metric: ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The value of the one sample of `name` whose labels include `labels`. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `one sample of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

let dir: string;
let glint: Glint;
let token: string;
let project: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glint-metrics-'));
  const config = loadConfig({ auth: 'keystone', metrics: 'image,identity', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {});
  glint = await createGlint(config);
  project = randomUUID().replaceAll('-', '');
  await glint.accounts.bootstrap(PASSWORD, project);
  await glint.listen();
  const admin = await glint.accounts.findUser('admin');
  token = (await glint.tokens.issueFor(admin!.id, project, 3600)).token;
});

after(async () => {
  await glint.close();
  rmSync(dir, { recursive: true, force: true });
});

async function send(url: string, init: RequestInit = {}): Promise<number> {
  const answer = await fetch(url, { ...init, headers: { 'x-auth-token': token, ...init.headers } });
  await answer.arrayBuffer();
  return answer.status;
}

async function scrape(api: 'image' | 'identity'): Promise<Sample[]> {
  const answer = await fetch(`${glint.urls[api]}/metrics`);
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await answer.text());
}

test('a listener not named answers /metrics as it answers any unknown route', async () => {
  const metrics = await fetch(`${glint.urls.compute}/metrics`);
  const unknown = await fetch(`${glint.urls.compute}/metricz`);
  assert.equal(metrics.status, unknown.status);
  assert.equal(metrics.headers.get('content-type'), unknown.headers.get('content-type'));
  assert.equal((await metrics.text()).replaceAll('/metrics', '/metricz'), await unknown.text());
});

test('the scrape counts what was sent, by API, route pattern, method and status', async () => {
  const before = await scrape('identity');
  const compute = (labels: Record<string, string>) => ({ api: 'compute', method: 'GET', ...labels });
  const listRoute = '/v2.1/:project_id(^[0-9a-f-]+$)/images';
  const counted = (samples: Sample[], name: string, labels: Record<string, string>) => valueOf(samples, name, labels) ?? 0;

  // The list is computed once, then sent as a kept answer before the framework sees the request: both count.
  for (let i = 0; i < 3; i++) assert.equal(await send(`${glint.urls.compute}/v2.1/${project}/images`), 200);
  for (let i = 0; i < 2; i++) assert.equal(await send(`${glint.urls.image}/v2/images/${UNKNOWN_IMAGE}`), 404);
  assert.equal(await send(`${glint.urls.image}/v2/images`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "m"}' }), 201);
  assert.equal(await send(`${glint.urls.compute}/no/such/route`), 300);
  assert.equal(await send(`${glint.urls.image}/healthcheck`), 200);
  assert.equal(await send(`${glint.urls.identity}/openapi.json`), 200);

  const after = await scrape('image');
  const sent = [
    [compute({ route: listRoute, status: '200' }), 3],
    [{ api: 'image', route: '/v2/images/:image_id(^.+$)', method: 'GET', status: '404' }, 2],
    [{ api: 'image', route: '/v2/images', method: 'POST', status: '201' }, 1],
    [compute({ route: 'unmatched', status: '300' }), 1],
    [{ api: 'image', route: '/healthcheck', method: 'GET', status: '200' }, 1],
    [{ api: 'identity', route: '/openapi.json', method: 'GET', status: '200' }, 1],
  ] as const;
  for (const [labels, count] of sent) {
    const grew = (name: string, more = {}) => counted(after, name, { ...labels, ...more }) - counted(before, name, { ...labels, ...more });
    assert.equal(grew('glint_http_requests_total'), count, `requests ${JSON.stringify(labels)}`);
    assert.equal(grew('glint_http_request_duration_seconds_count'), count, `latencies ${JSON.stringify(labels)}`);
    assert.equal(grew('glint_http_request_duration_seconds_bucket', { le: '+Inf' }), count, `the +Inf bucket ${JSON.stringify(labels)}`);
  }
  // Each request to the compute and image APIs checks its token once, the first list twice: the kept-answer
  // lookup checks it, finds no answer, and the framework checks it again. Only the first check asks the store;
  // the caller is kept from then on, as no identity write came between.
  const grew = (result: string) => counted(after, 'glint_token_checks_total', { result }) - counted(before, 'glint_token_checks_total', { result });
  assert.equal(grew('miss'), 1);
  assert.equal(grew('hit'), 3 + 1 + 2 + 1 - 1);

  assert.equal(valueOf(after, 'glint_images', { status: 'queued' }), 1);
  assert.equal(valueOf(after, 'glint_images', { status: 'active' }), 0);
  assert.equal(valueOf(after, 'glint_uploads_in_progress'), 0);
  assert.equal(valueOf(after, 'glint_imports_in_progress'), 0);
  for (const api of ['compute', 'image', 'identity']) {
    for (const direction of ['in', 'out']) assert.ok(counted(after, 'glint_http_bytes_total', { api, direction }) > 0, `${api} bytes ${direction}`);
  }
  assert.ok(valueOf(after, 'process_cpu_user_seconds_total')! > 0, 'process metrics');
  assert.ok(valueOf(after, 'nodejs_heap_size_total_bytes')! > 0, 'Node.js metrics');
});
