// The compute image API through `inject` on the compute listener: profiles, the seed list and
// its filters, paging, views, writes, and requests that must be refused in the API's own format.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { LIST_BATCH } from '../src/catalog/service.js';
import { importCatalog, toReference } from '../src/catalog/transfer.js';
import { newImage } from '../src/catalog/image.js';
import { REFERENCE_CATALOG_FORMAT, type ReferenceCatalog, type ReferenceImage } from '../src/catalog/reference-catalog.js';
import { DEMO_PROJECTS, demoCatalog } from '../src/cli/demo-catalog.js';

type ProfileName = 'huawei' | 'openstack';

/** The Host header every injected request carries; links are built from it. */
const HOST = 'compute.example:8774';
const ORIGIN = `http://${HOST}`;
const { demo: DEMO, admin: ADMIN, other: OTHER } = DEMO_PROJECTS;
const TOKENS = { demo: `demo:${DEMO}`, admin: `admin:${ADMIN}` };
const ALTERNATE_TYPE = 'application/vnd.openstack.image';
const MAX_VERSION: Record<ProfileName, string> = { huawei: '2.60', openstack: '2.93' };
/** Glint's request body limit (the listener default); anything larger must be a 413. */
const BODY_LIMIT = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Servers and catalogs

interface Server {
  glint: Glint;
  dir: string;
}

async function startServer(profile: ProfileName, catalog: ReferenceCatalog, options: { listen?: boolean } = {}): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'glint-compute-api-'));
  // An empty environment, so GLINT_* variables of the shell running the tests change nothing.
  const config = loadConfig({ profile, auth: 'noauth', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {});
  const glint = await createGlint(config);
  await importCatalog(catalog, glint.storage.images, glint.blobs);
  if (options.listen) await glint.listen();
  return { glint, dir };
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await server.glint.close();
  rmSync(server.dir, { recursive: true, force: true });
}

/** A `reference-catalog/1` image owned by `owner`, with every field the format requires. */
function refImage(fields: Partial<ReferenceImage> & { id: string; created_at: string }, owner: string = DEMO): ReferenceImage {
  const image = { ...newImage(fields.id, owner, fields.created_at), status: 'active', visibility: 'private', disk_format: 'raw', container_format: 'bare' } as const;
  return { ...toReference(image), ...fields };
}

function catalogOf(images: ReferenceImage[]): ReferenceCatalog {
  return { format: REFERENCE_CATALOG_FORMAT, images };
}

