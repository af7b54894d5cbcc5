// Replays the recorded OpenStack request/response cases (cases/*.json) against
// running Glint services and reports every difference from the recordings.
// The rules match the reference runner shipped with the cases (replay.mjs);
// they live here so the project's tests do not depend on files outside it.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
export type HeaderList = [string, string][];
export type ServiceKind = 'compute' | 'image' | 'identity';
export type Targets = Partial<Record<ServiceKind, string>>;

/** One recorded request and the reference's answer (a case, or a scenario step). */
export interface Exchange {
  name?: string;
  service: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  request_body?: Json;
  request_body_text?: string;
  request_body_b64?: string;
  status: number;
  reason?: string;
  response_headers?: HeaderList;
  body?: Json;
  body_b64?: string;
  body_truncated?: { image_count?: number };
  note?: string;
}

export interface Scenario {
  name?: string;
  scenario: true;
  description?: string;
  steps: Exchange[];
}

export interface Case {
  name: string;
  /** File name inside the case directory. */
  file: string;
  /** `null` when the file could not be loaded; `error` then says why. */
  data: Exchange | Scenario | null;
  error?: string;
}

export interface CaseResult {
  name: string;
  file: string;
  passed: boolean;
  skipped: boolean;
  /** Human-readable differences (and the failure reason), empty when passed. */
  diffs: string[];
  scenario: boolean;
  /** Recorded service names the case talks to (`nova`, `glance`, ...). */
  services: string[];
  /** A recorded 5xx answered with a status < 500 (the case itself, not a step). */
  tolerated: boolean;
  request?: string;
}

export interface Report {
  results: CaseResult[];
  totals: { passed: number; failed: number; skipped: number };
}

export interface ReplayOptions {
  timeoutSeconds?: number;
}

/** Origins of the reference deployment as they appear in the recordings. */
export const RECORDED_ORIGINS: Record<ServiceKind, string> = {
  compute: 'http://127.0.0.1:8774',
  image: 'http://127.0.0.1:9292',
  identity: 'http://127.0.0.1:5000',
};

const SERVICE_KIND: Record<string, ServiceKind> = {
  nova: 'compute', compute: 'compute',
  glance: 'image', image: 'image',
  keystone: 'identity', identity: 'identity',
};

const REQUEST_ID_RE = /req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const REQUEST_ID_HEADER_RE = /^req-[0-9a-f-]{36}$/;
const TIMESTAMP_KEYS = new Set(['created_at', 'updated_at', 'created', 'updated']);
const MAX_SHOWN = 160;

/** Marks a key, header or array item that one side lacks. */
export const ABSENT = Symbol('absent');

export interface Diff {
  path: string;
  expected: unknown;
  actual: unknown;
  note?: string;
  /** "name (id)" of an id-matched array item reported as missing or unexpected. */
  label?: string;
  /** expected/actual are descriptions, not values: print them without quoting. */
  raw?: boolean;
}

// ------------------------------------------------------------------ loading

/** Every `*.json` file of `dir` not starting with `_`, in sorted file-name order. */
export function loadCases(dir: string): Case[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('_')).sort();
  return files.map((file) => {
    const fallbackName = file.replace(/\.json$/, '');
    try {
      const data: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      if (!isObject(data)) throw new Error('not a JSON object');
      const name = typeof data.name === 'string' && data.name ? data.name : fallbackName;
      return { name, file, data: data as unknown as Exchange | Scenario };
    } catch (e) {
      return { name: fallbackName, file, data: null, error: `cannot load case file: ${errorMessage(e)}` };
    }
  });
}

// ------------------------------------------------------------------ normalization

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Applies `fn` to every string of a JSON value, object keys included. */
export function deepMapStrings(v: Json, fn: (s: string) => string): Json {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => deepMapStrings(x, fn));
  if (isObject(v)) {
    const o: JsonObject = {};
    for (const [k, x] of Object.entries(v)) o[fn(k)] = deepMapStrings(x, fn);
    return o;
  }
  return v;
}

