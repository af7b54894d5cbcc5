// Kept list answers (src/api/common/answer-cache.ts) over a real port: a repeated list is sent before the
// framework sees the request, and only to a request the route would have given the same answer.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

describe('kept list answers', () => {
  let dir: string;
  let glint: Glint;
  /** Requests that reached each framework instance (a kept answer never does). */
  const routed = { compute: 0, image: 0 };
  const tokens: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
  const projects: Record<'alice' | 'bob', string> = { alice: '', bob: '' };

  async function call(api: 'compute' | 'image' | 'identity', method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
    const response = await fetch(glint.urls[api] + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  async function login(user: 'alice' | 'bob'): Promise<string> {
    const answer = await call('identity', 'POST', '/v3/auth/tokens', {}, {
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password: `${user}-secret-pw` } } },
        scope: { project: { id: projects[user] } },
      },
    });
    assert.equal(answer.status, 201, answer.text);
    return answer.headers.get('x-subject-token')!;
  }

  const as = (user: 'alice' | 'bob', extra: Record<string, string> = {}) => ({ 'x-auth-token': tokens[user], ...extra });
  const computeList = (user: 'alice' | 'bob', extra: Record<string, string> = {}) =>
    call('compute', 'GET', `/v2.1/${projects[user]}/images/detail?limit=5`, as(user, extra));
  const withoutIds = (headers: Headers) =>
    [...headers].filter(([name]) => !['x-openstack-request-id', 'x-compute-request-id', 'date'].includes(name));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glint-kept-answers-'));
    const config = loadConfig({ profile: 'openstack', auth: 'keystone', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {});
    glint = await createGlint(config);
    glint.compute.addHook('onRequest', (_request, _reply, done) => {
      routed.compute++;
      done();
    });
    glint.image.addHook('onRequest', (_request, _reply, done) => {
      routed.image++;
      done();
    });
    await glint.listen();
    await glint.accounts.bootstrap('admin-secret-pw');
    for (const user of ['alice', 'bob'] as const) {
      projects[user] = (await glint.accounts.createProject(`${user}-project`)).id;
      await glint.accounts.createUser(user, `${user}-secret-pw`, projects[user], ['member', 'reader']);
      tokens[user] = await login(user);
    }
    const created = await call('image', 'POST', '/v2/images', as('alice'), { name: 'alice-private', disk_format: 'raw', container_format: 'bare' });
    assert.equal(created.status, 201, created.text);
  });

  after(async () => {
    await glint?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a repeated list gets the same headers and body without reaching the framework, under a new request id', async () => {
    const first = await computeList('alice');
    assert.equal(first.status, 200, first.text);
    const before = routed.compute;
    const second = await computeList('alice');
    assert.equal(routed.compute, before, 'the repeated list reached the framework');
    assert.equal(second.status, 200);
    assert.equal(second.text, first.text);
    assert.deepEqual(withoutIds(second.headers), withoutIds(first.headers));
    const id = second.headers.get('x-openstack-request-id')!;
    assert.match(id, /^req-[0-9a-f-]{36}$/);
    assert.equal(second.headers.get('x-compute-request-id'), id);
    assert.notEqual(id, first.headers.get('x-openstack-request-id'));
  });

  test("another project's request is answered for that project", async () => {
    await computeList('alice');
    const alice = JSON.parse((await computeList('alice')).text) as { images: { name: string }[] };
    const bob = JSON.parse((await computeList('bob')).text) as { images: { name: string }[] };
    assert.deepEqual(alice.images.map((image) => image.name), ['alice-private']);
    assert.deepEqual(bob.images, []);
  });

  test('a change to the catalog retires the kept answers', async () => {
    await computeList('alice');
    await computeList('alice');
    const [image] = (JSON.parse((await computeList('alice')).text) as { images: { id: string }[] }).images;
    const renamed = await call('image', 'PATCH', `/v2/images/${image.id}`, as('alice', { 'content-type': 'application/openstack-images-v2.1-json-patch' }), [
      { op: 'replace', path: '/name', value: 'renamed' },
    ]);
    assert.equal(renamed.status, 200, renamed.text);
    const before = routed.compute;
    const after = JSON.parse((await computeList('alice')).text) as { images: { name: string }[] };
    assert.equal(routed.compute, before + 1);
    assert.deepEqual(after.images.map((image) => image.name), ['renamed']);
  });

  test('an answer kept for one microversion is not sent for another', async () => {
    await computeList('alice', { 'x-openstack-nova-api-version': '2.1' });
    const newer = await computeList('alice', { 'x-openstack-nova-api-version': '2.10' });
    assert.equal(newer.status, 200);
    assert.equal(newer.headers.get('x-openstack-nova-api-version'), '2.10');
    // The compute image API ends at 2.35.
    const gone = await computeList('alice', { 'x-openstack-nova-api-version': '2.36' });
    assert.equal(gone.status, 404, gone.text);
  });

  test('a request with a body goes to the framework', async () => {
    await computeList('alice');
    const before = routed.compute;
    // fetch sends no body with a GET, so this request is made by hand.
    const status = await new Promise<number>((resolve, reject) => {
      const headers = as('alice', { 'content-type': 'application/json', 'content-length': '2' });
      const sent = request(`${glint.urls.compute}/v2.1/${projects.alice}/images/detail?limit=5`, { headers }, (answer) => {
        answer.resume();
        resolve(answer.statusCode!);
      });
      sent.on('error', reject);
      sent.end('{}');
    });
    assert.equal(status, 200);
    assert.equal(routed.compute, before + 1);
  });

  test('a revoked token is refused although an answer was kept for it', async () => {
    const token = await login('alice');
    const list = () => call('compute', 'GET', `/v2.1/${projects.alice}/images`, { 'x-auth-token': token });
    await list();
    assert.equal((await list()).status, 200);
    const revoked = await call('identity', 'DELETE', '/v3/auth/tokens', { 'x-auth-token': token, 'x-subject-token': token });
    assert.equal(revoked.status, 204, revoked.text);
    const refused = await list();
    assert.equal(refused.status, 401, refused.text);
  });

  test('a repeated native list is kept too, and retired by a change', async () => {
    const list = () => call('image', 'GET', '/v2/images?sort_key=name', as('alice'));
    const first = await list();
    assert.equal(first.status, 200, first.text);
    const before = routed.image;
    const second = await list();
    assert.equal(routed.image, before);
    assert.equal(second.text, first.text);
    const created = await call('image', 'POST', '/v2/images', as('alice'), { name: 'another' });
    assert.equal(created.status, 201, created.text);
    const third = JSON.parse((await list()).text) as { images: { name: string }[] };
    assert.deepEqual(third.images.map((image) => image.name), ['renamed', 'another']);
  });
});

