import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ABSENT, applyTruncation, checkReference5xx, compareHeaders, diffJson, maskRequestIds,
  maskScenarioTimestamps, makeUrlRewriter, pythonJsonDumps, renderDiff, replay,
  type Case, type Diff, type Exchange, type HeaderList, type Json, type Normalizers,
} from './replay.js';

const identity: Normalizers = { expected: maskRequestIds, actual: maskRequestIds };

function jsonDiffs(e: Json, a: Json): string[] {
  const out: Diff[] = [];
  diffJson(e, a, 'body', out);
  return out.map(renderDiff);
}

function headerDiffs(expected: HeaderList, actual: HeaderList): string[] {
  const out: Diff[] = [];
  compareHeaders(expected, actual, identity, out);
  return out.map(renderDiff);
}

describe('diffJson', () => {
  test('ignores key order', () => {
    assert.deepEqual(jsonDiffs({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }), []);
  });

  test('does not ignore array order', () => {
    assert.deepEqual(jsonDiffs({ a: [1, 2] }, { a: [2, 1] }), [
      'body.a[0]: expected 1, got 2',
      'body.a[1]: expected 2, got 1',
    ]);
  });

  test("compares an image's tags as a multiset, and only tags", () => {
    assert.deepEqual(jsonDiffs({ tags: ['p', 'q'], images: [{ tags: ['a', 'b', 'b'] }] }, { tags: ['q', 'p'], images: [{ tags: ['b', 'a', 'b'] }] }), []);
    assert.deepEqual(jsonDiffs({ tags: ['p', 'q'] }, { tags: ['q', 'q'] }), ['body.tags[0]: expected "p", got "q"']);
    assert.deepEqual(jsonDiffs({ names: ['p', 'q'] }, { names: ['q', 'p'] }), [
      'body.names[0]: expected "p", got "q"',
      'body.names[1]: expected "q", got "p"',
    ]);
  });

  test('reports missing and unexpected keys and type changes', () => {
    assert.deepEqual(jsonDiffs({ a: 1, b: null }, { a: '1', c: true }), [
      'body.a: expected 1, got "1"',
      'body.b: missing, expected null',
      'body.c: unexpected, got true',
    ]);
  });

  test('matches lists of objects by id when the ids differ', () => {
    const e = [{ id: 'x', name: 'one' }, { id: 'y', name: 'two' }, { id: 'z', name: 'three' }];
    const a = [{ id: 'x', name: 'one' }, { id: 'z', name: 'THREE' }];
    assert.deepEqual(jsonDiffs({ images: e }, { images: a }), [
      'body.images.length: expected 3, got 2',
      'body.images[id=y]: missing "two" (y)',
      'body.images[id=z].name: expected "three", got "THREE"',
    ]);
  });
});

describe('compareHeaders', () => {
  const ids: HeaderList = [
    ['x-openstack-request-id', 'req-ad5b1d80-c4aa-40aa-868f-46314f9dddad'],
    ['x-compute-request-id', 'req-ad5b1d80-c4aa-40aa-868f-46314f9dddad'],
  ];

  test('compares Vary as a set of values, case-insensitively', () => {
    assert.deepEqual(headerDiffs([['Vary', 'A'], ['Vary', 'b']], [['vary', 'B, a']]), []);
    assert.match(headerDiffs([['Vary', 'a, b']], [['Vary', 'a, c']])[0], /^header Vary \(missing b; unexpected c\)/);
  });

  test('compares Content-Type exactly, charset included, and ignores other headers', () => {
    assert.deepEqual(headerDiffs([['Content-Type', 'application/json'], ['Server', 'x']], [['content-type', 'application/json']]), []);
    assert.deepEqual(headerDiffs([['Content-Type', 'application/json']], [['Content-Type', 'application/json; charset=UTF-8']]), [
      'header Content-Type: expected "application/json", got "application/json; charset=UTF-8"',
    ]);
  });

  test('request ids must be present, match ^req-[0-9a-f-]{36}$ and agree', () => {
    const same = 'req-11111111-2222-3333-4444-555555555555';
    assert.deepEqual(headerDiffs(ids, [['x-openstack-request-id', same], ['x-compute-request-id', same]]), []);
    assert.deepEqual(headerDiffs(ids, [['x-openstack-request-id', same]]), [
      'header x-compute-request-id: missing, expected "req-<uuid>"',
    ]);
    assert.equal(headerDiffs(ids, [['x-openstack-request-id', 'req-XYZ'], ['x-compute-request-id', same]]).length, 1);
    const other = 'req-99999999-2222-3333-4444-555555555555';
    assert.match(headerDiffs(ids, [['x-openstack-request-id', same], ['x-compute-request-id', other]])[0], /same as x-openstack-request-id/);
  });

  test('Location is compared only when one side has it', () => {
    assert.deepEqual(headerDiffs([], []), []);
    assert.equal(headerDiffs([], [['Location', 'http://x/y']]).length, 1);
  });
});