export function maskRequestIds(s: string): string {
  return s.replace(REQUEST_ID_RE, 'req-<request-id>');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces the recorded origins by the target base URLs. One regex pass, so a
 * target that happens to equal another recorded origin is not rewritten twice.
 */
export function makeUrlRewriter(targets: Targets, recorded: Record<ServiceKind, string> = RECORDED_ORIGINS): (s: string) => string {
  const map = new Map<string, string>();
  for (const kind of Object.keys(recorded) as ServiceKind[]) {
    const target = targets[kind];
    if (target) map.set(recorded[kind], stripSlash(target));
  }
  if (!map.size) return (s) => s;
  const re = new RegExp([...map.keys()].sort((a, b) => b.length - a.length).map(escapeRe).join('|'), 'g');
  return (s) => s.replace(re, (m) => map.get(m) ?? m);
}

/** Recorded ids of scenario-created images -> the ids the target uses. */
export function mapScenarioIds(s: string, idMap: ReadonlyMap<string, string>): string {
  for (const [from, to] of idMap) if (s.includes(from)) s = s.split(from).join(to);
  return s;
}

/**
 * Scenario-created images get new timestamps on every run, so their
 * timestamps are reduced to their shape: the format is still checked.
 */
export function maskScenarioTimestamps(v: Json, createdIds: ReadonlySet<string>): Json {
  if (!createdIds.size) return v;
  if (Array.isArray(v)) return v.map((x) => maskScenarioTimestamps(x, createdIds));
  if (!isObject(v)) return v;
  const mine = [v.id, v.image_id].some((x) => typeof x === 'string' && createdIds.has(x));
  const o: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    o[k] = mine && TIMESTAMP_KEYS.has(k) && typeof x === 'string'
      ? `<timestamp ${x.replace(/[0-9]/g, '9')}>`
      : maskScenarioTimestamps(x, createdIds);
  }
  return o;
}

/**
 * Large recordings keep only the first 2 and last 2 images: check the real
 * count, then cut the target's list the same way.
 */
export function applyTruncation(actual: Json, trunc: Exchange['body_truncated'], diffs: Diff[]): Json {
  if (!trunc || !isObject(actual) || !Array.isArray(actual.images)) return actual;
  const images = actual.images;
  if (typeof trunc.image_count === 'number' && images.length !== trunc.image_count) {
    diffs.push({ path: 'body.images.length', expected: trunc.image_count, actual: images.length });
  }
  if (images.length <= 4) return actual;
  return { ...actual, images: [...images.slice(0, 2), ...images.slice(-2)] };
}

// ------------------------------------------------------------------ comparison

export function headerValues(list: HeaderList | undefined, name: string): string[] {
  const n = name.toLowerCase();
  return (list ?? []).filter(([k]) => k.toLowerCase() === n).map(([, v]) => String(v));
}

export function compareStatus(expected: number, actual: number, diffs: Diff[]): void {
  if (expected !== actual) diffs.push({ path: 'status', expected, actual });
}

/**
 * A recorded 5xx is a bug of the reference that nobody should copy: any
 * answer below 500 passes (headers and body unchecked). Returns null when the
 * recording is not a 5xx.
 */
export function checkReference5xx(expected: number, actual: number, diffs: Diff[]): 'tolerated' | 'failed' | null {
  if (expected < 500) return null;
  if (actual < 500) return 'tolerated';
  diffs.push({
    path: 'status', expected: '< 500', actual, raw: true,
    note: `the reference answered ${expected}; any status < 500 passes`,
  });
  return 'failed';
}

export interface Normalizers {
  expected: (s: string) => string;
  actual: (s: string) => string;
}

const oneOrMany = (v: string[]): unknown => (v.length === 0 ? ABSENT : v.length === 1 ? v[0] : v);

