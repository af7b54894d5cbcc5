// A bounded fuzz test of the three APIs over real loopback sockets: a fixed seed generates a few thousand
// requests from the real route shapes (compute, image, identity), mutated in their methods, paths, query
// strings, headers and bodies, and sends them with bounded concurrency. No answer may be a 5xx, none may hang
// or go unanswered, and every API must still answer plain requests afterwards. One run under
// `--auth keystone` (real tokens, passwords and access keys beside garbage ones), a smaller one under
// `--auth noauth` with the `openstack` profile.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createGlint, type Glint } from '../src/app.js';
import { prng } from '../src/common/prng.js';
import { loadConfig } from '../src/config.js';

const SEED = 20_240_611;
const KEYSTONE_REQUESTS = 2_400;
const NOAUTH_REQUESTS = 600;
const CONCURRENCY = 8;
/** A request without a complete answer by then is a hang. */
const REQUEST_TIMEOUT_MS = 10_000;
/** No request is started after this much of a run (a healthy one takes a few seconds), so hangs cannot stretch it past a minute. */
const RUN_BUDGET_MS = 30_000;
/** Requests shown in full when some fail; the rest are counted by kind. */
const FAILURES_SHOWN = 40;
/** A raw request's answer is complete once its connection closes, or goes this long without more bytes. */
const RAW_QUIET_MS = 300;
/** Tokens the fuzzer uses outlive any run. */
const TOKEN_TTL_S = 3600;

// ---------------------------------------------------------------------------------------------
// Randomness

class Rand {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  /** One of the thunks, by weight, called. */
  choose<T>(items: readonly (readonly [number, () => T])[]): T {
    const total = items.reduce((sum, [w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [w, make] of items) {
      if ((x -= w) < 0) return make();
    }
    return items[items.length - 1][1]();
  }
  hex(n: number): string {
    let text = '';
    for (let i = 0; i < n; i++) text += '0123456789abcdef'[this.int(16)];
    return text;
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[this.int(4)]}${h.slice(17, 20)}-${h.slice(20)}`;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  word(max = 10): string {
    let text = '';
    const n = this.between(1, max);
    for (let i = 0; i < n; i++) text += 'abcdefghijklmnopqrstuvwxyz0123456789_-'[this.int(38)];
    return text;
  }
}

// ---------------------------------------------------------------------------------------------
// What the generator knows of the server under test

type Api = 'compute' | 'image' | 'identity';
const APIS: readonly Api[] = ['compute', 'image', 'identity'];

interface Caller {
  label: string;
  token?: string | string[];
  /** The project a compute URL names for this caller. */
  project: string;
  extraHeaders?: Record<string, string>;
}

interface World {
  mode: 'keystone' | 'noauth';
  projects: string[];
  userIds: string[];
  userNames: string[];
  /** name → password, for the users the fuzzer may log in as (right or wrong). */
  passwords: Record<string, string>;
  /** Callers with a token the server accepts. */
  valid: Caller[];
  /** Tokens the server issued and no longer accepts, or accepts without a project. */
  stale: string[];
  /**
   * Valid tokens that only ever appear as the subject of a revocation, so that the tokens of `valid`
   * keep working for the whole run.
   */
  disposable: string[];
  accessKeys: string[];
  images: string[];
  /** Ids the fuzzer may create images under. */
  pool: string[];
  propertyKeys: string[];
  tags: string[];
  /** `X-Sdk-Date` values: now, and 20 minutes either side (outside the allowed skew), fixed for the run. */
  sdkDates: string[];
}

interface FuzzRequest {
  n: number;
  api: Api;
  /** The route template the request was made from, for grouping failures. */
  route: string;
  /** Whose credentials the request carries, if any. */
  caller: string;
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** Sent with `Transfer-Encoding: chunked` in a few pieces instead of a Content-Length. */
  chunked?: boolean;
  /** Sent as these bytes on a fresh socket, for what node:http will not send (framing, raw bytes). */
  raw?: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Mutated values

const COMMON_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const ODD_METHODS = ['TRACE', 'PROPFIND', 'PURGE', 'SEARCH', 'LINK', 'UNLINK', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'REPORT', 'M-SEARCH', 'ACL', 'SOURCE', 'FOO', 'PRI', 'QUERY'];

/** Path segments that are not plain ids: encodings, traversal, NUL, non-ASCII, reserved words. */
const ODD_SEGMENTS = [
  '', '%20', '..', '.', '%2e%2e', '%2E%2E%2F%2E%2E', '..%2f..%2f', '%2F', '%00', 'a%00b', `${'0'.repeat(8)}%00`, '%', '%zz', '%C3%A9',
  '\u00e9', '\u00ff\u00fe', '%FF%FE', '%ED%A0%80', '%ED%B0%80', '%F0%9F%98%80', '%C0%AF', '%E2%80%AE', 'null', 'undefined', '0', '-1',
  '1e309', 'NaN', 'detail', 'images', 'metadata', '%7B%7D', ';', ',', '~', '*', '$', '@', "'", '%22', '%3Cscript%3E', '%5C', '\\',
  '%0A', '%0D%0A', '%09', '+', '%2B', '__proto__', 'constructor', 'hasOwnProperty', '%E3%83%86%E3%82%B9%E3%83%88', '?', '#', '?x=1',
  '%u0041', '%%', '%25', '%2500', 'x'.repeat(256),
];

const ODD_VALUES = [
  '', ' ', '0', '-1', '-0', '1.5', '1e3', '1e309', '-1e309', '0x10', ' 5 ', '+7', '99999999999999999999999', '9007199254740993',
  '2147483648', '-9223372036854775809', 'NaN', 'Infinity', 'true', 'null', '%00', 'a%00', '%FF', '%C3%28', '%ED%A0%80', '\u00e9',
  '%E2%80%AE', 'gte:', 'gte:junk', 'gt:-1', 'lt:1e309', 'lte:9999-99-99', 'eq:', 'neq:x', 'in:', 'in:,,,', 'in:"a,b",c', 'in:"', 'in:""',
  'gte:2020-01-01T00:00:00Z', 'lt:2020-13-45T25:61:61Z', 'gt:9999-12-31T23:59:59-01:00', 'in:gte:1', 'x:y:z', '::', ':', '%3A%3A',
  '9999-12-31T23:59:59-01:00', '0001-01-01T00:00:00Z', '2024-02-30T00:00:00Z', '2020-01-01T00:00:00+99:99', '2020-01-01T00:00:00.9999999999Z',
  '20200101T000000Z', '2020-W01-1', '2020-001', '+002020-01-01', 'T00:00', '%2B00%3A00', '[]', '{}', '[object Object]',
];

function longText(r: Rand): string {
  return r.pick(['a', 'Z', '%41', '0', '\u00e9', '-', '.']).repeat(r.pick([100, 256, 1000, 3000, 6000]));
}

function oddSegment(r: Rand): string {
  return r.choose([
    [8, () => r.pick(ODD_SEGMENTS)],
    [2, () => longText(r)],
    [1, () => r.uuid().toUpperCase()],
    [1, () => `${r.uuid()}%20`],
    [1, () => `${r.uuid()}%00`],
    [1, () => r.uuid().replace(/-/g, '')],
    [1, () => encodeURIComponent(r.word()).replace(/./g, (c) => (r.chance(0.3) ? `%${c.charCodeAt(0).toString(16)}` : c))],
  ]);
}

function imageIdSegment(r: Rand, w: World): string {
  return r.choose([
    [45, () => r.pick(w.images)],
    [15, () => r.pick(w.pool)],
    [10, () => r.uuid()],
    [30, () => oddSegment(r)],
  ]);
}

function projectSegment(r: Rand, w: World, caller: Caller): string {
  return r.choose([
    [60, () => caller.project],
    [15, () => r.pick(w.projects)],
    [6, () => r.hex(32)],
    [3, () => caller.project.toUpperCase()],
    [3, () => r.uuid()],
    [3, () => r.hex(r.pick([31, 33, 64, 255, 256, 1000, 5000]))],
    [2, () => '-'.repeat(r.between(1, 40))],
    [8, () => oddSegment(r)],
  ]);
}

function memberSegment(r: Rand, w: World): string {
  return r.choose([
    [50, () => r.pick(w.projects)],
    [15, () => r.hex(32)],
    [35, () => oddSegment(r)],
  ]);
}

function keySegment(r: Rand, w: World): string {
  return r.choose([
    [45, () => encodeURIComponent(r.pick(w.propertyKeys))],
    [15, () => r.word()],
    [40, () => oddSegment(r)],
  ]);
}

function method(r: Rand, real: string): string {
  return r.choose([
    [72, () => real],
    [20, () => r.pick(COMMON_METHODS)],
    [8, () => r.pick(ODD_METHODS)],
  ]);
}

/** A query value: plain, from the odd values, long, or percent-encoded junk. */
function queryValue(r: Rand, plain: () => string): string {
  return r.choose([
    [50, () => encodeURIComponent(plain())],
    // A space cannot travel in a request target; `+` is one in a query.
    [35, () => r.pick(ODD_VALUES).replace(/ /g, '+')],
    [5, () => longText(r)],
    [5, () => encodeURIComponent(String(r.between(-5, 5) * 10 ** r.int(25)))],
    [5, () => `${r.pick(['gte', 'gt', 'lt', 'lte', 'eq', 'neq', 'in', 'nin', 'GTE', ''])}:${encodeURIComponent(plain())}`],
  ]);
}

type Filter = readonly [string, () => string];

function queryString(r: Rand, filters: readonly Filter[], max = 5): string {
  if (r.chance(0.3)) return '';
  const parts: string[] = [];
  const n = r.between(1, max);
  for (let i = 0; i < n; i++) {
    const [name, plain] = r.pick(filters);
    const key = r.chance(0.05) ? oddSegment(r) : encodeURIComponent(name);
    parts.push(r.chance(0.04) ? key : `${key}=${queryValue(r, plain)}`);
    // Repeated keys: webob's first and last value rules differ per parameter.
    if (r.chance(0.1)) parts.push(`${key}=${queryValue(r, plain)}`);
  }
  const text = parts.join(r.chance(0.05) ? ';' : '&');
  return `?${r.chance(0.03) ? `&&${text}&=&` : text}`;
}

const IMAGE_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'pending_delete', 'deactivated', 'uploading', 'importing'];
const COMPUTE_STATUSES = ['ACTIVE', 'SAVING', 'QUEUED', 'DELETED', 'ERROR', 'UNKNOWN', 'active'];
const VISIBILITIES = ['public', 'private', 'shared', 'community', 'all'];
const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at', 'min_ram', 'min_disk', 'visibility', 'owner'];
const DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'iso', 'ami', 'ari', 'aki', 'vdi', 'ploop'];
const CONTAINER_FORMATS = ['bare', 'ovf', 'ova', 'ami', 'ari', 'aki', 'docker', 'compressed'];

function isoTime(r: Rand): string {
  const d = new Date(Date.UTC(r.between(1990, 2030), r.int(12), r.between(1, 28), r.int(24), r.int(60), r.int(60)));
  return r.choose([
    [3, () => d.toISOString()],
    [1, () => d.toISOString().replace(/\.\d+Z$/, 'Z')],
    [1, () => d.toISOString().replace('Z', `${r.pick(['+', '-'])}${String(r.int(15)).padStart(2, '0')}:${r.pick(['00', '30'])}`)],
    [1, () => d.toISOString().slice(0, 10)],
  ]);
}

function computeFilters(r: Rand, w: World): Filter[] {
  return [
    ['name', () => r.word()],
    ['status', () => r.pick(COMPUTE_STATUSES)],
    ['changes-since', () => isoTime(r)],
    ['minRam', () => String(r.between(0, 4096))],
    ['minDisk', () => String(r.between(0, 100))],
    ['limit', () => String(r.between(0, 2000))],
    ['marker', () => r.pick([...w.images, ...w.pool])],
    ['page_size', () => String(r.between(0, 50))],
    ['offset', () => String(r.between(0, 50))],
    ['server', () => `http://x/servers/${r.uuid()}`],
    ['type', () => r.pick(['snapshot', 'backup', 'image'])],
    [`property-${r.pick(w.propertyKeys)}`, () => r.word()],
    ['property-', () => r.word()],
    ['sort_key', () => r.pick(SORT_KEYS)],
    ['sort_dir', () => r.pick(['asc', 'desc'])],
  ];
}

function imageFilters(r: Rand, w: World): Filter[] {
  return [
    ['name', () => r.word()],
    ['status', () => r.pick(IMAGE_STATUSES)],
    ['visibility', () => r.pick(VISIBILITIES)],
    ['member_status', () => r.pick(['pending', 'accepted', 'rejected', 'all'])],
    ['os_hidden', () => r.pick(['true', 'false', 'True', 'FALSE'])],
    ['protected', () => r.pick(['true', 'false'])],
    ['owner', () => r.pick(w.projects)],
    ['limit', () => String(r.between(0, 2000))],
    ['marker', () => r.pick([...w.images, ...w.pool])],
    ['sort_key', () => r.pick(SORT_KEYS)],
    ['sort_dir', () => r.pick(['asc', 'desc'])],
    ['sort', () => Array.from({ length: r.between(1, 3) }, () => `${r.pick(SORT_KEYS)}${r.chance(0.6) ? `:${r.pick(['asc', 'desc'])}` : ''}`).join(',')],
    ['created_at', () => `${r.pick(['gte', 'gt', 'lt', 'lte', 'eq', 'neq'])}:${isoTime(r)}`],
    ['updated_at', () => `${r.pick(['gte', 'gt', 'lt', 'lte'])}:${isoTime(r)}`],
    ['changes-since', () => isoTime(r)],
    ['size_min', () => String(r.between(0, 10_000))],
    ['size_max', () => String(r.between(0, 10_000))],
    ['min_ram', () => String(r.between(0, 4096))],
    ['min_disk', () => String(r.between(0, 100))],
    ['tag', () => r.pick(w.tags)],
    ['id', () => `in:${r.pick(w.images)},${r.pick(w.images)}`],
    ['disk_format', () => `${r.chance(0.5) ? 'in:' : ''}${r.pick(DISK_FORMATS)}`],
    ['container_format', () => r.pick(CONTAINER_FORMATS)],
    ['checksum', () => r.hex(32)],
    ['os_hash_value', () => r.hex(128)],
    [r.pick(w.propertyKeys), () => r.word()],
    [`property-${r.pick(w.propertyKeys)}`, () => r.word()],
  ];
}

// ---------------------------------------------------------------------------------------------
// Bodies: valid-looking JSON for the route, then mutated

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Marker strings replaced after serialization by raw JSON text no JavaScript value serializes to. */
const RAW = '\u0001RAW:';
const RAW_TEXTS = [
  '1e999', '-1e999', '123456789012345678901234567890', '-0', '0.1e-400', '1E+2', '"\\u0000"', '"a\\u0000b"', '"\\ud800"', '"\\udc00x"',
  '"\\ud83d"', '"\\u0000\\ud800"', '"\\uDFFF\\uD800"', '"\\x41"', '"\\q"', "'single'", 'NaN', 'Infinity', 'undefined', '[,]', '{"a":1,}', '01',
  '.5', '+1', '0x1F', '"\t"', 'tru', 'nul', '"\\u00"',
];

const ODD_JSON: Json[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e-308, '', ' ', 'x'.repeat(300), 'x'.repeat(70_000), '\u00e9\u4e2d\u{1f600}',
  '\u202e', '<script>', '../../etc/passwd', '%00', 'null', 'true', '1', [], [null], [[[]]], {}, { a: {} }, { '': '' }, ['a', 1, null],
  JSON.parse('{"__proto__": 1}') as Json, { constructor: { prototype: {} } },
];

function oddJson(r: Rand): Json {
  if (r.chance(0.25)) return `${RAW}${r.pick(RAW_TEXTS)}`;
  return JSON.parse(JSON.stringify(r.pick(ODD_JSON))) as Json;
}

/** A copy of `value` with one node (or the whole) replaced by an odd value. */
function replaceNode(r: Rand, value: Json): Json {
  if (r.chance(0.2) || value === null || typeof value !== 'object') return oddJson(r);
  const copy: Json = Array.isArray(value) ? [...value] : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0 || r.chance(0.1)) {
    if (Array.isArray(copy)) copy.push(oddJson(r));
    else copy[r.chance(0.5) ? r.word() : String(r.pick(ODD_SEGMENTS))] = oddJson(r);
    return copy;
  }
  const key = r.pick(keys);
  if (Array.isArray(copy)) copy[Number(key)] = replaceNode(r, copy[Number(key)]);
  else if (r.chance(0.1)) delete copy[key];
  else copy[key] = replaceNode(r, copy[key]);
  return copy;
}