describe('kept list answers under noauth and SQLite, sent within the request event', () => {
  let dir: string;
  let glint: Glint;
  let routed = 0;
  const project = 'b0b0b0b0b0b04b0bb0b0b0b0b0b0b0b0';
  const headers = { 'x-auth-token': `demo:${project}` };
  const list = async () => {
    // A request the server never answers fails here instead of holding up the suite.
    const response = await fetch(`${glint.urls.compute}/v2.1/${project}/images?limit=5`, { headers, signal: AbortSignal.timeout(5000) });
    return { status: response.status, text: await response.text() };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glint-kept-noauth-'));
    glint = await createGlint(loadConfig({ profile: 'openstack', auth: 'noauth', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {}));
    glint.compute.addHook('onRequest', (_request, _reply, done) => {
      routed++;
      done();
    });
    await glint.listen();
  });

  after(async () => {
    await glint?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a repeated list is kept until the catalog changes', async () => {
    const first = await list();
    assert.equal(first.status, 200, first.text);
    const before = routed;
    assert.deepEqual(await list(), first);
    assert.equal(routed, before, 'the repeated list reached the framework');
    const created = await fetch(`${glint.urls.image}/v2/images`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'new' }),
    });
    assert.equal(created.status, 201);
    const after = await list();
    assert.equal(routed, before + 1);
    assert.deepEqual((JSON.parse(after.text) as { images: { name: string }[] }).images.map((image) => image.name), ['new']);
  });

  test('a failure before the kept answer is found leaves the request to the framework', async () => {
    await list();
    const store = glint.storage.images;
    const version = store.version.bind(store);
    let failures = 0;
    store.version = () => {
      if (failures++ === 0) throw new Error('version check failed');
      return version();
    };
    try {
      const before = routed;
      const answer = await list();
      assert.equal(answer.status, 200, answer.text);
      assert.equal(routed, before + 1);
      assert.equal(failures, 2, 'the route did not read the version again');
    } finally {
      store.version = version;
    }
  });
});