export function compareHeaders(expected: HeaderList | undefined, actual: HeaderList, norm: Normalizers, diffs: Diff[]): void {
  for (const name of ['Content-Type', 'OpenStack-API-Version', 'X-OpenStack-Nova-API-Version', 'Location']) {
    const e = headerValues(expected, name).map(norm.expected);
    const a = headerValues(actual, name).map(norm.actual);
    if (e.length !== a.length || e.some((x, i) => x !== a[i])) {
      diffs.push({ path: `header ${name}`, expected: oneOrMany(e), actual: oneOrMany(a) });
    }
  }

  // Several Vary headers mean the same as one comma-joined header.
  const varySet = (l: HeaderList | undefined) => new Set(headerValues(l, 'Vary')
    .flatMap((v) => v.split(',')).map((x) => x.trim().toLowerCase()).filter(Boolean));
  const ev = varySet(expected);
  const av = varySet(actual);
  const missing = [...ev].filter((x) => !av.has(x));
  const extra = [...av].filter((x) => !ev.has(x));
  if (missing.length || extra.length) {
    const joined = (l: HeaderList | undefined) => headerValues(l, 'Vary').join(', ');
    diffs.push({
      path: 'header Vary',
      expected: ev.size ? joined(expected) : ABSENT,
      actual: av.size ? joined(actual) : ABSENT,
      note: [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : '']
        .filter(Boolean).join('; '),
    });
  }

  // Request ids are random, so only their presence, form and agreement count.
  const recorded = ['x-openstack-request-id', 'x-compute-request-id'].filter((h) => headerValues(expected, h).length);
  const got = new Map<string, string>();
  for (const h of recorded) {
    const a = headerValues(actual, h);
    if (a.length === 1 && REQUEST_ID_HEADER_RE.test(a[0])) got.set(h, a[0]);
    else diffs.push({ path: `header ${h}`, expected: 'req-<uuid>', actual: oneOrMany(a) });
  }
  if (recorded.length === 2) {
    const [first, second] = [got.get(recorded[0]), got.get(recorded[1])];
    if (first && second && first !== second) {
      diffs.push({ path: `header ${recorded[1]}`, expected: `same as ${recorded[0]} (${first})`, actual: second });
    }
  }
}

function typeOf(v: Json): string {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
}

function joinPath(p: string, k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$:-]*$/.test(k) ? `${p}.${k}` : `${p}[${JSON.stringify(k)}]`;
}

type WithId = JsonObject & { id: string };

function idLabel(o: WithId): string {
  return typeof o.name === 'string' ? `${JSON.stringify(o.name)} (${o.id})` : o.id;
}

function uniqueIds(arr: Json[]): WithId[] | null {
  if (!arr.every((x) => isObject(x) && typeof x.id === 'string')) return null;
  const items = arr as WithId[];
  return new Set(items.map((x) => x.id)).size === items.length ? items : null;
}

/**
 * Lists of objects with unique ids whose id sequences differ are matched by
 * id, so one missing image gives one line instead of a cascade of shifted
 * mismatches. Returns false when the rule does not apply.
 */
function diffIdArrays(expected: Json[], actual: Json[], p: string, out: Diff[]): boolean {
  const e = uniqueIds(expected);
  const a = uniqueIds(actual);
  if (!e || !a) return false;
  if (e.length === a.length && e.every((x, i) => x.id === a[i].id)) return false;
  const aById = new Map(a.map((x) => [x.id, x]));
  const eIds = new Set(e.map((x) => x.id));
  if (e.length !== a.length) out.push({ path: `${p}.length`, expected: e.length, actual: a.length });
  for (const m of e.filter((x) => !aById.has(x.id))) {
    out.push({ path: `${p}[id=${m.id}]`, expected: m, actual: ABSENT, label: idLabel(m) });
  }
  for (const x of a.filter((y) => !eIds.has(y.id))) {
    out.push({ path: `${p}[id=${x.id}]`, expected: ABSENT, actual: x, label: idLabel(x) });
  }
  const commonE = e.filter((x) => aById.has(x.id));
  const commonA = a.filter((x) => eIds.has(x.id));
  const k = commonE.findIndex((x, i) => x.id !== commonA[i].id);
  if (k >= 0) {
    out.push({
      path: `${p} order`, note: `order differs at common item ${k}`, raw: true,
      expected: idLabel(commonE[k]), actual: idLabel(commonA[k]),
    });
  }
  for (const x of commonE) diffJson(x, aById.get(x.id) as WithId, `${p}[id=${x.id}]`, out);
  return true;
}

/**
 * Glance keeps an image's tags in a Python set: the order it answers follows the serving process's string-hash
 * seed, so a list of tags is compared as a multiset.
 */