function serialize(value: Json): string {
  return JSON.stringify(value).replace(/"\\u0001RAW:((?:[^"\\]|\\.)*)"/g, (_m, text: string) => JSON.parse(`"${text}"`) as string);
}

function nested(r: Rand, depth: number, inner: string): string {
  const object = r.chance(0.5);
  return object ? `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}` : `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

const BAD_UTF8 = [[0xff], [0xfe, 0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xf0, 0x9f, 0x98]];

/** The body as bytes: usually `valid` as JSON, else one of many ways of not quite being it. */
function mutateBody(r: Rand, valid: Json): Buffer {
  return r.choose<Buffer>([
    [55, () => Buffer.from(serialize(valid))],
    [20, () => Buffer.from(serialize(replaceNode(r, replaceNode(r, valid))))],
    [5, () => Buffer.from(nested(r, r.pick([10, 100, 1000, 10_000, 100_000]), r.chance(0.5) ? serialize(valid) : r.pick(RAW_TEXTS)))],
    [
      5,
      () => {
        const text = Buffer.from(serialize(valid));
        const at = r.int(text.length + 1);
        return Buffer.concat([text.subarray(0, at), Buffer.from(r.pick(BAD_UTF8)), text.subarray(at)]);
      },
    ],
    [
      4,
      () => {
        // Invalid UTF-8 inside a string, where a lenient decoder would repair it silently.
        const text = serialize(valid);
        const at = text.indexOf('"', r.int(text.length));
        if (at < 0) return Buffer.from([0x22, ...r.pick(BAD_UTF8), 0x22]);
        return Buffer.concat([Buffer.from(text.slice(0, at + 1)), Buffer.from(r.pick(BAD_UTF8)), Buffer.from(text.slice(at + 1))]);
      },
    ],
    [5, () => Buffer.from(serialize(valid).slice(0, r.int(serialize(valid).length)))],
    [4, () => r.bytes(r.pick([1, 16, 200, 2000]))],
    [4, () => Buffer.alloc(0)],
    [4, () => Buffer.from(r.pick(['null', '[]', '{}', '""', '"x"', '1', 'true', '[{}]', '[[]]', '{"":{}}', ' ', '\n', '\u00ef\u00bb\u00bf{}']))],
    [2, () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(serialize(valid))])],
    [2, () => Buffer.from(`${serialize(valid)}${r.pick(['x', '}', ']', ',', ' // c', '\u0000', '{}'])}`)],
    [2, () => Buffer.from(serialize(valid).replace(/^\{/, `{"${r.pick(['name', 'auth', 'metadata', 'meta', 'member', 'status'])}":1,`))],
    [
      2,
      () => {
        const big = r.choose<Json>([
          [1, () => Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, `v${i}`]))],
          [1, () => Array.from({ length: 20_000 }, (_, i) => i)],
          [1, () => 'y'.repeat(r.pick([100_000, 500_000]))],
        ]);
        return Buffer.from(serialize(r.chance(0.5) ? big : replaceNodeWith(valid, big)));
      },
    ],
    [1, () => Buffer.alloc(r.pick([1024 * 1024 + 1, 1_100_000]), 0x20)],
  ]);
}

function replaceNodeWith(value: Json, leaf: Json): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return leaf;
  const keys = Object.keys(value);
  if (keys.length === 0) return leaf;
  return { ...value, [keys[0]]: replaceNodeWith(value[keys[0]], leaf) };
}

function imageCreateBody(r: Rand, w: World): Json {
  const body: { [key: string]: Json } = {};
  if (r.chance(0.8)) body.name = r.chance(0.9) ? `fuzz-${r.word()}` : oddJson(r);
  if (r.chance(0.5)) body.id = r.chance(0.8) ? r.pick(w.pool) : r.pick([...w.images, r.uuid(), r.uuid().toUpperCase(), 'not-a-uuid']);
  if (r.chance(0.7)) body.disk_format = r.pick([...DISK_FORMATS, 'QCOW2', '']);
  if (r.chance(0.7)) body.container_format = r.pick([...CONTAINER_FORMATS, 'x']);
  if (r.chance(0.4)) body.visibility = r.pick([...VISIBILITIES, 'PUBLIC']);
  if (r.chance(0.2)) body.protected = r.pick<Json>([true, false, 'true', 1]);
  if (r.chance(0.2)) body.os_hidden = r.pick<Json>([true, false, 'yes']);
  if (r.chance(0.3)) body.min_ram = r.chance(0.7) ? r.between(0, 4096) : r.pick<Json>([-1, 2 ** 31, 1.5, '512']);
  if (r.chance(0.3)) body.min_disk = r.chance(0.7) ? r.between(0, 100) : r.pick<Json>([-1, 2 ** 63, '1']);
  if (r.chance(0.3)) body.tags = Array.from({ length: r.between(0, 4) }, () => r.pick(w.tags));
  if (r.chance(0.3)) body[r.pick(w.propertyKeys)] = r.word();
  if (r.chance(0.05)) body[r.pick(['status', 'size', 'checksum', 'owner', 'created_at', 'self', 'file', 'schema', 'direct_url', 'locations'])] = r.word();
  return body;
}

const PATCH_PATHS = ['/name', '/tags', '/visibility', '/protected', '/os_hidden', '/min_ram', '/min_disk', '/disk_format', '/container_format', '/status', '/id',
  '/owner', '/size', '/checksum', '/locations', '/self', '/', '', 'name', '/a/b', '/~', '/~2', '/~0~1', '/tags/-', '/hw_disk_bus', '/os_distro'];

function patchValue(r: Rand, path: string): Json {
  switch (path) {
    case '/name':
      return r.word();
    case '/tags':
      return Array.from({ length: r.between(0, 3) }, () => r.word());
    case '/visibility':
      return r.pick(VISIBILITIES);
    case '/protected':
    case '/os_hidden':
      return r.chance(0.5);
    case '/min_ram':
    case '/min_disk':
      return r.between(0, 1024);
    default:
      return r.word();
  }
}

function imagePatchBody(r: Rand, w: World, v20: boolean): Json {
  return Array.from({ length: r.between(0, 4) }, () => {
    const path = r.chance(0.3) ? `/${r.pick(w.propertyKeys)}` : r.pick(PATCH_PATHS);
    const op = r.pick(['add', 'replace', 'remove', 'move', 'copy', 'test', 'ADD']);
    const value = patchValue(r, path);
    if (v20) return op === 'remove' ? { remove: path } : { [op]: path, value };
    const change: { [key: string]: Json } = { op, path };
    if (op !== 'remove' || r.chance(0.2)) change.value = value;
    return change;
  });
}

function metadataBody(r: Rand, w: World, key: 'metadata' | 'meta', single?: string): Json {
  const entries: [string, Json][] = [];
  if (single !== undefined) entries.push([r.chance(0.8) ? single : r.word(), r.word()]);
  else {
    for (let i = r.between(0, 4); i > 0; i--) {
      entries.push([r.choose([[5, () => r.pick(w.propertyKeys)], [3, () => r.word()], [1, () => 'k'.repeat(256)], [1, () => '']]), r.chance(0.9) ? r.word() : 'v'.repeat(256)]);
    }
  }
  return { [key]: Object.fromEntries(entries) };
}

function loginBody(r: Rand, w: World): Json {
  const name = r.chance(0.8) ? r.pick(Object.keys(w.passwords).length ? Object.keys(w.passwords) : w.userNames) : r.pick(w.userNames);
  const identity: { [key: string]: Json } = r.choose<{ [key: string]: Json }>([
    [
      6,
      () => {
        const user: { [key: string]: Json } = r.chance(0.7) ? { name } : { id: r.pick([...w.userIds, r.hex(32)]) };
        if (r.chance(0.85)) user.domain = r.pick<Json>([{ name: 'Default' }, { id: 'default' }, { name: 'Other' }, { id: r.hex(32) }, {}]);
        user.password = r.chance(0.5) ? (w.passwords[name] ?? r.word()) : r.pick(['', 'wrong', r.word(20), 'x'.repeat(5000)]);
        return { methods: ['password'], password: { user } };
      },
    ],
    [2, () => ({ methods: ['token'], token: { id: r.pick([...w.valid.map(tokenOf), ...w.stale, r.word(43), '']) } })],
    [1, () => ({ methods: r.pick<Json>([[], ['totp'], ['password', 'token'], 'password', ['application_credential']]) })],
  ]);
  const auth: { [key: string]: Json } = { identity };
  const scope = r.choose<Json | undefined>([
    [4, () => ({ project: { id: r.pick(w.projects) } })],
    [3, () => ({ project: { name: r.pick(['p-alice', 'p-bob', 'admin', r.word()]), domain: r.pick<Json>([{ name: 'Default' }, { id: 'default' }, { id: 'x' }]) } })],
    [1, () => ({ project: { name: 'p-alice' } })],
    [1, () => ({ domain: { id: 'default' } })],
    [1, () => ({ system: { all: true } })],
    [1, () => 'unscoped'],
    [1, () => ({ project: {}, domain: {} })],
    [3, () => undefined],
  ]);
  if (scope !== undefined) auth.scope = scope;
  return { auth };
}

function tokenOf(caller: Caller): string {
  return Array.isArray(caller.token) ? caller.token[0] : (caller.token ?? '');
}

/** Image data: plain bytes, or the first bytes of a disk format with random fields, for the inspector. */
/** An import request: real methods and odd ones, URIs the import filter refuses without asking the network. */
function importBody(r: Rand): Json {
  const name = r.pick<Json>(['glance-direct', 'web-download', 'copy-image', 'glance-download', '', null, 5, ['x']]);
  const uri = r.pick<Json>(['http://127.0.0.1/x', 'http://2130706433/', 'ftp://127.0.0.1/x', '', 'http://[::1/', 'http://10.0.0.1:80/', 5, null]);
  return r.pick<Json>([
    { method: { name, uri } },
    { method: { name } },
    { method: name },
    {},
    { method: { name: 'glance-direct' }, all_stores_must_succeed: r.pick<Json>([true, false, 'no', null]), all_stores: r.pick<Json>([true, 1]) },
  ]);
}

function uploadBody(r: Rand): Buffer {
  const size = r.pick([0, 1, 512, 4096, 65_536, 200_000]);
  const data = r.bytes(size);
  const header = r.choose<Buffer | null>([
    [3, () => null],
    [2, () => Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), r.bytes(252)])],
    [1, () => Buffer.concat([Buffer.from('QFI\xfb\x00\x00\x00\x03', 'latin1'), r.bytes(248)])],
    [1, () => Buffer.concat([Buffer.from('KDMV'), r.bytes(508)])],
    [1, () => Buffer.concat([Buffer.from('# Disk DescriptorFile\ncreateType="monolithicSparse"\n'), r.bytes(100)])],
    [1, () => Buffer.concat([Buffer.from('vhdxfile'), r.bytes(1000)])],
    [1, () => Buffer.concat([Buffer.from('conectix'), r.bytes(504)])],
    [1, () => Buffer.concat([Buffer.alloc(32_769), Buffer.from('CD001'), r.bytes(100)])],
  ]);
  if (!header) return data;
  return header.length >= data.length ? header : Buffer.concat([header, data.subarray(header.length)]);
}

// ---------------------------------------------------------------------------------------------
// Callers and headers

function callerFor(r: Rand, w: World): Caller {
  const someProject = () => r.pick(w.projects);
  const keystone = w.mode === 'keystone';
  return r.choose<Caller>([
    [70, () => r.pick(w.valid)],
    [6, () => ({ label: 'none', project: someProject() })],
    [keystone ? 5 : 1, () => ({ label: 'stale', token: r.pick(w.stale), project: someProject() })],
    [4, () => ({ label: 'garbage', token: r.word(43), project: someProject() })],
    [2, () => ({ label: 'empty', token: '', project: someProject() })],
    [2, () => ({ label: 'long', token: longText(r), project: someProject() })],
    [2, () => ({ label: 'nul', token: r.pick(['%00', `${tokenOf(r.pick(w.valid))}%00`, `admin%00:${someProject()}`]), project: someProject() })],
    [2, () => ({ label: 'latin1', token: `\u00e9\u00ff${r.word()}\u0085`, project: someProject() })],
    [2, () => ({ label: 'whitespace', token: ` ${tokenOf(r.pick(w.valid))}\t`, project: someProject() })],
    [2, () => ({ label: 'noauth-style', token: `admin:${someProject()}`, project: someProject() })],
    [2, () => ({ label: 'two tokens', token: [tokenOf(r.pick(w.valid)), r.word(43)], project: someProject() })],
    [
      keystone ? 0 : 8,
      () => {
        const project = someProject();
        return {
          label: 'noauth odd',
          project,
          token: r.pick([
            `${r.word()}:${project}:admin`, `${r.word()}:${project}:`, `${r.word()}:${project}:reader`, `${r.word()}:${project}:,,,`, `:${project}`, `u:`,
            `u:${project}:admin:extra`, encodeURIComponent(`admin:${project}`), `%E0%A4%A:${project}`, `u:${'p'.repeat(256)}`, `u:${project}%00`, `%`,
            `u%3A${project}`, `admin:${project.toUpperCase()}`,
          ]),
        };
      },
    ],
    [
      6,
      () => {
        const project = someProject();
        const access = r.chance(0.6) && w.accessKeys.length ? r.pick(w.accessKeys) : r.word(20).toUpperCase();
        const authorization = r.choose<string>([
          [5, () => `SDK-HMAC-SHA256 Access=${access}, SignedHeaders=${r.pick(['host;x-sdk-date', 'x-sdk-date', 'content-type;host;x-project-id;x-sdk-date', 'host;;x', ''])}, Signature=${r.hex(64)}`],
          [1, () => 'SDK-HMAC-SHA256'],
          [1, () => `SDK-HMAC-SHA256 Access=${access}`],
          [1, () => `SDK-HMAC-SHA256 Access=${access}, SignedHeaders=host, Signature=zz, Extra=1`],
          [1, () => `SDK-HMAC-SHA256 ${'Access=a, '.repeat(300)}`],
          [1, () => r.pick(['Basic YWRtaW46YWRtaW4=', 'Bearer x', 'SDK-HMAC-SHA1 Access=a, SignedHeaders=host, Signature=00', ''])],
        ]);
        const date = r.pick([w.sdkDates[0], ...w.sdkDates]);
        const extra: Record<string, string> = { Authorization: authorization };
        if (r.chance(0.85)) extra['X-Sdk-Date'] = r.chance(0.85) ? date : r.pick(['', 'yesterday', '20241301T256161Z', '99999999T999999Z']);
        if (r.chance(0.85)) extra['X-Project-Id'] = r.chance(0.8) ? project : r.pick(['', '%00', 'p'.repeat(300), '\u00e9']);
        if (r.chance(0.3)) extra['X-Sdk-Content-Sha256'] = r.pick(['UNSIGNED-PAYLOAD', r.hex(64), 'x']);
        return { label: 'sdk-hmac', project, extraHeaders: extra };
      },
    ],
  ]);
}

function microversionHeaders(r: Rand, headers: Record<string, string | string[]>): void {
  const version = () => r.pick(['2.1', '2.60', '2.61', '2.93', '2.94', 'latest', '3.0', '2.', '.1', '2.1.1', '0.9', '2.0', '02.1', '2.01', '-2.1', 'a.b', '2.99999999999999999999', '']);
  const space = () => r.pick([' ', '\t', '  ', ' '.repeat(r.pick([100, 1000, 4000, 8000])), '\t'.repeat(r.pick([500, 3000])), ' \u0085 ']);
  if (r.chance(0.35)) {
    headers['OpenStack-API-Version'] = r.choose<string>([
      [5, () => `compute ${version()}`],
      [2, () => `${space()}compute${space()}${version()}${space()}`],
      [1, () => `volume 3.0, compute ${version()}`],
      [1, () => `COMPUTE ${version()}`],
      [1, () => r.pick(['compute', 'compute ', ',', ',,,', 'image 2.1', '', `compute ${'9'.repeat(5000)}.1`])],
      [1, () => `${space()}${','.repeat(r.between(1, 200))}${space()}`],
    ]);
  }
  if (r.chance(0.25)) {
    const legacy = () => r.choose<string>([
      [4, () => version()],
      [2, () => `${space()}${version()}${space()}`],
      [1, () => `${version()}, ${version()}`],
    ]);
    headers['X-OpenStack-Nova-API-Version'] = r.chance(0.1) ? [legacy(), legacy()] : legacy();
  }
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json;charset=latin1', 'APPLICATION/JSON', 'text/plain', 'text/html',
  'application/octet-stream', 'application/openstack-images-v2.1-json-patch', 'application/openstack-images-v2.0-json-patch',
  'application/openstack-images-v2.1-json-patch; charset=utf-8', 'application/json-patch+json', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'multipart/form-data', '', ';', 'application/', '*/*', 'application/json; ' + 'p=1; '.repeat(500), 'a'.repeat(3000),
  'application/json\t', ' application/json ', '\u00e9/\u00e9',
];

function commonHeaders(r: Rand, w: World, caller: Caller, headers: Record<string, string | string[]>): void {
  if (caller.token !== undefined) headers['X-Auth-Token'] = caller.token;
  Object.assign(headers, caller.extraHeaders);
  if (r.chance(0.15)) headers.Accept = r.pick(['application/json', 'text/html', '*/*', 'application/xml', 'application/vnd.openstack.image', '', 'x'.repeat(2000), 'text/*;q=0.1, application/json;q=0.9']);
  if (r.chance(0.08)) headers.Host = r.pick(['example.com', 'example.com:99999', '[::1]:80', '[::1', '', 'a b', 'h\u00e9st', 'h'.repeat(3000), 'x.test:0', ':80', '@evil', 'localhost:']);
  if (r.chance(0.05)) headers['X-Openstack-Request-Id'] = r.pick(['req-' + r.uuid(), '', 'x'.repeat(1000), '\u00e9']);
  if (r.chance(0.05)) headers.Connection = 'close';
  if (r.chance(0.03)) headers['Accept-Encoding'] = r.pick(['gzip', 'br, deflate', '*', 'identity;q=0']);
  if (r.chance(0.03)) headers['X-Forwarded-Proto'] = r.pick(['https', 'gopher', '']);
  if (r.chance(0.03)) headers['X-Roles'] = 'admin';
}

// ---------------------------------------------------------------------------------------------
// Requests per API

interface Shape {
  route: string;
  method: string;
  path: string;
  body?: Buffer;
  contentType?: string;
}

function computeShape(r: Rand, w: World, caller: Caller): Shape {
  const base = r.choose<[string, string]>([
    [6, () => ['/v2.1/{project}', `/v2.1/${projectSegment(r, w, caller)}`]],
    [1, () => ['/v2.1', '/v2.1']],
    [2, () => ['/v2/{project}', `/v2/${projectSegment(r, w, caller)}`]],
    [1, () => ['/v2', '/v2']],
  ]);
  const [prefixRoute, prefix] = base;
  const filters = computeFilters(r, w);
  const json = (valid: Json) => ({ body: mutateBody(r, valid), contentType: r.chance(0.85) ? 'application/json' : r.pick(CONTENT_TYPES) });
  return r.choose<Shape>([
    [4, () => ({ route: `${prefixRoute}/images`, method: method(r, 'GET'), path: `${prefix}/images${queryString(r, filters)}` })],
    [3, () => ({ route: `${prefixRoute}/images/detail`, method: method(r, 'GET'), path: `${prefix}/images/detail${queryString(r, filters)}` })],
    [
      3,
      () => ({
        route: `${prefixRoute}/images/{id}`,
        method: method(r, r.chance(0.85) ? 'GET' : 'DELETE'),
        path: `${prefix}/images/${imageIdSegment(r, w)}${r.chance(0.05) ? queryString(r, filters) : ''}`,
      }),
    ],
    [
      3,
      () => {
        const m = method(r, r.pick(['GET', 'GET', 'POST', 'PUT']));
        return { route: `${prefixRoute}/images/{id}/metadata`, method: m, path: `${prefix}/images/${imageIdSegment(r, w)}/metadata`, ...(m === 'GET' && r.chance(0.8) ? {} : json(metadataBody(r, w, 'metadata'))) };
      },
    ],
    [
      3,
      () => {
        const m = method(r, r.pick(['GET', 'GET', 'PUT', 'DELETE']));
        const key = keySegment(r, w);
        let decoded: string;
        try {
          decoded = decodeURIComponent(key);
        } catch {
          decoded = key;
        }
        return {
          route: `${prefixRoute}/images/{id}/metadata/{key}`,
          method: m,
          path: `${prefix}/images/${imageIdSegment(r, w)}/metadata/${key}`,
          ...(m === 'PUT' || r.chance(0.1) ? json(metadataBody(r, w, 'meta', decoded)) : {}),
        };
      },
    ],
    [1, () => ({ route: 'version documents', method: method(r, 'GET'), path: r.pick(['/', '/v2.1', '/v2.1/', '/v2', '/v2/', '', '/?x=1', '/v2.1?x']) })],
    [
      1,
      () => ({
        route: 'unrouted',
        method: method(r, 'GET'),
        path: r.pick([
          `${prefix}/servers`, `${prefix}/flavors/detail`, '/v3', `${prefix}//images`, `${prefix}/images/`, `${prefix}/images/detail/x`, '/images',
          `${prefix}/os-keypairs`, `/%76%32%2e%31/${caller.project}/images`, `/v2.1/${caller.project}/../images`, '//', '/v2.1/./images', `/v2.10/${caller.project}/images`,
          `/v2.1/${caller.project}/IMAGES`, `${prefix}/images/detail/`, `http://x${prefix}/images`, `${prefix}/images?${'a=1&'.repeat(1000)}`,
          `/v2%2e1/${caller.project}/images/detail`, `/%76%32/${caller.project}/images/${r.pick(w.images)}`, `/v2.1%2F${caller.project}/images`,
        ]),
      }),
    ],
  ]);
}