describe('normalizations', () => {
  test('truncation checks the count and keeps the first 2 and last 2 images', () => {
    const diffs: Diff[] = [];
    const images = [1, 2, 3, 4, 5, 6].map((n) => ({ id: `i${n}` }));
    const cut = applyTruncation({ images, next: 'n' }, { image_count: 7 }, diffs);
    assert.deepEqual(cut, { images: [{ id: 'i1' }, { id: 'i2' }, { id: 'i5' }, { id: 'i6' }], next: 'n' });
    assert.deepEqual(diffs.map(renderDiff), ['body.images.length: expected 7, got 6']);
  });

  test('recorded origins are rewritten in one pass', () => {
    const rewrite = makeUrlRewriter({ compute: 'http://127.0.0.1:9292/c/', image: 'http://h:1' });
    assert.equal(rewrite('http://127.0.0.1:8774/v2.1 http://127.0.0.1:9292/images'), 'http://127.0.0.1:9292/c/v2.1 http://h:1/images');
  });

  test('scenario timestamps are reduced to their shape', () => {
    const v = maskScenarioTimestamps([{ id: 'mine', created_at: '2026-11-27T04:20:39Z' }, { id: 'other', created_at: '2026-11-27T04:20:39Z' }], new Set(['mine']));
    assert.deepEqual(v, [{ id: 'mine', created_at: '<timestamp 9999-99-99T99:99:99Z>' }, { id: 'other', created_at: '2026-11-27T04:20:39Z' }]);
  });

  test('request bodies are serialized like Python json.dumps', () => {
    assert.equal(pythonJsonDumps({ a: [1, true, null], 'é': 'x\n\u007f😀' }), '{"a": [1, true, null], "\\u00e9": "x\\n\\u007f\\ud83d\\ude00"}');
  });

  test('a recorded 5xx passes only when the target answers < 500', () => {
    assert.equal(checkReference5xx(500, 400, []), 'tolerated');
    assert.equal(checkReference5xx(500, 503, []), 'failed');
    assert.equal(checkReference5xx(404, 404, []), null);
  });

  test('ABSENT renders as (absent)', () => {
    assert.equal(renderDiff({ path: 'p', expected: 'x', actual: ABSENT }), 'p: missing, expected "x"');
  });
});