function isTagList(p: string, e: Json[], a: Json[]): boolean {
  return /(^|\.)tags$/.test(p) && [...e, ...a].every((x) => typeof x === 'string');
}

const sortedTags = (tags: Json[]) => (tags as string[]).slice().sort();

/** Semantic JSON diff: key order is ignored, array order is not (tag lists aside). */
export function diffJson(e: Json, a: Json, p: string, out: Diff[]): void {
  const te = typeOf(e);
  if (te !== typeOf(a)) {
    out.push({ path: p, expected: e, actual: a });
  } else if (Array.isArray(e) && Array.isArray(a)) {
    if (isTagList(p, e, a)) [e, a] = [sortedTags(e), sortedTags(a)];
    if (diffIdArrays(e, a, p, out)) return;
    const n = Math.min(e.length, a.length);
    for (let i = 0; i < n; i++) diffJson(e[i], a[i], `${p}[${i}]`, out);
    if (e.length !== a.length) {
      out.push({ path: `${p}.length`, expected: e.length, actual: a.length });
      for (let i = n; i < e.length; i++) out.push({ path: `${p}[${i}]`, expected: e[i], actual: ABSENT });
      for (let i = n; i < a.length; i++) out.push({ path: `${p}[${i}]`, expected: ABSENT, actual: a[i] });
    }
  } else if (isObject(e) && isObject(a)) {
    for (const k of Object.keys(e)) {
      if (Object.hasOwn(a, k)) diffJson(e[k], a[k], joinPath(p, k), out);
      else out.push({ path: joinPath(p, k), expected: e[k], actual: ABSENT });
    }
    for (const k of Object.keys(a)) {
      if (!Object.hasOwn(e, k)) out.push({ path: joinPath(p, k), expected: ABSENT, actual: a[k] });
    }
  } else if (e !== a) {
    out.push({ path: p, expected: e, actual: a });
  }
}

export interface ActualResponse {
  status: number;
  headers: HeaderList;
  raw: Buffer;
}

export interface ParsedBody {
  text: string;
  bytes: Buffer;
  contentType: string;
  json?: Json;
}

export function parseActualBody(resp: ActualResponse): ParsedBody {
  const text = resp.raw.toString('utf8');
  const contentType = headerValues(resp.headers, 'content-type')[0] ?? '';
  const parsed: ParsedBody = { text, bytes: resp.raw, contentType };
  if (text && contentType.toLowerCase().includes('json')) {
    try {
      parsed.json = JSON.parse(text) as Json;
    } catch {
      // not JSON after all: compared as text, or reported as "expected a JSON body"
    }
  }
  return parsed;
}

function firstDifference<T>(e: ArrayLike<T>, a: ArrayLike<T>): number {
  let i = 0;
  while (i < e.length && i < a.length && e[i] === a[i]) i++;
  return i;
}

export function compareBody(c: Exchange, actual: ParsedBody, norm: Normalizers, createdIds: ReadonlySet<string>, diffs: Diff[]): void {
  const exp = c.body;
  if ((exp === null || exp === undefined) && typeof c.body_b64 === 'string') {
    const e = Buffer.from(c.body_b64, 'base64');
    if (!e.equals(actual.bytes)) {
      diffs.push({
        path: 'body (bytes)', note: `first difference at byte ${firstDifference(e, actual.bytes)}`, raw: true,
        expected: `${e.length} bytes`, actual: `${actual.bytes.length} bytes`,
      });
    }
    return;
  }
  if (exp !== null && typeof exp === 'object') {
    if (actual.json === undefined) {
      diffs.push({
        path: 'body', note: 'expected a JSON body', raw: true, expected: 'JSON',
        actual: `${actual.contentType || 'no Content-Type'} ${JSON.stringify(actual.text)}`,
      });
      return;
    }
    let e = deepMapStrings(exp, norm.expected);
    let a = deepMapStrings(actual.json, norm.actual);
    a = applyTruncation(a, c.body_truncated, diffs);
    e = maskScenarioTimestamps(e, createdIds);
    a = maskScenarioTimestamps(a, createdIds);
    diffJson(e, a, 'body', diffs);
    return;
  }
  const e = norm.expected(exp === null || exp === undefined ? '' : String(exp)).trim();
  const a = norm.actual(actual.text).trim();
  if (e !== a) {
    diffs.push({ path: 'body (text)', expected: e, actual: a, note: `first difference at character ${firstDifference(e, a)}` });
  }
}