function imageShape(r: Rand, w: World): Shape {
  const filters = imageFilters(r, w);
  const id = () => imageIdSegment(r, w);
  const json = (valid: Json, type = 'application/json') => ({ body: mutateBody(r, valid), contentType: r.chance(0.85) ? type : r.pick(CONTENT_TYPES) });
  return r.choose<Shape>([
    [5, () => ({ route: '/v2/images', method: method(r, 'GET'), path: `/v2/images${queryString(r, filters, 6)}` })],
    [3, () => ({ route: 'POST /v2/images', method: method(r, 'POST'), path: '/v2/images', ...json(imageCreateBody(r, w)) })],
    [3, () => ({ route: '/v2/images/{id}', method: method(r, r.chance(0.9) ? 'GET' : 'DELETE'), path: `/v2/images/${id()}` })],
    [
      4,
      () => {
        const v20 = r.chance(0.2);
        return {
          route: 'PATCH /v2/images/{id}',
          method: method(r, 'PATCH'),
          path: `/v2/images/${id()}`,
          ...json(imagePatchBody(r, w, v20), v20 ? 'application/openstack-images-v2.0-json-patch' : 'application/openstack-images-v2.1-json-patch'),
        };
      },
    ],
    [
      3,
      () => {
        const m = method(r, r.chance(0.5) ? 'GET' : 'PUT');
        const upload = m === 'PUT' || r.chance(0.1);
        return {
          route: '/v2/images/{id}/file',
          method: m,
          path: `/v2/images/${id()}/file`,
          ...(upload ? { body: r.chance(0.9) ? uploadBody(r) : mutateBody(r, {}), contentType: r.chance(0.85) ? 'application/octet-stream' : r.pick(CONTENT_TYPES) } : {}),
        };
      },
    ],
    [
      2,
      () => {
        const m = method(r, 'PUT');
        return {
          route: '/v2/images/{id}/stage',
          method: m,
          path: `/v2/images/${id()}/stage`,
          ...(m === 'PUT' || r.chance(0.1) ? { body: uploadBody(r), contentType: r.chance(0.85) ? 'application/octet-stream' : r.pick(CONTENT_TYPES) } : {}),
        };
      },
    ],
    [2, () => ({ route: 'POST /v2/images/{id}/import', method: method(r, 'POST'), path: `/v2/images/${id()}/import`, ...json(importBody(r)) })],
    [1, () => ({ route: '/v2/images/{id}/tasks', method: method(r, 'GET'), path: `/v2/images/${id()}/tasks` })],
    [2, () => ({ route: '/v2/images/{id}/actions/{action}', method: method(r, 'POST'), path: `/v2/images/${id()}/actions/${r.pick(['deactivate', 'reactivate', 'reactivate', 'deactivate', 'junk', '', oddSegment(r)])}` })],
    [
      2,
      () => ({
        route: '/v2/images/{id}/tags/{tag}',
        method: method(r, r.pick(['PUT', 'DELETE'])),
        path: `/v2/images/${id()}/tags/${r.chance(0.6) ? encodeURIComponent(r.pick(w.tags)) : r.chance(0.5) ? oddSegment(r) : 't'.repeat(r.pick([255, 256, 1000]))}`,
      }),
    ],
    [
      2,
      () => {
        const m = method(r, r.pick(['GET', 'POST']));
        return {
          route: '/v2/images/{id}/members',
          method: m,
          path: `/v2/images/${id()}/members`,
          ...(m === 'GET' && r.chance(0.8) ? {} : json({ member: r.chance(0.8) ? r.pick(w.projects) : r.pick<Json>([r.hex(32), '', 'm'.repeat(256), 1, null, ['a']]) })),
        };
      },
    ],
    [
      2,
      () => {
        const m = method(r, r.pick(['GET', 'PUT', 'DELETE']));
        return {
          route: '/v2/images/{id}/members/{member}',
          method: m,
          path: `/v2/images/${id()}/members/${memberSegment(r, w)}`,
          ...(m === 'PUT' || r.chance(0.1) ? json({ status: r.pick<Json>(['accepted', 'rejected', 'pending', 'ACCEPTED', '', 1, null]) }) : {}),
        };
      },
    ],
    [
      1,
      () => ({
        route: '/v2/schemas/{name}',
        method: method(r, 'GET'),
        path: `/v2/schemas/${r.pick(['image', 'images', 'member', 'members', 'metadefs/namespace', 'tasks', 'junk', '', oddSegment(r)])}`,
      }),
    ],
    [1, () => ({ route: 'version documents', method: method(r, 'GET'), path: r.pick(['/', '/versions', '/v2', '/v2/', '/v1/images', '/versions/', '/?x', '/v2/info/import', '/v2/info/stores', '/v2/info/stores/detail', '/v2/info/usage']) })],
    [
      1,
      () => ({
        route: 'unrouted',
        method: method(r, 'GET'),
        path: r.pick([
          `/v2/images/${id()}/import`, `/v2/images/${id()}/stage`, '/v2/tasks', '/v2//images', '/v2/images/', `/v2/images/${id()}/`, '/v2/images?', '/V2/images',
          '/v2/images/../versions', `/v2/images/${id()}/file/x`, '/%76%32/images', `/v%32/images/${id()}`, `/v%32/images/${id()}/file`, '/v2%2Fimages',
        ]),
      }),
    ],
  ]);
}