// A tiny stand-in target: an image store with just enough behaviour for the replay paths.
describe('replay against a tiny server', () => {
  let server: http.Server;
  let base = '';
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const store = new Map<string, { id: string; name: string; created_at: string }>();

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const json = (status: number, v: unknown, extra: Record<string, string> = {}) => {
          res.writeHead(status, { 'Content-Type': 'application/json', 'x-openstack-request-id': 'req-00000000-0000-0000-0000-000000000001', ...extra });
          res.end(JSON.stringify(v));
        };
        const url = req.url ?? '';
        if (url === '/img/v2/images' && req.method === 'POST') {
          const sent = JSON.parse(body) as { id?: string; name: string };
          const img = { id: sent.id ?? 'server-chosen-id', name: sent.name, created_at: new Date().toISOString().slice(0, 19) + 'Z' };
          store.set(img.id, img);
          return json(201, img, { Location: `${base}/img/v2/images/${img.id}` });
        }
        const m = /^\/img\/v2\/images\/([^/]+)$/.exec(url);
        if (m && store.has(m[1])) return json(200, store.get(m[1]));
        if (url === '/img/boom') return json(400, { error: 'bad' });
        if (url === '/img/large') return json(200, { images: [1, 2, 3, 4, 5, 6].map((n) => ({ id: `i${n}` })) });
        res.writeHead(503, { 'Content-Type': 'text/plain' });
        res.end('503 Service Unavailable');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const step = (over: Partial<Exchange>): Exchange => ({
    service: 'glance', method: 'GET', path: '/', headers: { 'X-Auth-Token': 'a:b' }, status: 200,
    response_headers: [['Content-Type', 'application/json'], ['x-openstack-request-id', 'req-ad5b1d80-c4aa-40aa-868f-46314f9dddad']],
    body: {}, ...over,
  });
  const asCase = (name: string, data: Case['data']): Case => ({ name, file: `${name}.json`, data });

  test('a recorded 5xx passes on a 4xx answer and fails on a 5xx answer', async () => {
    const report = await replay([
      asCase('tolerated', step({ path: '/boom', status: 500, body: 'oops' })),
      asCase('still_5xx', step({ path: '/nothing', status: 500, body: 'oops' })),
    ], { image: `${base}/img` });
    assert.deepEqual(report.results.map((r) => [r.name, r.passed, r.tolerated]), [['tolerated', true, true], ['still_5xx', false, false]]);
    assert.match(report.results[1].diffs[0], /any status < 500 passes/);
    assert.deepEqual(report.totals, { passed: 1, failed: 1, skipped: 0 });
  });

  test('cases for a service without a target are skipped', async () => {
    const report = await replay([asCase('nova_case', step({ service: 'nova' }))], { image: base });
    assert.deepEqual(report.totals, { passed: 0, failed: 0, skipped: 1 });
  });

  test('large recordings are compared on count, first 2 and last 2', async () => {
    const body = { images: [{ id: 'i1' }, { id: 'i2' }, { id: 'i5' }, { id: 'i6' }] };
    const ok = await replay([asCase('large_ok', step({ path: '/large', body, body_truncated: { image_count: 6 } }))], { image: `${base}/img` });
    assert.deepEqual(ok.results[0].diffs, []);
    const off = await replay([asCase('large_off', step({ path: '/large', body, body_truncated: { image_count: 1000 } }))], { image: `${base}/img` });
    assert.deepEqual(off.results[0].diffs, ['body.images.length: expected 1000, got 6']);
  });

  test('scenarios map chosen ids to fresh ones, rewrite origins and mask timestamps', async () => {
    seen.length = 0;
    const recordedId = 'acb60b48-84b0-419d-a800-0fe3897ff9a2';
    const recorded = { id: recordedId, name: 'n', created_at: '2026-11-27T04:20:39Z' };
    const scenario: Case['data'] = {
      name: 'sc', scenario: true,
      steps: [
        step({
          method: 'POST', path: '/v2/images', request_body: { id: recordedId, name: 'n' }, status: 201, body: recorded,
          response_headers: [['Content-Type', 'application/json'], ['Location', `http://127.0.0.1:9292/v2/images/${recordedId}`]],
        }),
        step({ path: `/v2/images/${recordedId}`, body: recorded }),
      ],
    };
    const report = await replay([asCase('sc', scenario)], { image: `${base}/img` });
    assert.deepEqual(report.results[0].diffs, []);
    assert.equal(report.results[0].passed, true);

    const [create, show] = seen;
    const sentId = (JSON.parse(create.body) as { id: string }).id;
    assert.notEqual(sentId, recordedId);
    assert.equal(create.body, `{"id": "${sentId}", "name": "n"}`);
    assert.equal(create.headers.connection, 'close');
    assert.equal(create.headers['content-length'], String(Buffer.byteLength(create.body)));
    assert.equal(show.url, `/img/v2/images/${sentId}`);
  });

  test('a request that cannot be sent fails the case with the reason', async () => {
    const report = await replay([asCase('refused', step({}))], { image: 'http://127.0.0.1:1' }, { timeoutSeconds: 2 });
    assert.equal(report.results[0].passed, false);
    assert.match(report.results[0].diffs[0], /^request failed: ECONNREFUSED/);
  });
});