// ------------------------------------------------------------------ HTTP

/**
 * Serializes like Python's json.dumps with its defaults (", " and ": "
 * separators, ensure_ascii), so the bytes sent equal the recorded request.
 */
export function pythonJsonDumps(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string') {
    const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
    let s = '"';
    for (let i = 0; i < v.length; i++) {
      const ch = v[i];
      const code = v.charCodeAt(i);
      // Per UTF-16 code unit, so characters beyond the BMP become surrogate
      // pairs as in Python; like Python, DEL (0x7f) is escaped too.
      if (named[ch]) s += named[ch];
      else if (code < 0x20 || code >= 0x7f) s += '\\u' + code.toString(16).padStart(4, '0');
      else s += ch;
    }
    return s + '"';
  }
  if (Array.isArray(v)) return '[' + v.map(pythonJsonDumps).join(', ') + ']';
  return '{' + Object.entries(v).map(([k, x]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(x)}`).join(', ') + '}';
}

function requestBody(c: Exchange): Buffer | null {
  if (typeof c.request_body_b64 === 'string') return Buffer.from(c.request_body_b64, 'base64');
  if (typeof c.request_body_text === 'string') return Buffer.from(c.request_body_text, 'utf8');
  if (c.request_body === undefined) return null;
  return Buffer.from(pythonJsonDumps(c.request_body), 'utf8');
}

interface OutgoingRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

function stripSlash(u: string): string {
  let end = u.length;
  while (u[end - 1] === '/') end--;
  return u.slice(0, end);
}

/**
 * Sends exactly the recorded request on a fresh connection. Never rejects:
 * a transport failure comes back as `{ error }`.
 */
export function sendRequest(baseUrl: string, r: OutgoingRequest, timeoutMs: number): Promise<ActualResponse | { error: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (v: ActualResponse | { error: string }) => {
      if (!settled) { settled = true; clearTimeout(timer); resolve(v); }
    };
    const timer = setTimeout(() => {
      req?.destroy(new Error(`no complete response within ${timeoutMs / 1000} s`));
    }, timeoutMs);

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) if (k.toLowerCase() !== 'host') headers[k] = v;
    const has = (n: string) => Object.keys(headers).some((k) => k.toLowerCase() === n);
    if (!has('content-length') && (r.body || ['POST', 'PUT', 'PATCH'].includes(r.method))) {
      headers['Content-Length'] = String(r.body?.length ?? 0);
    }
    if (!has('connection')) headers.Connection = 'close';

    let req: http.ClientRequest | undefined;
    try {
      const base = new URL(baseUrl);
      if (base.protocol !== 'http:') throw new Error(`unsupported protocol ${base.protocol}`);
      req = http.request({
        hostname: base.hostname,
        port: base.port || 80,
        method: r.method,
        path: stripSlash(base.pathname) + r.path,
        headers,
        agent: false, // a fresh connection per request, as recorded
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const headerList: HeaderList = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headerList.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          finish({ status: res.statusCode ?? 0, headers: headerList, raw: Buffer.concat(chunks) });
        });
        res.on('error', (e) => finish({ error: `response error: ${e.message}` }));
      });
    } catch (e) {
      finish({ error: `request not sent: ${errorMessage(e)}` });
      return;
    }
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: `request failed: ${e.code ? e.code + ' ' : ''}${e.message}` }));
    req.end(r.body ?? undefined);
  });
}

// ------------------------------------------------------------------ running

interface StepContext {
  scenario: boolean;
  /** recorded image id -> target image id, for images the scenario created */
  idMap: Map<string, string>;
  createdIds: Set<string>;
  creates: number;
}

interface StepOutcome {
  result: 'pass' | 'fail' | 'skip';
  reason?: string;
  diffs: Diff[];
  request?: string;
  tolerated?: boolean;
}

interface Run {
  targets: Targets;
  timeoutMs: number;
  rewriteUrls: (s: string) => string;
}

function kindOf(c: Exchange): ServiceKind | undefined {
  return SERVICE_KIND[String(c.service ?? '').toLowerCase()];
}

function isImageCreate(c: Exchange): boolean {
  return String(c.method ?? 'GET').toUpperCase() === 'POST' && /^\/v2\/images\/?$/.test(String(c.path).split('?')[0]);
}

/**
 * A create that chose its own id is sent with a fresh uuid instead, since
 * the recorded id may already exist (even deleted) in the target; the id is
 * pinned before sending. Returns whether it was pinned; when not, the id is
 * learnt from the answer.
 */
function pinCreatedImageId(c: Exchange, ctx: StepContext): boolean {
  ctx.creates += 1;
  const chosen = isObject(c.request_body) && typeof c.request_body.id === 'string' ? c.request_body.id : null;
  if (!chosen) return false;
  if (ctx.idMap.has(chosen)) return true;
  if (c.status < 200 || c.status >= 300) return false;
  const fresh = randomUUID();
  ctx.idMap.set(chosen, fresh);
  ctx.createdIds.add(fresh);
  return true;
}

async function runStep(c: Exchange, ctx: StepContext, run: Run): Promise<StepOutcome> {
  const diffs: Diff[] = [];
  const kind = kindOf(c);
  if (!kind) return { result: 'fail', reason: `unknown service ${JSON.stringify(c.service)}`, diffs };
  const target = run.targets[kind];
  if (!target) return { result: 'skip', reason: `no ${kind} URL given`, diffs };

  const creating = ctx.scenario && isImageCreate(c);
  const pinned = creating && pinCreatedImageId(c, ctx);
  const mapIds = (s: string) => mapScenarioIds(s, ctx.idMap);
  const method = String(c.method ?? 'GET').toUpperCase();
  const reqPath = mapIds(String(c.path));
  const request = `${method} ${reqPath}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers ?? {})) headers[k] = mapIds(String(v));
  const body = requestBody({
    ...c,
    request_body: c.request_body === undefined ? undefined : deepMapStrings(c.request_body, mapIds),
    request_body_text: c.request_body_text === undefined ? undefined : mapIds(c.request_body_text),
  });

  const resp = await sendRequest(target, { method, path: reqPath, headers, body }, run.timeoutMs);
  if ('error' in resp) return { result: 'fail', reason: resp.error, diffs, request };
  if (creating && !pinned && isObject(c.body) && typeof c.body.id === 'string' && c.status < 500) {
    const actual = parseActualBody(resp);
    if (isObject(actual.json) && typeof actual.json.id === 'string') {
      ctx.idMap.set(c.body.id, actual.json.id);
      ctx.createdIds.add(actual.json.id);
    } else {
      diffs.push({
        path: 'body.id', expected: c.body.id, actual: ABSENT,
        note: `image create #${ctx.creates}: no id in the response, later steps keep the recorded id`,
      });
    }
  }
  const norm: Normalizers = {
    expected: (s) => maskRequestIds(run.rewriteUrls(mapIds(s))),
    actual: maskRequestIds,
  };
  const tolerated = compareAnswer(c, resp, norm, ctx.createdIds, diffs);
  return { result: diffs.length ? 'fail' : 'pass', tolerated, diffs, request };
}