function identityShape(r: Rand, w: World, caller: Caller, headers: Record<string, string | string[]>): Shape {
  const subject = (revoking: boolean) => {
    if (revoking && w.disposable.length > 0 && r.chance(0.6)) {
      headers['X-Subject-Token'] = r.pick(w.disposable);
      return;
    }
    headers['X-Subject-Token'] = r.choose<string | string[]>([
      [revoking ? 0 : 5, () => tokenOf(r.pick(w.valid))],
      [2, () => r.pick(w.stale)],
      [1, () => r.word(43)],
      [1, () => r.pick(['', '%00', longText(r), '\u00e9'])],
      [1, () => [tokenOf(r.pick(w.valid)), r.word(43)]],
    ]);
  };
  const query = () => (r.chance(0.2) ? r.pick(['?nocatalog', '?nocatalog=0', '?allow_expired=1', `?name=${r.pick(['admin', 'p-alice', 'alice', r.word(), '%00', longText(r)])}`, '?x']) : '');
  const userSeg = () => r.choose<string>([[6, () => r.pick(w.userIds)], [1, () => r.hex(32)], [3, () => oddSegment(r)]]);
  const projectSeg = () => r.choose<string>([[6, () => r.pick(w.projects)], [1, () => caller.project], [3, () => oddSegment(r)]]);
  return r.choose<Shape>([
    [6, () => ({ route: 'POST /v3/auth/tokens', method: method(r, 'POST'), path: `/v3/auth/tokens${query()}`, body: mutateBody(r, loginBody(r, w)), contentType: r.chance(0.9) ? 'application/json' : r.pick(CONTENT_TYPES) })],
    [
      4,
      () => {
        const m = method(r, r.pick(['GET', 'HEAD', 'DELETE']));
        subject(m === 'DELETE');
        return { route: '/v3/auth/tokens', method: m, path: `/v3/auth/tokens${query()}` };
      },
    ],
    [2, () => ({ route: '/v3/auth/catalog', method: method(r, 'GET'), path: `/v3/auth/catalog${query()}` })],
    [2, () => ({ route: '/v3/auth/projects', method: method(r, 'GET'), path: `/v3/auth/projects${query()}` })],
    [2, () => ({ route: '/v3/{collection}', method: method(r, 'GET'), path: `/v3/${r.pick(['projects', 'users', 'roles', 'domains'])}${query()}` })],
    [2, () => ({ route: '/v3/projects/{id}', method: method(r, 'GET'), path: `/v3/projects/${projectSeg()}` })],
    [2, () => ({ route: '/v3/users/{id}', method: method(r, 'GET'), path: `/v3/users/${userSeg()}` })],
    [2, () => ({ route: '/v3/users/{id}/projects', method: method(r, 'GET'), path: `/v3/users/${userSeg()}/projects` })],
    [1, () => ({ route: 'version documents', method: method(r, 'GET'), path: r.pick(['/', '/v3', '/v3/', '/v2.0', '/?x', '/v3?x']) })],
    [
      1,
      () => ({
        route: 'unrouted',
        method: method(r, 'GET'),
        path: r.pick([
          '/v3/auth/domains', '/v3/auth/system', '/v2.0/tokens', '/v3/credentials', '/v3/OS-FEDERATION/identity_providers', '/v3//auth/tokens', '/v3/auth/tokens/',
          `/v3/domains/${oddSegment(r)}`, '/v3/roles/x', '/%76%33/auth/tokens', '/v3/auth%2Fcatalog', `/v%33/users/${userSeg()}`,
        ]),
      }),
    ],
  ]);
}