/** Deterministic UUIDs for hand-built catalogs. */
function uuid(n: number, group = 0): string {
  return `00000000-0000-4000-8${String(group).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;
}

/** A catalog timestamp (microseconds, `Z`) `seconds` after a fixed instant. */
function timestamp(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString().replace('Z', '000Z');
}

const newestFirst = (a: ReferenceImage, b: ReferenceImage) =>
  a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

/** What the reference lists for a non-admin project: public, own, and accepted shares; never killed, deleted or hidden. */
function listedFor(project: string, images: ReferenceImage[]): ReferenceImage[] {
  return images
    .filter((i) => !i.deleted && i.status !== 'killed' && !i.os_hidden)
    .filter(
      (i) =>
        i.visibility === 'public' ||
        i.owner === project ||
        (i.visibility === 'shared' && i.members.some((m) => m.member === project && m.status === 'accepted')),
    )
    .sort(newestFirst);
}

function demoImage(name: string): ReferenceImage {
  const image = demoCatalog('huawei').images.find((i) => i.name === name);
  assert.ok(image, `the demo catalog has no image named ${name}`);
  return image;
}

const DEMO_IMAGES = {
  golden: demoImage('webapp-golden-2026.06'),
  queued: demoImage('webapp-golden-2026.11'),
  cirros: demoImage('cirros-0.6.2-x86_64-disk'),
  jammy: demoImage('Ubuntu 22.04 LTS (Jammy Jellyfish)'),
  sharedAccepted: demoImage('postgresql-16-appliance'),
  sharedPending: demoImage('gitlab-runner-17'),
  otherPrivate: demoImage('ci-build-cache'),
};

// ---------------------------------------------------------------------------------------------
// Requests

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Request {
  method?: Method;
  url: string;
  /** X-Auth-Token; the demo project's by default, none when null. */
  token?: string | null;
  headers?: Record<string, string>;
  /** Sent as is when text or bytes, else as JSON. */
  body?: string | Buffer | object;
}

/** The parts of a response the assertions look at; both injected and raw-socket responses have them. */
interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

function send(glint: Glint, request: Request): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { host: HOST };
  if (request.token !== null) headers['x-auth-token'] = request.token ?? TOKENS.demo;
  let payload: string | Buffer | undefined;
  if (request.body !== undefined) {
    payload = typeof request.body === 'string' || Buffer.isBuffer(request.body) ? request.body : JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  return glint.compute.inject({ method: request.method ?? 'GET', url: request.url, headers: { ...headers, ...request.headers }, payload });
}

function parseJson(answer: Answer): unknown {
  try {
    return JSON.parse(answer.body);
  } catch (err) {
    assert.fail(`body is not JSON (${(err as Error).message}): ${answer.body.slice(0, 200)}`);
  }
}

/** A 200 JSON answer, parsed. */
async function getJson<T = Record<string, unknown>>(glint: Glint, url: string, token?: string): Promise<T> {
  const res = await send(glint, { url, token });
  assert.equal(res.statusCode, 200, `GET ${url.slice(0, 200)}: ${res.body.slice(0, 300)}`);
  return parseJson(res) as T;
}

const project = (path: string) => `/v2.1/${DEMO}${path}`;
const imagePath = (id: string, rest = '') => project(`/images/${id}${rest}`);
const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

interface Link {
  rel: string;
  href: string;
  type?: string;
}
interface BasicImage {
  id: string;
  name: string | null;
  links: Link[];
}
interface DetailedImage extends BasicImage {
  minRam: number;
  minDisk: number;
  metadata: Record<string, unknown>;
  created: string;
  updated: string;
  status: string;
  progress: number;
  'OS-EXT-IMG-SIZE:size': number;
  server?: { id: string; links: Link[] };
  'OS-DCF:diskConfig'?: string;
}
interface ImageList<T = BasicImage> {
  images: T[];
  images_links?: Link[];
}

const ids = (list: { id: string }[]) => list.map((i) => i.id);

/** Follows `images_links` from `start` until a page has none; every page is returned. */
async function walk(glint: Glint, start: string): Promise<ImageList[]> {
  const pages: ImageList[] = [];
  let url: string | null = start;
  while (url !== null) {
    assert.ok(pages.length < 100, 'pagination does not end');
    const page: ImageList = await getJson<ImageList>(glint, url);
    pages.push(page);
    const next = page.images_links?.find((l) => l.rel === 'next');
    if (next) {
      assert.ok(next.href.startsWith(ORIGIN + start.split('?')[0] + '?'), `next link ${next.href} leaves ${start}`);
      const href = new URL(next.href);
      url = href.pathname + href.search;
    } else url = null;
  }
  return pages;
}

// ---------------------------------------------------------------------------------------------
// Error formats

/** Nova's fault key for each status (`nova/api/openstack/wsgi.py`); others are computeFault. */
const FAULT_KEYS: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
};
const WEBOB_404 = '404 Not Found\n\nThe resource could not be found.\n\n   ';

function describeAnswer(answer: Answer): string {
  return `${answer.statusCode} ${String(answer.headers['content-type'])} ${answer.body.slice(0, 300)}`;
}

/** `{"<fault key>": {"code": <status>, "message": "…"}}` as JSON with a charset, as Nova renders faults. */
function assertFault(answer: Answer, status: number, message?: string | RegExp): void {
  assert.equal(answer.statusCode, status, describeAnswer(answer));
  assert.equal(answer.headers['content-type'], 'application/json; charset=UTF-8', describeAnswer(answer));
  const key = FAULT_KEYS[status] ?? 'computeFault';
  const body = parseJson(answer) as Record<string, { code: unknown; message: unknown }>;
  assert.deepEqual(Object.keys(body), [key], describeAnswer(answer));
  assert.deepEqual(Object.keys(body[key]), ['code', 'message']);
  assert.equal(body[key].code, status);
  assert.equal(typeof body[key].message, 'string');
  if (typeof message === 'string') assert.equal(body[key].message, message);
  else if (message) assert.match(body[key].message as string, message);
}

function assertWebob404(answer: Answer): void {
  assert.equal(answer.statusCode, 404, describeAnswer(answer));
  assert.equal(answer.headers['content-type'], 'text/plain; charset=UTF-8');
  assert.equal(answer.body, WEBOB_404);
}

/** keystonemiddleware's 401, which comes before any routing. */
function assertUnauthorized(answer: Answer): void {
  assert.equal(answer.statusCode, 401, describeAnswer(answer));
  assert.deepEqual(parseJson(answer), {
    error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
  });
  assert.match(String(answer.headers['www-authenticate']), /^Keystone uri="http:\/\//);
}

/**
 * Whatever went wrong, the client gets a 4xx in one of the API's own formats: a Nova fault, webob's
 * routing 404 page, or the auth middleware's 401. A framework's own error body is none of these.
 */
function assertApiError(answer: Answer): void {
  assert.ok(answer.statusCode >= 400 && answer.statusCode < 500, `expected a 4xx: ${describeAnswer(answer)}`);
  if (answer.statusCode === 401) return assertUnauthorized(answer);
  if (answer.statusCode === 404 && String(answer.headers['content-type']).startsWith('text/plain')) {
    return assertWebob404(answer);
  }
  // A request the HTTP parser refuses never reaches an API: it gets webob's plain 400 page.
  if (String(answer.headers['content-type']).startsWith('text/plain')) {
    assert.equal(answer.statusCode, 400, describeAnswer(answer));
    assert.match(answer.body, /^400 Bad Request\n\n.+\n\n {3}$/);
    return;
  }
  assertFault(answer, answer.statusCode);
}

// ---------------------------------------------------------------------------------------------
// Profiles

for (const profile of ['huawei', 'openstack'] as const) {
  describe(`${profile} profile`, () => {
    const max = MAX_VERSION[profile];
    const [major, minor] = max.split('.').map(Number);
    const beyond = `${major}.${minor + 1}`;
    const { cirros } = DEMO_IMAGES;
    let server: Server;
    before(async () => {
      server = await startServer(profile, demoCatalog(profile), { listen: true });
    });
    after(() => stopServer(server));

    it(profile === 'huawei' ? 'puts the project into the alternate link' : 'keeps the project out of the alternate link', async () => {
      const imagePort = new URL(server.glint.urls.image).port;
      const alternate =
        profile === 'huawei'
          ? `http://compute.example:${imagePort}/${DEMO}/images/${cirros.id}`
          : `http://compute.example:${imagePort}/images/${cirros.id}`;
      const expected: Link[] = [
        { rel: 'self', href: `${ORIGIN}/v2.1/${DEMO}/images/${cirros.id}` },
        { rel: 'bookmark', href: `${ORIGIN}/${DEMO}/images/${cirros.id}` },
        { rel: 'alternate', type: ALTERNATE_TYPE, href: alternate },
      ];
      const shown = await getJson<{ image: DetailedImage }>(server.glint, imagePath(cirros.id));
      assert.deepEqual(shown.image.links, expected);
      const listed = await getJson<ImageList>(server.glint, project(`/images?${query({ name: cirros.name! })}`));
      assert.deepEqual(listed.images, [{ id: cirros.id, name: cirros.name, links: expected }]);
    });

    it(`accepts microversion ${max} and refuses ${beyond} with 406`, async () => {
      const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });

      const document = await send(server.glint, { url: '/v2.1', token: null, headers: at(max) });
      assert.equal(document.statusCode, 200);
      assert.equal(document.headers['openstack-api-version'], `compute ${max}`);
      assert.equal(document.headers['x-openstack-nova-api-version'], max);

      // Accepted, but the image proxy ends at 2.35: the action is reported as missing.
      const images = await send(server.glint, { url: project('/images'), headers: at(max) });
      assertFault(images, 404, 'The resource could not be found.');
      assert.equal(images.headers['openstack-api-version'], `compute ${max}`);

      for (const url of ['/v2.1', project('/images')]) {
        const refused = await send(server.glint, { url, headers: at(beyond) });
        assertFault(refused, 406, `Version ${beyond} is not supported by the API. Minimum is 2.1 and maximum is ${max}.`);
      }
    });

    it('answers `latest` with 404 on every image route', async () => {
      const latest = { 'OpenStack-API-Version': 'compute latest' };
      for (const url of [project('/images'), project('/images/detail'), imagePath(cirros.id), imagePath(cirros.id, '/metadata')]) {
        const res = await send(server.glint, { url, headers: latest });
        assertFault(res, 404, 'The resource could not be found.');
        assert.equal(res.headers['openstack-api-version'], `compute ${max}`, url);
      }
    });

    it(`reports ${max} in the version documents`, async () => {
      const root = await getJson<{ versions: { id: string; version: string; min_version: string }[] }>(server.glint, '/');
      assert.deepEqual(
        root.versions.map(({ id, version, min_version }) => ({ id, version, min_version })),
        [
          { id: 'v2.0', version: '', min_version: '' },
          { id: 'v2.1', version: max, min_version: '2.1' },
        ],
      );
      const v21 = await send(server.glint, { url: '/v2.1', token: null });
      assert.equal(v21.statusCode, 200);
      assert.equal((JSON.parse(v21.body) as { version: { version: string } }).version.version, max);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The seed request: list, filters, paging

describe('GET /v2.1/{project}/images (the seed request)', () => {
  const catalog = demoCatalog('huawei');
  const listed = listedFor(DEMO, catalog.images);
  let server: Server;
  before(async () => {
    server = await startServer('huawei', catalog);
  });
  after(() => stopServer(server));

  it('lists every image the project may see, newest first, as id, name and links only', async () => {
    const body = await getJson<ImageList>(server.glint, project('/images'));
    assert.deepEqual(ids(body.images), ids(listed));
    assert.ok(!('images_links' in body), 'a short list has no next link');
    for (const image of body.images) assert.deepEqual(Object.keys(image), ['id', 'name', 'links']);
    const shown = new Set(ids(body.images));
    assert.ok(!shown.has(DEMO_IMAGES.otherPrivate.id), "another project's private image is listed");
    assert.ok(!shown.has(DEMO_IMAGES.sharedPending.id), 'a share the project has not accepted is listed');
    assert.ok(shown.has(DEMO_IMAGES.sharedAccepted.id), 'an accepted share is missing');
  });

  const FILTERS: { params: Record<string, string>; selects: (i: ReferenceImage) => boolean }[] = [
    { params: { name: 'Debian 12 (bookworm)' }, selects: (i) => i.name === 'Debian 12 (bookworm)' },
    { params: { name: 'debian 12 (bookworm)' }, selects: () => false },
    { params: { status: 'ACTIVE' }, selects: (i) => i.status === 'active' },
    { params: { status: 'queued' }, selects: (i) => i.status === 'queued' },
    { params: { status: 'deactivated' }, selects: (i) => i.status === 'deactivated' },
    // The filter is the Glance status: SAVING means `saving`, which a queued image is not.
    { params: { status: 'SAVING' }, selects: (i) => i.status === 'saving' },
    { params: { status: 'ERROR' }, selects: () => false },
    { params: { 'changes-since': '2026-06-01T00:00:00Z' }, selects: (i) => i.updated_at >= '2026-06-01T00:00:00' },
    { params: { 'changes-since': '2026-06-01' }, selects: (i) => i.updated_at >= '2026-06-01' },
    { params: { 'changes-since': '2026-06-01T02:00:00+02:00' }, selects: (i) => i.updated_at >= '2026-06-01T00:00:00' },
    { params: { minRam: '2048' }, selects: (i) => i.min_ram === 2048 },
    { params: { minRam: '512' }, selects: (i) => i.min_ram === 512 },
    { params: { minRam: 'abc' }, selects: () => false },
    { params: { minDisk: '3' }, selects: (i) => i.min_disk === 3 },
    { params: { minDisk: '-1' }, selects: () => false },
    { params: { status: 'active', minDisk: '10' }, selects: (i) => i.status === 'active' && i.min_disk === 10 },
  ];
  for (const { params, selects } of FILTERS) {
    const label = Object.entries(params).map(([k, v]) => `${k}=${v}`).join('&');
    it(`filters by ${label}`, async () => {
      const expected = ids(listed.filter(selects));
      for (const view of ['/images', '/images/detail']) {
        const body = await getJson<ImageList>(server.glint, project(`${view}?${query(params)}`));
        assert.deepEqual(ids(body.images), expected, view);
      }
    });
  }

  it('selects something with each kind of filter (the table above is not vacuous)', () => {
    for (const key of ['name', 'status', 'changes-since', 'minRam', 'minDisk']) {
      const filters = FILTERS.filter((f) => key in f.params);
      assert.ok(filters.some((f) => listed.some(f.selects)), key);
      assert.ok(filters.some((f) => listed.some((i) => !f.selects(i))), key);
    }
  });

  it('adds a next link exactly when the page is full, and the links walk every image once', async () => {
    for (const view of ['/images', '/images/detail']) {
      for (const limit of [1, 4, 5, listed.length, listed.length + 1]) {
        const pages = await walk(server.glint, project(`${view}?limit=${limit}`));
        const where = `${view} limit=${limit}`;
        for (const page of pages) {
          assert.equal('images_links' in page, page.images.length === limit, where);
          if (page.images_links) assert.equal(page.images_links.length, 1, where);
        }
        assert.deepEqual(ids(pages.flatMap((p) => p.images)), ids(listed), where);
        // A walk whose last page was full ends with one more, empty, page.
        const expectedPages = Math.floor(listed.length / limit) + 1;
        assert.equal(pages.length, expectedPages, where);
      }
    }
  });

  it('keeps the filters in the next link', async () => {
    const actives = listed.filter((i) => i.status === 'active');
    const pages = await walk(server.glint, project('/images/detail?status=active&limit=3'));
    assert.deepEqual(ids(pages.flatMap((p) => p.images)), ids(actives));
    const first = pages[0].images_links![0].href;
    assert.equal(first, `${ORIGIN}/v2.1/${DEMO}/images/detail?limit=3&status=active&marker=${actives[2].id}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Detail view

describe('detail and show views', () => {
  const SERVER_ID = 'a4a0a1b2-0000-4000-8000-00000000beef';
  const image = (n: number, fields: Partial<ReferenceImage>) => refImage({ id: uuid(n, 1), created_at: timestamp(n), ...fields });
  const IMAGES = {
    active: image(1, {
      name: 'active',
      size: 1024,
      min_ram: 512,
      min_disk: 2,
      properties: { auto_disk_config: 'True', instance_uuid: SERVER_ID, os_distro: 'debian' },
    }),
    queued: image(2, { name: 'queued', status: 'queued' }),
    saving: image(3, { name: 'saving', status: 'saving' }),
    deactivated: image(4, { name: 'deactivated', status: 'deactivated', size: 10, properties: { auto_disk_config: 'false' } }),
    killed: image(5, { name: 'killed', status: 'killed' }),
  };
  const STATUS: Record<keyof typeof IMAGES, [string, number]> = {
    active: ['ACTIVE', 100],
    queued: ['SAVING', 25],
    saving: ['SAVING', 50],
    deactivated: ['UNKNOWN', 0],
    killed: ['ERROR', 0],
  };
  const DETAIL_KEYS = ['id', 'name', 'minRam', 'minDisk', 'metadata', 'created', 'updated', 'status', 'progress', 'OS-EXT-IMG-SIZE:size', 'links'];
  let server: Server;
  before(async () => {
    server = await startServer('openstack', catalogOf(Object.values(IMAGES)));
  });
  after(() => stopServer(server));

  const show = async (ref: ReferenceImage) => (await getJson<{ image: DetailedImage }>(server.glint, imagePath(ref.id))).image;

  it('lists every image but the killed one, each with exactly the documented keys in order', async () => {
    const body = await getJson<ImageList<DetailedImage>>(server.glint, project('/images/detail'));
    assert.deepEqual(ids(body.images), ids([IMAGES.deactivated, IMAGES.saving, IMAGES.queued, IMAGES.active]));
    for (const entry of body.images) {
      const optional = entry.id === IMAGES.active.id ? ['server', 'OS-DCF:diskConfig'] : entry.id === IMAGES.deactivated.id ? ['OS-DCF:diskConfig'] : [];
      assert.deepEqual(Object.keys(entry), [...DETAIL_KEYS, ...optional], entry.name ?? entry.id);
      assert.match(entry.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(entry.updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it('maps each image-service status to the compute status and progress (killed only by show)', async () => {
    const detail = await getJson<ImageList<DetailedImage>>(server.glint, project('/images/detail'));
    for (const [key, [status, progress]] of Object.entries(STATUS)) {
      const ref = IMAGES[key as keyof typeof IMAGES];
      const shown = await show(ref);
      assert.deepEqual([shown.status, shown.progress], [status, progress], `show ${key}`);
      const listedEntry = detail.images.find((i) => i.id === ref.id);
      if (key === 'killed') assert.equal(listedEntry, undefined);
      else assert.deepEqual([listedEntry?.status, listedEntry?.progress], [status, progress], `detail ${key}`);
    }
  });

  it('shows the image attributes, `server` from instance_uuid and `OS-DCF:diskConfig` from auto_disk_config', async () => {
    const active = await show(IMAGES.active);
    assert.deepEqual(
      active,
      {
        id: IMAGES.active.id,
        name: 'active',
        minRam: 512,
        minDisk: 2,
        metadata: { auto_disk_config: 'True', instance_uuid: SERVER_ID, os_distro: 'debian' },
        created: '2025-01-01T00:00:01Z',
        updated: '2025-01-01T00:00:01Z',
        status: 'ACTIVE',
        progress: 100,
        'OS-EXT-IMG-SIZE:size': 1024,
        // The links themselves are the profile tests' subject.
        links: active.links,
        server: {
          id: SERVER_ID,
          links: [
            { rel: 'self', href: `${ORIGIN}/v2.1/${DEMO}/servers/${SERVER_ID}` },
            { rel: 'bookmark', href: `${ORIGIN}/${DEMO}/servers/${SERVER_ID}` },
          ],
        },
        'OS-DCF:diskConfig': 'AUTO',
      },
    );
    assert.equal((await show(IMAGES.deactivated))['OS-DCF:diskConfig'], 'MANUAL');
    const queued = await show(IMAGES.queued);
    assert.equal(queued['OS-EXT-IMG-SIZE:size'], 0, 'a queued image without data has size 0');
    assert.ok(!('server' in queued) && !('OS-DCF:diskConfig' in queued));
  });
});

// ---------------------------------------------------------------------------------------------
// Lists larger than one store batch

describe('a list of 2,500 visible images', () => {
  const VISIBLE = 2500;
  // Large enough per image that the detail list outgrows the buffered response and streams.
  const padding = 'p'.repeat(2000);
  const visible = Array.from({ length: VISIBLE }, (_, n) =>
    refImage({ id: uuid(n, 2), name: `bulk-${n}`, created_at: timestamp(n), properties: { padding } }),
  );
  const hidden = Array.from({ length: 20 }, (_, n) => refImage({ id: uuid(n, 3), created_at: timestamp(n * 100 + 50) }, OTHER));
  const expected = ids([...visible].sort(newestFirst));
  let server: Server;
  before(async () => {
    assert.ok(VISIBLE > 2 * LIST_BATCH, 'the list must span several store batches');
    server = await startServer('huawei', catalogOf([...visible, ...hidden]));
  });
  after(() => stopServer(server));

  for (const view of ['/images', '/images/detail']) {
    it(`${view} without a limit returns all of them, newest first, as valid JSON without images_links`, async () => {
      const res = await send(server.glint, { url: project(view) });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      const body = parseJson(res) as ImageList;
      assert.deepEqual(ids(body.images), expected);
      assert.ok(!('images_links' in body));
      if (view === '/images/detail') assert.ok(res.body.length > 4 * 1024 * 1024, 'the detail list should be big enough to stream');
    });
  }

  it('limit=2000 returns 2,000 without a next link', async () => {
    const body = await getJson<ImageList>(server.glint, project('/images?limit=2000'));
    assert.deepEqual(ids(body.images), expected.slice(0, 2000));
    assert.ok(!('images_links' in body));
  });

  it('limit=1000 (the max_limit) pages 1,000 + 1,000 + 500', async () => {
    const pages = await walk(server.glint, project('/images/detail?limit=1000'));
    assert.deepEqual(
      pages.map((p) => [p.images.length, 'images_links' in p]),
      [
        [1000, true],
        [1000, true],
        [500, false],
      ],
    );
    assert.deepEqual(ids(pages.flatMap((p) => p.images)), expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Writes: delete and metadata

describe('writes', () => {
  const { golden, cirros, jammy, sharedAccepted, sharedPending, otherPrivate } = DEMO_IMAGES;
  let server: Server;
  // Each test writes, so each gets a fresh catalog.
  beforeEach(async () => {
    server = await startServer('huawei', demoCatalog('huawei'));
  });
  afterEach(() => stopServer(server));

  const request = (req: Request) => send(server.glint, req);
  const metadataOf = async (id: string, token?: string) =>
    (await getJson<{ metadata: Record<string, unknown> }>(server.glint, imagePath(id, '/metadata'), token)).metadata;
  const manyItems = (count: number, prefix = 'k') => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, `v${i}`]));

  it('DELETE of an own image answers 204; the image is gone and its id stays reserved', async () => {
    const res = await request({ method: 'DELETE', url: imagePath(golden.id) });
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-type'], 'application/json');

    assertFault(await request({ url: imagePath(golden.id) }), 404, 'Image not found.');
    assertFault(await request({ url: imagePath(golden.id, '/metadata') }), 404, 'Image not found.');
    assertFault(await request({ method: 'DELETE', url: imagePath(golden.id) }), 404, 'Image not found.');
    const list = await getJson<ImageList>(server.glint, project('/images'));
    assert.ok(!ids(list.images).includes(golden.id));

    // Loading the same id again adds nothing: deleted ids are never reused.
    const added = await importCatalog(catalogOf([golden]), server.glint.storage.images, server.glint.blobs);
    assert.equal(added, 0);
    assertFault(await request({ url: imagePath(golden.id) }), 404, 'Image not found.');
  });

  it('DELETE of a protected image is 403, even for admin, and the image stays', async () => {
    const res = await request({ method: 'DELETE', url: `/v2.1/${ADMIN}/images/${jammy.id}`, token: TOKENS.admin });
    assertFault(res, 403, 'You are not allowed to delete the image.');
    await getJson(server.glint, imagePath(jammy.id));
  });

  it("DELETE of another project's image is 403 when visible and 404 when not", async () => {
    for (const image of [cirros, sharedAccepted, sharedPending]) {
      assertFault(await request({ method: 'DELETE', url: imagePath(image.id) }), 403, 'You are not allowed to delete the image.');
      await getJson(server.glint, imagePath(image.id));
    }
    assertFault(await request({ method: 'DELETE', url: imagePath(otherPrivate.id) }), 404, 'Image not found.');
  });

  it('PUT replaces the metadata, POST merges into it, and both answer the result', async () => {
    const initial = { os_version: 'value1', os_distro: 'value2' };
    const put = await request({ method: 'PUT', url: imagePath(golden.id, '/metadata'), body: { metadata: initial } });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(parseJson(put), { metadata: initial });
    assert.deepEqual(await metadataOf(golden.id), initial);

    const merged = { os_version: 'alt1', os_distro: 'value2', architecture: 'value3' };
    const post = await request({ method: 'POST', url: imagePath(golden.id, '/metadata'), body: { metadata: { os_version: 'alt1', architecture: 'value3' } } });
    assert.equal(post.statusCode, 200);
    assert.deepEqual(parseJson(post), { metadata: merged });
    assert.deepEqual(await metadataOf(golden.id), merged);

    const cleared = await request({ method: 'PUT', url: imagePath(golden.id, '/metadata'), body: { metadata: {} } });
    assert.deepEqual(parseJson(cleared), { metadata: {} });
    assert.deepEqual(await metadataOf(golden.id), {});
  });

  it('PUT, GET and DELETE of one metadata item', async () => {
    const item = (key: string) => imagePath(golden.id, `/metadata/${key}`);
    const put = await request({ method: 'PUT', url: item('os_version'), body: { meta: { os_version: 'alt' } } });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(parseJson(put), { meta: { os_version: 'alt' } });
    assert.deepEqual(await getJson(server.glint, item('os_version')), { meta: { os_version: 'alt' } });

    assertFault(await request({ method: 'PUT', url: item('os_version'), body: { meta: { os_distro: 'x' } } }), 400, 'Request body and URI mismatch');
    assertFault(await request({ method: 'PUT', url: item('a'), body: { meta: { a: '1', b: '2' } } }), 400, /has too many properties$/);
    assertFault(await request({ method: 'PUT', url: item('a'), body: { meta: {} } }), 400, /does not have enough properties$/);

    const deleted = await request({ method: 'DELETE', url: item('os_version') });
    assert.equal(deleted.statusCode, 204);
    assert.equal(deleted.body, '');
    assert.ok(!('os_version' in (await metadataOf(golden.id))));
    assertFault(await request({ url: item('os_version') }), 404, 'The resource could not be found.');
    assertFault(await request({ method: 'DELETE', url: item('os_version') }), 404, 'Invalid metadata key');
  });

  it('answers a metadata write whose image is deleted meanwhile with 404', async () => {
    const store = server.glint.storage.images;
    const update = store.updateImage.bind(store);
    // The image goes just before the write lands, as when a delete wins the race.
    store.updateImage = async (id, changes, ifUpdatedAt) => {
      store.updateImage = update;
      await update(id, { status: 'deleted', deleted: true, updated_at: new Date().toISOString() });
      return update(id, changes, ifUpdatedAt);
    };
    const res = await request({ method: 'POST', url: imagePath(golden.id, '/metadata'), body: { metadata: { k: 'v' } } });
    assertFault(res, 404, 'Image not found.');
  });

  it('keeps a metadata key named `__proto__` like any other key', async () => {
    // Bodies as text and answers compared with parsed JSON: an object literal would take `__proto__` as its prototype.
    const item = imagePath(golden.id, '/metadata/__proto__');
    const metadata = imagePath(golden.id, '/metadata');
    const json = (text: string) => JSON.parse(text) as unknown;
    const put = await request({ method: 'PUT', url: item, body: '{"meta":{"__proto__":"v1"}}' });
    assert.deepEqual(parseJson(put), json('{"meta":{"__proto__":"v1"}}'));
    assert.deepEqual(await getJson(server.glint, item), json('{"meta":{"__proto__":"v1"}}'));

    const post = await request({ method: 'POST', url: metadata, body: '{"metadata":{"__proto__":"v2","other":"o"}}' });
    assert.equal(Object.hasOwn((parseJson(post) as { metadata: object }).metadata, '__proto__'), true, post.body);
    assert.deepEqual(await getJson(server.glint, item), json('{"meta":{"__proto__":"v2"}}'));

    const replaced = await request({ method: 'PUT', url: metadata, body: '{"metadata":{"__proto__":"v3"}}' });
    assert.deepEqual(parseJson(replaced), json('{"metadata":{"__proto__":"v3"}}'));
    assert.deepEqual(await metadataOf(golden.id), json('{"__proto__":"v3"}'));
    const shown = (await getJson<{ image: DetailedImage }>(server.glint, imagePath(golden.id))).image;
    assert.deepEqual(shown.metadata, json('{"__proto__":"v3"}'));

    assert.equal((await request({ method: 'DELETE', url: item })).statusCode, 204);
    assert.deepEqual(await metadataOf(golden.id), {});
    assertFault(await request({ url: item }), 404, 'The resource could not be found.');
  });

  it('holds at most 128 metadata items', async () => {
    const full = manyItems(128);
    const metadata = imagePath(golden.id, '/metadata');
    assert.equal((await request({ method: 'PUT', url: metadata, body: { metadata: full } })).statusCode, 200);
    const quota = 'Image metadata limit exceeded';
    assertFault(await request({ method: 'PUT', url: metadata, body: { metadata: manyItems(129) } }), 403, quota);
    assertFault(await request({ method: 'POST', url: metadata, body: { metadata: { extra: 'x' } } }), 403, quota);
    assertFault(await request({ method: 'PUT', url: `${metadata}/extra`, body: { meta: { extra: 'x' } } }), 403, quota);
    // Changing an existing item keeps the count, so it is still allowed.
    assert.equal((await request({ method: 'PUT', url: `${metadata}/k0`, body: { meta: { k0: 'changed' } } })).statusCode, 200);
    assert.equal((await request({ method: 'POST', url: metadata, body: { metadata: { k1: 'changed' } } })).statusCode, 200);
    assert.deepEqual(await metadataOf(golden.id), { ...full, k0: 'changed', k1: 'changed' });
  });

  it("refuses metadata writes to other projects' images: 403 when visible, 404 when not", async () => {
    const body = { metadata: { a: 'b' } };
    const unchanged = await metadataOf(cirros.id);
    assertFault(await request({ method: 'POST', url: imagePath(cirros.id, '/metadata'), body }), 403, `Not authorized for image ${cirros.id}.`);
    assert.deepEqual(await metadataOf(cirros.id), unchanged);
    assertFault(await request({ method: 'PUT', url: imagePath(otherPrivate.id, '/metadata'), body }), 404, 'Image not found.');
  });

  it('shows a metadata change in detail, show and changes-since at once', async () => {
    const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const changes = { auto_disk_config: 'yes', instance_uuid: 'srv-1', note: 'changed' };
    assert.equal((await request({ method: 'POST', url: imagePath(golden.id, '/metadata'), body: { metadata: changes } })).statusCode, 200);

    const detail = await getJson<ImageList<DetailedImage>>(server.glint, project(`/images/detail?${query({ name: golden.name! })}`));
    assert.equal(detail.images.length, 1);
    const shown = (await getJson<{ image: DetailedImage }>(server.glint, imagePath(golden.id))).image;
    for (const entry of [detail.images[0], shown]) {
      assert.deepEqual(entry.metadata, { ...golden.properties, ...changes });
      assert.equal(entry['OS-DCF:diskConfig'], 'AUTO');
      assert.equal(entry.server?.id, 'srv-1');
      assert.ok(entry.updated >= startedAt.slice(0, 19), `updated ${entry.updated} is older than the change`);
    }
    // Other images only if the clock is older than their own timestamps.
    const expected = listedFor(DEMO, demoCatalog('huawei').images).filter((i) => i.id === golden.id || i.updated_at >= startedAt);
    const recent = await getJson<ImageList>(server.glint, project(`/images?${query({ 'changes-since': startedAt })}`));
    assert.deepEqual(ids(recent.images), ids(expected));
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile and malformed requests: never a 5xx, always the API's own error format

describe('malformed requests', () => {
  const { golden } = DEMO_IMAGES;
  const listed = listedFor(DEMO, demoCatalog('huawei').images);
  let server: Server;
  before(async () => {
    server = await startServer('huawei', demoCatalog('huawei'), { listen: true });
  });
  after(() => stopServer(server));

  const request = (req: Request) => send(server.glint, req);
  const listIds = async (params: string) => ids((await getJson<ImageList>(server.glint, project(`/images?${params}`))).images);

  /** Requests whose only requirement is a 4xx in the API's format (the reference's exact answer aside). */
  const ANY_API_ERROR: { name: string; req: Request }[] = [
    { name: 'malformed percent-encoding in the image id', req: { url: imagePath('%E0%A4%A') } },
    { name: 'a lone % in the image id', req: { url: imagePath('%') } },
    { name: 'a percent-encoded non-UTF-8 byte in the image id', req: { url: imagePath('%FF%FE') } },
    { name: 'malformed percent-encoding in a metadata key', req: { url: imagePath(golden.id, '/metadata/%E0%A4%A') } },
    { name: 'an image id of 5,000 characters', req: { url: imagePath('a'.repeat(5000)) } },
    { name: 'a project segment of 5,000 characters', req: { url: `/v2.1/${'a'.repeat(5000)}/images` } },
    { name: 'a metadata key of 5,000 characters', req: { url: imagePath(golden.id, `/metadata/${'k'.repeat(5000)}`) } },
    {
      name: 'a PUT of a metadata item whose key has 2,000 characters',
      req: { method: 'PUT', url: imagePath(golden.id, `/metadata/${'k'.repeat(2000)}`), body: { meta: { ['k'.repeat(2000)]: 'v' } } },
    },
  ];
  for (const { name, req } of ANY_API_ERROR) {
    it(`answers ${name} with an API error`, async () => {
      assertApiError(await request(req));
    });
  }

  it('answers a path of 5,000 characters under the API with the routing 404 page', async () => {
    assertWebob404(await request({ url: project(`/${'x'.repeat(5000)}`) }));
  });

  it('tolerates malformed percent-encoding and non-UTF-8 bytes in the query', async () => {
    assert.deepEqual(await listIds('name=%E0%A4%A'), []);
    assert.deepEqual(await listIds('name=%'), []);
    assert.deepEqual(await listIds('name=%FF%FE'), []);
    assert.deepEqual(await listIds('%=%&%E0%A4%A=1'), ids(listed), 'unknown parameters are ignored');
    assertFault(await request({ url: project('/images?limit=%E0%A4%A') }), 400, 'Invalid input received: limit must be an integer');
  });

  it('ignores parameters named like built-in object members, as any unknown parameter', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      assert.deepEqual(await listIds(`${name}=x`), ids(listed), name);
    }
  });

  it('answers a marker of 10,000 characters with 400, in the words the reference sends unformatted', async () => {
    const marker = 'm'.repeat(10_000);
    assertFault(await request({ url: project(`/images?marker=${marker}`) }), 400, 'HTTP 400 Bad Request: Image with the given id %(image_id)s was not found');
  });

  it('treats limit=99999999999999999999 as a limit above every list', async () => {
    const body = await getJson<ImageList>(server.glint, project('/images?limit=99999999999999999999'));
    assert.deepEqual(ids(body.images), ids(listed));
    assert.ok(!('images_links' in body));
  });

  const BAD_CHANGES_SINCE = ['', 'yesterday', '2013-13-45T00:00:00Z', '1370760138', 'gte:', 'in:2013', 'x:y:z', '%00', '2013-W23-1',
    // An unencoded `+` is a space in a query string, which is not an offset.
    '2013-06-09T06:42:18+08:00'];
  it('answers odd changes-since values with the quoted image-service error', async () => {
    for (const value of BAD_CHANGES_SINCE) {
      const res = await request({ url: project(`/images?changes-since=${value}`) });
      assert.equal(res.statusCode, 400, `changes-since=${value}`);
      assertFault(
        res,
        400,
        'HTTP 400 Bad Request: Bad &quot;updated_at&quot; query filter format. Use ISO 8601 DateTime notation.',
      );
    }
    assert.deepEqual(await listIds('changes-since=2013'), ids(listed));
    assert.deepEqual(await listIds('changes-since=20130609T064218Z'), ids(listed));
    assert.deepEqual(await listIds('changes-since=9999-12-31T23:59:59Z'), []);
  });

  it('answers name=in: (an empty list) with no images, and an unknown operator with 400', async () => {
    assert.deepEqual(await listIds('name=in:'), []);
    assertFault(await request({ url: project('/images?name=gt:x') }), 400, 'HTTP 400 Bad Request: Unable to filter by unknown operator &#x27;gt&#x27;.');
  });

  it('uses the last value of a repeated parameter', async () => {
    const debian = listed.find((i) => i.name === 'Debian 12 (bookworm)')!;
    assert.deepEqual(await listIds(`${query({ name: DEMO_IMAGES.cirros.name! })}&${query({ name: debian.name! })}`), [debian.id]);
    assert.deepEqual(await listIds('status=active&status=queued'), [DEMO_IMAGES.queued.id]);
    assert.deepEqual(await listIds('limit=1&limit=3'), ids(listed.slice(0, 3)));
    assertFault(await request({ url: project('/images?limit=3&limit=abc') }), 400, 'Invalid input received: limit must be an integer');
  });

  const metadata = imagePath(golden.id, '/metadata');
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  // No message is required where the reference itself fails (a 500 from Python's recursion limit).
  const BAD_BODIES: { name: string; req: Request; message?: string | RegExp }[] = [
    { name: 'a body that is a number', req: { method: 'POST', url: metadata, body: '1' }, message: "1 is not of type 'object'" },
    { name: 'a body that is a string', req: { method: 'POST', url: metadata, body: '"x"' }, message: "'x' is not of type 'object'" },
    { name: 'a body that is null', req: { method: 'POST', url: metadata, body: 'null' }, message: "None is not of type 'object'" },
    { name: 'a PUT without a body', req: { method: 'PUT', url: metadata }, message: "None is not of type 'object'" },
    { name: 'a body that is not JSON', req: { method: 'POST', url: metadata, body: 'not json' }, message: 'Malformed request body' },
    { name: 'a deeply nested array as the body', req: { method: 'POST', url: metadata, body: nested(10_000) } },
    { name: 'a deeply nested array as a metadata value', req: { method: 'PUT', url: `${metadata}/k`, body: `{"meta":{"k":${nested(10_000)}}}` } },
    {
      name: 'a deeply nested array under an extra key',
      req: { method: 'POST', url: metadata, body: `{"metadata":{},"extra":${nested(10_000)}}` },
      message: "Additional properties are not allowed ('extra' was unexpected)",
    },
    {
      name: 'a deeply nested object as the body',
      req: { method: 'POST', url: metadata, body: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000) },
      message: "'metadata' is a required property",
    },
    {
      name: 'a metadata key of 256 characters',
      req: { method: 'POST', url: metadata, body: { metadata: { ['k'.repeat(256)]: 'v' } } },
      message: /does not match any of the regexes/,
    },
    {
      name: 'a metadata item key of 300 characters',
      req: { method: 'PUT', url: `${metadata}/${'k'.repeat(300)}`, body: { meta: { ['k'.repeat(300)]: 'v' } } },
      message: /does not match any of the regexes/,
    },
    {
      name: 'a JSON string with bytes that are not UTF-8',
      req: { method: 'POST', url: metadata, body: Buffer.concat([Buffer.from('{"metadata":{"k":"'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('"}}')]) },
      message: 'Malformed request body',
    },
  ];
  for (const { name, req, message } of BAD_BODIES) {
    it(`answers ${name} with 400`, async () => {
      const unchanged = await getJson(server.glint, metadata);
      assertFault(await request(req), 400, message);
      assert.deepEqual(await getJson(server.glint, metadata), unchanged, 'a refused body changed the metadata');
    });
  }

  it('accepts a metadata key of 255 characters', async () => {
    const key = 'k'.repeat(255);
    const res = await request({ method: 'PUT', url: `${metadata}/${key}`, body: { meta: { [key]: 'v' } } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(parseJson(res), { meta: { [key]: 'v' } });
  });

  it('answers a body over the size limit with 413 overLimit', async () => {
    const body = JSON.stringify({ metadata: { k: 'v'.repeat(BODY_LIMIT) } });
    assertFault(await request({ method: 'POST', url: metadata, body }), 413);
  });

  it('answers an unknown Content-Type with 415 badMediaType', async () => {
    for (const type of ['application/x-unknown', 'application/xml']) {
      const res = await request({ method: 'POST', url: metadata, body: { metadata: { a: 'b' } }, headers: { 'content-type': type } });
      assertFault(res, 415, 'Unsupported Content-Type');
    }
  });

  it('answers a token that is URL-encoded garbage with 401', async () => {
    for (const token of ['%E0%A4%A', '%', '%3A%3A', '%00', `demo%3A${'%'.repeat(10)}`]) {
      assertUnauthorized(await request({ url: project('/images'), token }));
    }
    // A well-formed URL-encoded token is decoded, as glanceclient sends it.
    await getJson(server.glint, project('/images'), encodeURIComponent(TOKENS.demo));
  });

  it('answers bytes that are not UTF-8 in the request line with an API error', async () => {
    const target = Buffer.concat([Buffer.from(project('/images/')), Buffer.from([0xff, 0xfe])]);
    const answer = await rawRequest(new URL(server.glint.urls.compute).port, Buffer.concat([
      Buffer.from('GET '),
      target,
      Buffer.from(` HTTP/1.1\r\nHost: ${HOST}\r\nX-Auth-Token: ${TOKENS.demo}\r\nConnection: close\r\n\r\n`),
    ]));
    assertApiError(answer);
  });
  it('reads a request target in absolute form as its path, token check included', async () => {
    const absolute = async (api: 'compute' | 'image', path: string, token?: string) => {
      const port = new URL(server.glint.urls[api]).port;
      const auth = token ? `X-Auth-Token: ${token}\r\n` : '';
      return rawRequest(port, Buffer.from(`GET http://${HOST}${path} HTTP/1.1\r\nHost: ${HOST}\r\n${auth}Connection: close\r\n\r\n`));
    };
    const list = await absolute('compute', project('/images'), TOKENS.demo);
    assert.equal(list.statusCode, 200, describeAnswer(list));
    assert.deepEqual(ids((parseJson(list) as ImageList).images), ids(listed));
    assertUnauthorized(await absolute('compute', project('/images')));
    const images = await absolute('image', '/v2/images', TOKENS.demo);
    assert.equal(images.statusCode, 200, describeAnswer(images));
    assert.equal((await absolute('image', '/v2/schemas/image')).statusCode, 401);
  });

  it('reads a repeated version header as one list whose last value wins', async () => {
    const port = new URL(server.glint.urls.compute).port;
    const twice = (header: string, first: string, second: string) =>
      rawRequest(port, Buffer.from(
        `GET ${project('/images')} HTTP/1.1\r\nHost: ${HOST}\r\nX-Auth-Token: ${TOKENS.demo}\r\n` +
          `${header}: ${first}\r\n${header}: ${second}\r\nConnection: close\r\n\r\n`,
      ));
    const legacy = await twice('X-OpenStack-Nova-API-Version', '2.1', '2.2');
    assert.equal(legacy.statusCode, 200, describeAnswer(legacy));
    assert.equal(legacy.headers['x-openstack-nova-api-version'], '2.2');
    const standard = await twice('OpenStack-API-Version', 'compute 2.36', 'compute 2.1');
    assert.equal(standard.statusCode, 200, describeAnswer(standard));
    assert.equal(standard.headers['openstack-api-version'], 'compute 2.1');
  });
});

/** Sends bytes as they are (no client validation) and reads the whole answer. */
function rawRequest(port: string, bytes: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Answer['headers'] = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ statusCode: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(bytes);
  });
}