/**
 * Compares an answer with the expected one by every rule above (status, the reference-5xx rule, headers, body),
 * adding the differences to `diffs`; true when the expected answer was a 5xx that the actual one tolerably avoided.
 */
export function compareAnswer(c: Exchange, resp: ActualResponse, norm: Normalizers, createdIds: ReadonlySet<string>, diffs: Diff[]): boolean {
  const ref5xx = checkReference5xx(c.status, resp.status, diffs);
  if (ref5xx) return ref5xx === 'tolerated';
  compareStatus(c.status, resp.status, diffs);
  compareHeaders(c.response_headers, resp.headers, norm, diffs);
  compareBody(c, parseActualBody(resp), norm, createdIds, diffs);
  return false;
}

function show(v: unknown): string {
  if (v === ABSENT) return '(absent)';
  return cut(JSON.stringify(v) ?? String(v));
}

function cut(s: string): string {
  return s.length > MAX_SHOWN ? s.slice(0, MAX_SHOWN) + '…' : s;
}

export function renderDiff(d: Diff): string {
  const note = d.note ? ` (${d.note})` : '';
  if (d.raw) return `${d.path}${note}: expected ${cut(String(d.expected))}, got ${cut(String(d.actual))}`;
  if (d.label && d.actual === ABSENT) return `${d.path}: missing ${d.label}`;
  if (d.label && d.expected === ABSENT) return `${d.path}: unexpected ${d.label}`;
  if (d.actual === ABSENT) return `${d.path}: missing${note}, expected ${show(d.expected)}`;
  if (d.expected === ABSENT) return `${d.path}: unexpected${note}, got ${show(d.actual)}`;
  return `${d.path}${note}: expected ${show(d.expected)}, got ${show(d.actual)}`;
}