/** Requests node:http will not frame so: raw targets and bytes, odd framing, odd protocol versions. */
function rawRequest(r: Rand, w: World, api: Api, caller: Caller, hostPort: string): { route: string; method: string; path: string; raw: Buffer } {
  const token = tokenOf(caller);
  const path = r.pick<string>({ compute: [`/v2.1/${caller.project}/images`, `/v2.1/${caller.project}/images/detail`, `/v2.1/${caller.project}/images/${r.pick(w.images)}`], image: ['/v2/images', `/v2/images/${r.pick(w.images)}`, `/v2/images/${r.pick(w.images)}/members`], identity: ['/v3/auth/tokens', '/v3/auth/projects', '/v3'] }[api]);
  const lines = (start: string, headers: string[], body = '') => Buffer.from(`${start}\r\n${headers.join('\r\n')}${headers.length ? '\r\n' : ''}\r\n${body}`, 'latin1');
  const std = [`Host: ${hostPort}`, `X-Auth-Token: ${token}`, 'Connection: close'];
  return r.choose<{ route: string; method: string; path: string; raw: Buffer }>([
    [3, () => ({ route: 'raw: utf-8 bytes in target', method: 'GET', path, raw: Buffer.concat([Buffer.from(`GET ${path}/`), Buffer.from(r.pick(['\u00e9', '\u4e2d\u6587', '\u{1f600}']), 'utf8'), lines(' HTTP/1.1', std)]) })],
    [3, () => ({ route: 'raw: invalid bytes in target', method: 'GET', path, raw: Buffer.concat([Buffer.from(`GET ${path}`), Buffer.from(r.pick(BAD_UTF8)), lines(' HTTP/1.1', std)]) })],
    [2, () => ({ route: 'raw: space or control in target', method: 'GET', path, raw: lines(`GET ${path}${r.pick([' x', '\tx', '\u0001', '\u007f', ' HTTP/1.1 x'])} HTTP/1.1`, std) })],
    [2, () => ({ route: 'raw: absolute-form target', method: 'GET', path, raw: lines(`GET http://${hostPort}${path} HTTP/1.1`, std) })],
    [1, () => ({ route: 'raw: asterisk target', method: 'OPTIONS', path: '*', raw: lines('OPTIONS * HTTP/1.1', std) })],
    [2, () => ({ route: 'raw: HTTP/1.0 without Host', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.0`, [`X-Auth-Token: ${token}`]) })],
    [1, () => ({ route: 'raw: odd protocol version', method: 'GET', path, raw: lines(`GET ${path} ${r.pick(['HTTP/2.0', 'HTTP/0.9', 'HTTP/1.2', 'HTTP/9.9', 'HTTPS/1.1', 'http/1.1'])}`, std) })],
    [1, () => ({ route: 'raw: lower-case or unknown method', method: 'get', path, raw: lines(`${r.pick(['get', 'Get', 'BREW', 'G ET'])} ${path} HTTP/1.1`, std) })],
    [1, () => ({ route: 'raw: no Host', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.1`, [`X-Auth-Token: ${token}`, 'Connection: close']) })],
    [1, () => ({ route: 'raw: two Hosts', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.1`, [...std, 'Host: other.example']) })],
    [1, () => ({ route: 'raw: obs-fold header', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.1`, [...std, 'X-Folded: a', ' b']) })],
    [1, () => ({ route: 'raw: header without colon', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.1`, [...std, 'NoColonHere']) })],
    [1, () => ({ route: 'raw: NUL in header value', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.1`, [...std, 'X-Null: a\u0000b']) })],
    [1, () => ({ route: 'raw: utf-8 in token', method: 'GET', path, raw: Buffer.concat([lines(`GET ${path} HTTP/1.1`, [`Host: ${hostPort}`, 'Connection: close']).subarray(0, -2), Buffer.from('X-Auth-Token: t\u00e9\u4e2d\r\n\r\n', 'utf8')]) })],
    [1, () => ({ route: 'raw: two Content-Lengths', method: 'POST', path, raw: lines(`POST ${path} HTTP/1.1`, [...std, 'Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 3'], '{}') })],
    [1, () => ({ route: 'raw: Content-Length and chunked', method: 'POST', path, raw: lines(`POST ${path} HTTP/1.1`, [...std, 'Content-Type: application/json', 'Content-Length: 2', 'Transfer-Encoding: chunked'], '2\r\n{}\r\n0\r\n\r\n') })],
    [1, () => ({ route: 'raw: bad chunk size', method: 'POST', path, raw: lines(`POST ${path} HTTP/1.1`, [...std, 'Content-Type: application/json', 'Transfer-Encoding: chunked'], `${r.pick(['zz', '-1', 'ffffffffffffffffff', '2;ext=\u0000'])}\r\n{}\r\n0\r\n\r\n`) })],
    [1, () => ({ route: 'raw: chunked with trailers', method: 'POST', path, raw: lines(`POST ${path} HTTP/1.1`, [...std, 'Content-Type: application/json', 'Transfer-Encoding: chunked'], '2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n') })],
    [1, () => ({ route: 'raw: negative Content-Length', method: 'POST', path, raw: lines(`POST ${path} HTTP/1.1`, [...std, `Content-Length: ${r.pick(['-1', '1e3', ' ', 'abc', '99999999999999999999999'])}`], '{}') })],
    [1, () => ({ route: 'raw: Expect 100-continue', method: 'POST', path, raw: lines(`POST ${path} HTTP/1.1`, [...std, 'Content-Type: application/json', 'Expect: 100-continue', 'Content-Length: 2'], '{}') })],
    [1, () => ({ route: 'raw: odd Expect', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.1`, [...std, `Expect: ${r.pick(['200-ok', 'x', ''])}`]) })],
    [1, () => ({ route: 'raw: Upgrade', method: 'GET', path, raw: lines(`GET ${path} HTTP/1.1`, [`Host: ${hostPort}`, `X-Auth-Token: ${token}`, 'Connection: Upgrade', `Upgrade: ${r.pick(['websocket', 'h2c', 'x'])}`]) })],
  ]);
}

// ---------------------------------------------------------------------------------------------
// Generation

function generate(seed: number, count: number, w: World, hostPorts: Record<Api, string>): FuzzRequest[] {
  const r = new Rand(seed);
  const requests: FuzzRequest[] = [];
  for (let n = 0; n < count; n++) {
    // Without Keystone the identity API serves version discovery only: it gets fewer requests.
    const api = w.mode === 'keystone' ? r.pick(APIS) : r.choose<Api>([[2, () => 'compute'], [2, () => 'image'], [1, () => 'identity']]);
    const caller = callerFor(r, w);
    if (r.chance(0.05)) {
      const raw = rawRequest(r, w, api, caller, hostPorts[api]);
      requests.push({ n, api, route: raw.route, caller: caller.label, method: raw.method, path: raw.path, headers: {}, raw: raw.raw });
      continue;
    }
    const headers: Record<string, string | string[]> = {};
    commonHeaders(r, w, caller, headers);
    let shape: Shape;
    if (api === 'compute') {
      shape = computeShape(r, w, caller);
      microversionHeaders(r, headers);
    } else if (api === 'image') {
      shape = imageShape(r, w);
      if (r.chance(0.2)) headers.Range = r.pick(['bytes=0-10', 'bytes=-5', 'bytes=5-', 'bytes=10-5', 'bytes=0-0,2-3', 'bytes=99999999999999999999-', 'items=0-1', 'bytes=', 'bytes=-', 'bytes=-0', `bytes=${' '.repeat(3000)}0-1`, 'BYTES = 1 - 2', 'bytes=1-2x']);
      if (r.chance(0.05)) microversionHeaders(r, headers);
    } else {
      shape = identityShape(r, w, caller, headers);
    }
    if (shape.contentType !== undefined && shape.body !== undefined) headers['Content-Type'] = shape.contentType;
    else if (r.chance(0.05)) headers['Content-Type'] = r.pick(CONTENT_TYPES);
    // A request of a bodiless kind carries a body now and then.
    let body = shape.body;
    if (body === undefined && r.chance(0.05)) body = mutateBody(r, { x: 1 });
    requests.push({ n, api, route: shape.route, caller: caller.label, method: shape.method, path: shape.path, headers, body, chunked: body !== undefined && r.chance(0.1) });
  }
  return requests;
}

// ---------------------------------------------------------------------------------------------
// Sending

type Outcome =
  | { kind: 'answer'; status: number; body: Buffer; ms: number }
  | { kind: 'hang'; ms: number }
  | { kind: 'no answer'; error: string; ms: number }
  | { kind: 'not sent'; ms: 0 };

const BODY_KEPT = 2000;

function send(urls: Record<Api, string>, agent: http.Agent, request: FuzzRequest): Promise<Outcome> {
  const url = new URL(urls[request.api]);
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  if (request.raw) return sendRaw(url, request.raw, started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const headers: Record<string, string | string[]> = { ...request.headers };
    if (request.body !== undefined) {
      if (request.chunked) headers['Transfer-Encoding'] = 'chunked';
      else headers['Content-Length'] = String(request.body.length);
    }
    let req: http.ClientRequest;
    try {
      req = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent, setHost: !('Host' in headers) });
    } catch (err) {
      // The generator made something node:http refuses to send: a bug of this test, not of the server.
      throw new Error(`request #${request.n} cannot be sent: ${(err as Error).message}: ${shorten(request.method)} ${shorten(request.path)}`);
    }
    const timer = setTimeout(() => {
      finish({ kind: 'hang', ms: ms() });
      req.destroy();
    }, REQUEST_TIMEOUT_MS);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < BODY_KEPT) chunks.push(chunk);
        kept += chunk.length;
      });
      res.on('end', () => finish({ kind: 'answer', status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, BODY_KEPT), ms: ms() }));
      res.on('error', (err) => finish({ kind: 'no answer', error: `response: ${err.message}`, ms: ms() }));
      res.on('aborted', () => finish({ kind: 'no answer', error: 'response aborted', ms: ms() }));
    });
    req.on('error', (err) => finish({ kind: 'no answer', error: `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`, ms: ms() }));
    if (request.body === undefined) req.end();
    else if (request.chunked) {
      const body = request.body;
      const cut = Math.floor(body.length / 2);
      req.write(body.subarray(0, cut));
      req.end(body.subarray(cut));
    } else req.end(request.body);
  });
}

function sendRaw(url: URL, bytes: Buffer, started: number): Promise<Outcome> {
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    let quiet: NodeJS.Timeout | undefined;
    const socket = net.connect(Number(url.port), url.hostname);
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(quiet);
      socket.destroy();
      resolve(outcome);
    };
    /** The first final status line (a 100 Continue is interim); null until one has arrived. */
    const status = (): number | null => {
      const text = Buffer.concat(chunks).toString('latin1');
      for (const m of text.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)) {
        if (m[1] !== '100') return Number(m[1]);
      }
      return null;
    };
    const timer = setTimeout(() => {
      const seen = status();
      finish(seen === null ? { kind: 'hang', ms: ms() } : { kind: 'answer', status: seen, body: Buffer.concat(chunks).subarray(0, BODY_KEPT), ms: ms() });
    }, REQUEST_TIMEOUT_MS);
    // A connection kept open after a whole answer (an Upgrade request's, say) is done once it goes quiet.
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      clearTimeout(quiet);
      if (status() !== null) quiet = setTimeout(() => socket.destroy(), RAW_QUIET_MS);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const seen = status();
      finish(seen === null ? { kind: 'no answer', error: 'connection closed without a status line', ms: ms() } : { kind: 'answer', status: seen, body: Buffer.concat(chunks).subarray(0, BODY_KEPT), ms: ms() });
    });
    socket.write(bytes);
  });
}