function stepLines(o: StepOutcome): string[] {
  return [...(o.reason ? [o.reason] : []), ...o.diffs.map(renderDiff)];
}

function isScenario(data: Exchange | Scenario): data is Scenario {
  return (data as Scenario).scenario === true;
}

async function runCase(c: Case, run: Run): Promise<CaseResult> {
  const result: CaseResult = {
    name: c.name, file: c.file, passed: false, skipped: false, diffs: [],
    scenario: false, services: [], tolerated: false,
  };
  const data = c.data;
  if (!data) return { ...result, diffs: [c.error ?? 'cannot load case file'] };
  const fresh = (scenario: boolean): StepContext => ({ scenario, idMap: new Map(), createdIds: new Set(), creates: 0 });

  if (!isScenario(data)) {
    const o = await runStep(data, fresh(false), run);
    return {
      ...result, services: [String(data.service)], request: o.request, tolerated: o.tolerated === true,
      passed: o.result === 'pass', skipped: o.result === 'skip', diffs: stepLines(o),
    };
  }

  const steps = Array.isArray(data.steps) ? data.steps : [];
  result.scenario = true;
  result.services = [...new Set(steps.map((s) => String(s.service)))];
  if (!steps.length) return { ...result, diffs: ['scenario has no steps'] };
  // Every step runs even after a failure, so the clean-up steps at the end still happen.
  const ctx = fresh(true);
  const outcomes: StepOutcome[] = [];
  for (const step of steps) outcomes.push(await runStep(step, ctx, run));

  outcomes.forEach((o, i) => {
    if (o.result === 'pass') return;
    const name = steps[i].name ?? `step ${i + 1}`;
    result.diffs.push(`step ${i + 1} ${name}: ${o.request ?? ''}${o.result === 'skip' ? ' [skipped]' : ''}`);
    result.diffs.push(...stepLines(o).map((l) => '  ' + l));
  });
  const failed = outcomes.filter((o) => o.result === 'fail').length;
  const skipped = outcomes.filter((o) => o.result === 'skip');
  if (failed) result.diffs.unshift(`${failed} of ${steps.length} steps failed`);
  else if (skipped.length === steps.length) return { ...result, skipped: true, diffs: [skipped[0].reason ?? 'skipped'] };
  else if (skipped.length) result.diffs.unshift(`${skipped.length} of ${steps.length} steps could not run (${skipped[0].reason})`);
  else result.passed = true;
  return result;
}

/** Replays the cases in the given order against the targets. */
export async function replay(cases: Case[], targets: Targets, opts: ReplayOptions = {}): Promise<Report> {
  const cleanTargets: Targets = {};
  for (const kind of Object.keys(RECORDED_ORIGINS) as ServiceKind[]) {
    const t = targets[kind];
    if (t) cleanTargets[kind] = stripSlash(t);
  }
  const run: Run = {
    targets: cleanTargets,
    timeoutMs: (opts.timeoutSeconds ?? 10) * 1000,
    rewriteUrls: makeUrlRewriter(cleanTargets),
  };
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, run));
  const skipped = results.filter((r) => r.skipped).length;
  const passed = results.filter((r) => r.passed).length;
  return { results, totals: { passed, failed: results.length - passed - skipped, skipped } };
}