async function runAll(urls: Record<Api, string>, requests: FuzzRequest[]): Promise<Outcome[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const outcomes: Outcome[] = requests.map(() => ({ kind: 'not sent', ms: 0 }));
  const deadline = performance.now() + RUN_BUDGET_MS;
  let next = 0;
  const worker = async () => {
    while (next < requests.length && performance.now() < deadline) {
      const i = next++;
      outcomes[i] = await send(urls, agent, requests[i]);
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    agent.destroy();
  }
  return outcomes;
}

// ---------------------------------------------------------------------------------------------
// Reporting

function shorten(text: string, max = 160): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}…(${text.length} chars)`;
}

function bodyPreview(body: Buffer | undefined): string {
  if (body === undefined) return '(none)';
  let utf8 = true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    utf8 = false;
  }
  const text = shorten(body.subarray(0, 400).toString(utf8 ? 'utf8' : 'latin1'), 300);
  return `${body.length} bytes${utf8 ? '' : ' (not UTF-8; shown as Latin-1)'}: ${text}${utf8 ? '' : ` hex ${body.subarray(0, 48).toString('hex')}`}`;
}

function describeRequest(request: FuzzRequest, outcome: Outcome): string {
  const what =
    outcome.kind === 'answer'
      ? `answered ${outcome.status}`
      : outcome.kind === 'hang'
        ? `no answer within ${REQUEST_TIMEOUT_MS} ms`
        : outcome.kind === 'no answer'
          ? `no answer: ${outcome.error}`
          : `not sent: the run used up its ${RUN_BUDGET_MS} ms`;
  const lines = [`#${request.n} [${request.api}] ${request.route}, as ${request.caller}: ${what} after ${outcome.ms} ms`];
  if (request.raw) lines.push(`  raw bytes: ${bodyPreview(request.raw)}`);
  else {
    lines.push(`  ${request.method} ${shorten(request.path, 300)}`);
    for (const [name, value] of Object.entries(request.headers)) lines.push(`  ${name}: ${[value].flat().map((v) => shorten(v)).join(' | ')}`);
    if (request.chunked) lines.push('  (body sent chunked)');
    lines.push(`  body: ${bodyPreview(request.body)}`);
  }
  if (outcome.kind === 'answer') lines.push(`  answer body: ${shorten(outcome.body.toString('utf8'), 500)}`);
  return lines.join('\n');
}

interface RunResult {
  failures: string[];
  distinct: Map<string, number>;
}

function assess(t: TestContext, label: string, requests: FuzzRequest[], outcomes: Outcome[], elapsedMs: number): RunResult {
  const perApi = new Map<string, Map<string, number>>();
  const count = (api: string, key: string) => {
    const counts = perApi.get(api) ?? new Map<string, number>();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    perApi.set(api, counts);
  };
  const failures: string[] = [];
  const distinct = new Map<string, number>();
  requests.forEach((request, i) => {
    const outcome = outcomes[i];
    const cls = outcome.kind === 'answer' ? `${Math.floor(outcome.status / 100)}xx` : outcome.kind;
    count(request.api, cls);
    count('all', cls);
    if (outcome.kind !== 'answer' || outcome.status >= 500) {
      const key = `[${request.api}] ${request.raw ? '' : `${request.method} `}${request.route} → ${outcome.kind === 'answer' ? outcome.status : outcome.kind}`;
      distinct.set(key, (distinct.get(key) ?? 0) + 1);
      failures.push(describeRequest(request, outcome));
    }
  });
  const ordered = ['1xx', '2xx', '3xx', '4xx', '5xx', 'hang', 'no answer', 'not sent'];
  for (const api of [...APIS, 'all']) {
    const counts = perApi.get(api) ?? new Map<string, number>();
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`${label} ${api}: ${total} requests; ${ordered.filter((k) => counts.has(k)).map((k) => `${k} ${counts.get(k)}`).join(', ')}`);
  }
  const slowest = outcomes.map((o, i) => [o.ms, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
  t.diagnostic(`${label}: ${requests.length} requests in ${Math.round(elapsedMs)} ms; slowest ${slowest.map(([ms, i]) => `#${i} ${requests[i].api} ${requests[i].route} ${ms} ms`).join('; ')}`);
  return { failures, distinct };
}

function fingerprint(requests: FuzzRequest[]): string {
  const hash = createHash('sha256');
  for (const request of requests) {
    hash.update(JSON.stringify([request.api, request.method, request.path, request.headers, request.chunked ?? false])).update('\0');
    hash.update(request.raw ?? request.body ?? Buffer.alloc(0)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * `value` with each of `secrets` (values that differ from run to run: tokens, ids and keys the server made,
 * ports, times) replaced by a stand-in of the same length. The generator's draws do not depend on what these
 * strings hold, only on their lengths, so the requests generated from such a world are the same on every run.
 */
function standIns<T>(value: T, secrets: Map<string, string>): T {
  let text = JSON.stringify(value);
  for (const [secret, name] of secrets) text = text.replaceAll(secret, name.replace(/[^A-Za-z0-9]/g, '').padEnd(secret.length, 'x').slice(0, secret.length));
  return JSON.parse(text) as T;
}

// ---------------------------------------------------------------------------------------------
// Servers and their catalogs

interface Started {
  glint: Glint;
  dir: string;
}

async function start(auth: 'keystone' | 'noauth', profile: 'huawei' | 'openstack'): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), `glint-fuzz-${auth}-`));
  // An empty environment, so GLINT_* variables of the shell running the tests change nothing.
  // Accounts lock after a few wrong passwords, and unlock again within the run, so that both paths get requests.
  const config = loadConfig({ profile, auth, dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0, lockoutAttempts: 10, lockoutDuration: 1 }, {});
  return { glint: await createGlint(config), dir };
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started) return;
  await started.glint.close();
  rmSync(started.dir, { recursive: true, force: true });
}

async function call(url: string, init: RequestInit & { headers?: Record<string, string> }, expected: number): Promise<Response> {
  const res = await fetch(url, init);
  if (res.status !== expected) assert.fail(`${init.method ?? 'GET'} ${url}: ${res.status}, expected ${expected}: ${await res.text()}`);
  return res;
}

/**
 * A few images with fixed ids: private with data, shared with a member, public and protected with data, community
 * without data, deactivated, hidden; and ids the fuzzer may create images under.
 */
async function seedImages(r: Rand, imageUrl: string, tokens: { alice: string; bob: string; admin: string }, projects: { bob: string }): Promise<{ images: string[]; pool: string[] }> {
  const images = Array.from({ length: 6 }, () => r.uuid());
  const pool = Array.from({ length: 6 }, () => r.uuid());
  const json = (token: string) => ({ 'X-Auth-Token': token, 'Content-Type': 'application/json' });
  const create = (token: string, body: Record<string, unknown>) => call(`${imageUrl}/v2/images`, { method: 'POST', headers: json(token), body: JSON.stringify(body) }, 201);
  const upload = (token: string, id: string, data: Buffer) =>
    call(`${imageUrl}/v2/images/${id}/file`, { method: 'PUT', headers: { 'X-Auth-Token': token, 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(data) }, 204);
  const data = Buffer.concat([Buffer.from('glint fuzz data\n'), Buffer.alloc(4080, 7)]);

  await create(tokens.alice, { id: images[0], name: 'private-raw', disk_format: 'raw', container_format: 'bare', os_distro: 'ubuntu', hw_disk_bus: 'virtio', tags: ['t1', 'linux'] });
  await upload(tokens.alice, images[0], data);
  await create(tokens.alice, { id: images[1], name: 'shared-qcow2', disk_format: 'qcow2', container_format: 'bare', visibility: 'shared', min_ram: 512 });
  await call(`${imageUrl}/v2/images/${images[1]}/members`, { method: 'POST', headers: json(tokens.alice), body: JSON.stringify({ member: projects.bob }) }, 200);
  await create(tokens.admin, { id: images[2], name: 'public-protected', disk_format: 'raw', container_format: 'bare', visibility: 'public', protected: true, os_distro: 'debian' });
  await upload(tokens.admin, images[2], data);
  await create(tokens.bob, { id: images[3], name: 'community-vmdk', disk_format: 'vmdk', container_format: 'bare', visibility: 'community', min_disk: 10 });
  await create(tokens.alice, { id: images[4], name: 'deactivated', disk_format: 'raw', container_format: 'bare' });
  await upload(tokens.alice, images[4], data);
  await call(`${imageUrl}/v2/images/${images[4]}/actions/deactivate`, { method: 'POST', headers: { 'X-Auth-Token': tokens.admin } }, 204);
  await create(tokens.alice, { id: images[5], name: 'hidden-iso', disk_format: 'iso', container_format: 'bare', os_hidden: true, tags: ['t2'] });
  return { images, pool };
}

/** `X-Sdk-Date` values for now and 20 minutes either side. */
function sdkDates(): string[] {
  const now = Date.now();
  return [0, -20 * 60_000, 20 * 60_000].map((offset) => new Date(now + offset).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''));
}

const PROPERTY_KEYS = ['os_distro', 'hw_disk_bus', 'os_type', '__os_bit', '__platform', 'instance_uuid', 'image_type', 'x'.repeat(255), 'key with space', 'k\u00e9y', 'a/b', 'a.b', 'UPPER'];
const TAGS = ['t1', 't2', 'linux', '', ' ', 't'.repeat(255), 'a/b', 'a,b', '\u00e9', 'x%00'];

/** After the storm: each API answers plain requests as it should. */
async function assertStillAnswering(glint: Glint, token: string, project: string): Promise<void> {
  const root = await call(`${glint.urls.compute}/`, {}, 200);
  assert.ok(Array.isArray(((await root.json()) as { versions: unknown }).versions), 'compute version list');
  const v21 = await call(`${glint.urls.compute}/v2.1`, {}, 200);
  assert.equal(((await v21.json()) as { version: { id: string } }).version.id, 'v2.1');
  const computeList = await call(`${glint.urls.compute}/v2.1/${project}/images`, { headers: { 'X-Auth-Token': token } }, 200);
  assert.ok(Array.isArray(((await computeList.json()) as { images: unknown }).images), 'compute list');

  const versions = await call(`${glint.urls.image}/versions`, {}, 200);
  assert.ok(Array.isArray(((await versions.json()) as { versions: unknown }).versions), 'image versions');
  const imageList = await call(`${glint.urls.image}/v2/images`, { headers: { 'X-Auth-Token': token } }, 200);
  assert.ok(Array.isArray(((await imageList.json()) as { images: unknown }).images), 'image list');

  const v3 = await call(`${glint.urls.identity}/v3`, {}, 200);
  assert.equal(((await v3.json()) as { version: { id: string } }).version.id, 'v3.14');
}

/** What went wrong in the checks after the fuzzing, or null when the server answered them all. */
async function afterwards(checks: () => Promise<void>): Promise<string | null> {
  try {
    await checks();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function check(t: TestContext, label: string, result: RunResult, broken: string | null): void {
  const problems: string[] = [];
  if (broken !== null) problems.push(`the server no longer answers plain requests as it should: ${broken}`);
  if (result.failures.length > 0) {
    const summary = [...result.distinct].map(([key, n]) => `  ${n} × ${key}`).join('\n');
    const shown = result.failures.slice(0, FAILURES_SHOWN).join('\n');
    const more = result.failures.length > FAILURES_SHOWN ? `\n… and ${result.failures.length - FAILURES_SHOWN} more` : '';
    t.diagnostic(`${label} failures by kind:`);
    for (const [key, n] of result.distinct) t.diagnostic(`  ${n} × ${key}`);
    problems.push(`${result.failures.length} requests answered ≥ 500, hung or went unanswered:\n${summary}\n\n${shown}${more}`);
  }
  if (problems.length > 0) assert.fail(`${label}: ${problems.join('\n\n')}`);
}

async function fuzz(t: TestContext, label: string, glint: Glint, world: World, seed: number, count: number, secrets: Map<string, string>): Promise<RunResult> {
  const hostPorts = { compute: new URL(glint.urls.compute).host, image: new URL(glint.urls.image).host, identity: new URL(glint.urls.identity).host };
  const requests = generate(seed, count, world, hostPorts);
  assert.equal(fingerprint(generate(seed, count, world, hostPorts)), fingerprint(requests), 'the same seed and world generate the same requests');
  // What differs from run to run (tokens, ids and keys the server made, ports, times) replaced by stand-ins: the
  // fingerprint of the sequence is the same on every run of a seed.
  for (const [api, host] of Object.entries(hostPorts)) secrets.set(host, api);
  world.sdkDates.forEach((date, i) => secrets.set(date, `sdkdate${i}`));
  const sequence = fingerprint(generate(seed, count, standIns(world, secrets), standIns(hostPorts, secrets)));
  t.diagnostic(`${label}: seed ${seed}, request sequence ${sequence} (with stand-ins for tokens, ids, ports and times)`);
  const started = performance.now();
  const outcomes = await runAll(glint.urls, requests);
  return assess(t, label, requests, outcomes, performance.now() - started);
}

// ---------------------------------------------------------------------------------------------
// The runs

test('fuzz: the three APIs under --auth keystone answer no 5xx, never hang, and still answer afterwards', { timeout: 60_000 }, async (t) => {
  let started: Started | undefined;
  try {
    started = await start('keystone', 'huawei');
    const { glint } = started;
    const r = new Rand(SEED);
    const identity = glint.accounts;
    const tokenService = glint.tokens;
    const projectIds = { admin: r.hex(32), alice: r.hex(32), bob: r.hex(32) };
    const passwords = { admin: 'admin-fuzz-pw', alice: 'alice-fuzz-pw', bob: 'bob-fuzz-pw', carol: 'carol-fuzz-pw' };
    await identity.bootstrap(passwords.admin, projectIds.admin);
    await identity.createProject('p-alice', '', projectIds.alice);
    await identity.createProject('p-bob', '', projectIds.bob);
    const users = {
      admin: (await identity.findUser('admin'))!.id,
      alice: (await identity.createUser('alice', passwords.alice, projectIds.alice, ['member', 'reader'])).id,
      bob: (await identity.createUser('bob', passwords.bob, projectIds.bob, ['member', 'reader'])).id,
      carol: (await identity.createUser('carol', passwords.carol, projectIds.alice, ['reader'])).id,
      // Never named to the fuzzer, so wrong passwords cannot lock it: the last check logs in as it.
      sentinel: (await identity.createUser('sentinel-user', 'sentinel-fuzz-pw', projectIds.alice, ['member', 'reader'])).id,
    };
    const issue = async (user: string, project: string) => (await tokenService.issueFor(user, project, TOKEN_TTL_S)).token;
    const tokens = {
      admin: await issue(users.admin, projectIds.admin),
      alice: await issue(users.alice, projectIds.alice),
      bob: await issue(users.bob, projectIds.bob),
      carol: await issue(users.carol, projectIds.alice),
    };
    const unscoped = (await tokenService.login({ methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' } }, password: passwords.alice } })).value;
    const revoked = await issue(users.bob, projectIds.bob);
    await tokenService.revoke(revoked);
    const access = (await identity.createCredential(users.alice)).access;
    const disposable: string[] = [];
    for (const [user, project] of [[users.alice, projectIds.alice], [users.bob, projectIds.bob], [users.carol, projectIds.alice], [users.admin, projectIds.admin]]) {
      disposable.push(await issue(user, project), await issue(user, project));
    }
    await glint.listen();

    const { images, pool } = await seedImages(r, glint.urls.image, tokens, { bob: projectIds.bob });
    const world: World = {
      mode: 'keystone',
      projects: Object.values(projectIds),
      userIds: [users.admin, users.alice, users.bob, users.carol],
      userNames: ['admin', 'alice', 'bob', 'carol', 'nobody', 'ALICE'],
      passwords,
      valid: [
        { label: 'alice', token: tokens.alice, project: projectIds.alice },
        { label: 'bob', token: tokens.bob, project: projectIds.bob },
        { label: 'carol (reader)', token: tokens.carol, project: projectIds.alice },
        { label: 'admin', token: tokens.admin, project: projectIds.admin },
      ],
      stale: [unscoped, revoked],
      disposable,
      accessKeys: [access],
      images,
      pool,
      propertyKeys: PROPERTY_KEYS,
      tags: TAGS,
      sdkDates: sdkDates(),
    };
    const secrets = new Map<string, string>([
      ...Object.entries(tokens).map(([name, token]) => [token, `{token:${name}}`] as [string, string]),
      [unscoped, '{token:unscoped}'],
      [revoked, '{token:revoked}'],
      [access, '{access}'],
      ...disposable.map((token, i) => [token, `{token:disposable${i}}`] as [string, string]),
      ...Object.entries(users).map(([name, id]) => [id, `{user:${name}}`] as [string, string]),
    ]);
    const result = await fuzz(t, 'keystone', glint, world, SEED, KEYSTONE_REQUESTS, secrets);

    const broken = await afterwards(async () => {
      await assertStillAnswering(glint, tokens.alice, projectIds.alice);
      const login = await call(
      `${glint.urls.identity}/v3/auth/tokens`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          auth: {
            identity: { methods: ['password'], password: { user: { name: 'sentinel-user', domain: { name: 'Default' }, password: 'sentinel-fuzz-pw' } } },
            scope: { project: { id: projectIds.alice } },
          },
        }),
      },
      201,
    );
      const fresh = login.headers.get('x-subject-token');
      assert.ok(fresh, 'a login after the fuzzing issues a token');
      await call(`${glint.urls.image}/v2/images`, { headers: { 'X-Auth-Token': fresh } }, 200);
    });
    check(t, 'keystone', result, broken);
  } finally {
    await stop(started);
  }
});

test('fuzz: the three APIs under --auth noauth (openstack profile) answer no 5xx, never hang, and still answer afterwards', { timeout: 60_000 }, async (t) => {
  let started: Started | undefined;
  try {
    started = await start('noauth', 'openstack');
    const { glint } = started;
    await glint.listen();
    const r = new Rand(SEED + 1);
    const projects = { admin: r.hex(32), alice: r.hex(32), bob: r.hex(32) };
    const tokens = { admin: `admin:${projects.admin}`, alice: `alice:${projects.alice}`, bob: `bob:${projects.bob}`, carol: `carol:${projects.alice}:reader` };
    const { images, pool } = await seedImages(r, glint.urls.image, tokens, { bob: projects.bob });
    const world: World = {
      mode: 'noauth',
      projects: Object.values(projects),
      userIds: ['admin', 'alice', 'bob'],
      userNames: ['admin', 'alice'],
      passwords: {},
      valid: [
        { label: 'alice', token: tokens.alice, project: projects.alice },
        { label: 'bob', token: tokens.bob, project: projects.bob },
        { label: 'carol (reader)', token: tokens.carol, project: projects.alice },
        { label: 'admin', token: tokens.admin, project: projects.admin },
        { label: 'alice, URL-encoded', token: encodeURIComponent(tokens.alice), project: projects.alice },
      ],
      stale: ['alice', `alice:`],
      disposable: [],
      accessKeys: [],
      images,
      pool,
      propertyKeys: PROPERTY_KEYS,
      tags: TAGS,
      sdkDates: sdkDates(),
    };
    const result = await fuzz(t, 'noauth', glint, world, SEED + 1, NOAUTH_REQUESTS, new Map());
    const broken = await afterwards(() => assertStillAnswering(glint, tokens.alice, projects.alice));
    check(t, 'noauth', result, broken);
  } finally {
    await stop(started);
  }
});
