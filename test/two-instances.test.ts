// Two Glint instances on one catalog, as two processes (or machines) behind one load balancer: each
// listens on ports of its own and has its own store connection and caches. Writes through one and reads through the other are
// interleaved, and racing writes through both are all kept. Run on PostgreSQL, and on one SQLite file. A change through
// one is seen by the other at once on SQLite, and on PostgreSQL within REVISION_BOUND_MS of its commit.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PATCH_V21 } from '../src/api/image/patch.js';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freshDatabase } from './support/postgres-server.js';
import { seenElsewhere } from './support/seen-elsewhere.js';

interface Answer {
  statusCode: number;
  headers: Headers;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

type Api = 'compute' | 'image' | 'identity';

/** One request over HTTP to a listening instance's API. */
async function call(glint: Glint, api: Api, method: string, path: string, headers: Record<string, string>, payload?: unknown): Promise<Answer> {
  const binary = Buffer.isBuffer(payload);
  const response = await fetch(glint.urls[api] + path, {
    method,
    headers: payload === undefined ? headers : { 'content-type': binary ? 'application/octet-stream' : 'application/json', ...headers },
    body: payload === undefined ? undefined : binary ? new Uint8Array(payload) : JSON.stringify(payload),
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { statusCode: response.status, headers: response.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T };
}

for (const backend of ['postgres', 'sqlite'] as const) {
  describe(`two instances on one ${backend} catalog`, () => {
    let dir: string;
    let a: Glint;
    let b: Glint;
    let project: string;
    let token: string;
    const auth = () => ({ 'x-auth-token': token });
    const seen = () => seenElsewhere(backend);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `glint-two-instances-${backend}-`));
      const database = backend === 'postgres' ? await freshDatabase() : undefined;
      // Shared data directory: image bytes and the identity key, as a shared volume would hold them.
      const config = loadConfig({ profile: 'openstack', auth: 'keystone', dataDir: dir, database, computePort: 0, imagePort: 0, identityPort: 0 }, {});
      a = await createGlint(config);
      b = await createGlint(config);
      await a.listen();
      await b.listen();
      await a.accounts.bootstrap('admin-secret-pw');
      project = (await a.accounts.createProject('shared-catalog')).id;
      await a.accounts.createUser('alice', 'alice-secret-pw', project, ['member', 'reader']);
      const login = await call(a, 'identity', 'POST', '/v3/auth/tokens', {}, {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 'alice-secret-pw' } } },
          scope: { project: { name: 'shared-catalog', domain: { name: 'Default' } } },
        },
      });
      assert.equal(login.statusCode, 201, login.body.toString());
      token = login.headers.get('x-subject-token')!;
    });

    after(async () => {
      await a?.close();
      await b?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const listIds = async (glint: Glint) => {
      const answer = await call(glint, 'compute', 'GET', `/v2.1/${project}/images`, auth());
      assert.equal(answer.statusCode, 200, answer.body.toString());
      return answer.json<{ images: { id: string }[] }>().images.map((image) => image.id);
    };
    const show = (glint: Glint, id: string) => call(glint, 'image', 'GET', `/v2/images/${id}`, auth());

    let imageId: string;

    test('an image created through one is listed and shown by the other, whose list was cached before', async () => {
      // Asked twice, so B answers the second from its caches: the write through A must retire them.
      await listIds(b);
      assert.deepEqual(await listIds(b), []);
      const created = await call(a, 'image', 'POST', '/v2/images', auth(), { name: 'shared', disk_format: 'raw', container_format: 'bare' });
      assert.equal(created.statusCode, 201, created.body.toString());
      imageId = created.json<{ id: string }>().id;
      await seen();
      assert.deepEqual(await listIds(b), [imageId]);
      assert.equal((await show(b, imageId)).json<{ name: string }>().name, 'shared');
    });

    test('metadata merged through both at the same time keeps every key', async () => {
      const writes = Array.from({ length: 24 }, (_, i) =>
        call(i % 2 === 0 ? a : b, 'compute', 'POST', `/v2.1/${project}/images/${imageId}/metadata`, auth(), { metadata: { [`key_${i}`]: `value_${i}` } }),
      );
      for (const answer of await Promise.all(writes)) assert.equal(answer.statusCode, 200, answer.body.toString());
      await seen();
      for (const glint of [a, b]) {
        const metadata = (await call(glint, 'compute', 'GET', `/v2.1/${project}/images/${imageId}/metadata`, auth())).json<{ metadata: Record<string, string> }>().metadata;
        assert.deepEqual(Object.keys(metadata).sort(), Array.from({ length: 24 }, (_, i) => `key_${i}`).sort());
      }
    });

    test('tags added through both at the same time are all kept', async () => {
      const writes = Array.from({ length: 16 }, (_, i) => call(i % 2 === 0 ? a : b, 'image', 'PUT', `/v2/images/${imageId}/tags/tag-${i}`, auth()));
      for (const answer of await Promise.all(writes)) assert.equal(answer.statusCode, 204, answer.body.toString());
      await seen();
      const tags = (await show(a, imageId)).json<{ tags: string[] }>().tags;
      assert.deepEqual([...tags].sort(), Array.from({ length: 16 }, (_, i) => `tag-${i}`).sort());
    });

    test('of two uploads racing through both, exactly one is taken, and both see its data', async () => {
      const data = [Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2)];
      const answers = await Promise.all([a, b].map((glint, i) => call(glint, 'image', 'PUT', `/v2/images/${imageId}/file`, auth(), data[i])));
      const taken = answers.map((answer) => answer.statusCode);
      assert.deepEqual([...taken].sort(), [204, 409], answers.map((answer) => answer.body.toString()).join('\n'));
      const winner = data[taken.indexOf(204)];
      await seen();
      for (const glint of [a, b]) {
        assert.equal((await show(glint, imageId)).json<{ status: string }>().status, 'active');
        const download = await call(glint, 'image', 'GET', `/v2/images/${imageId}/file`, auth());
        assert.equal(download.statusCode, 200);
        assert.ok(download.body.equals(winner));
      }
    });

    test('of one member added eight times through both at once, exactly one add is taken', async () => {
      const member = '0123456789abcdef0123456789abcdef';
      // The metadata calls above sent the image back as the compute API sees it: private, so it is shared again.
      const shared = await call(a, 'image', 'PATCH', `/v2/images/${imageId}`, { ...auth(), 'content-type': PATCH_V21 }, [{ op: 'replace', path: '/visibility', value: 'shared' }]);
      assert.equal(shared.statusCode, 200, shared.body.toString());
      const adds = Array.from({ length: 8 }, (_, i) => call(i % 2 === 0 ? a : b, 'image', 'POST', `/v2/images/${imageId}/members`, auth(), { member }));
      const statuses = (await Promise.all(adds)).map((answer) => answer.statusCode).sort();
      assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409]);
      await seen();
      const members = (await call(b, 'image', 'GET', `/v2/images/${imageId}/members`, auth())).json<{ members: { member_id: string }[] }>().members;
      assert.deepEqual(members.map((m) => m.member_id), [member]);
    });

    test('a delete through one is seen by the other', async () => {
      await listIds(a);
      assert.equal((await call(b, 'image', 'DELETE', `/v2/images/${imageId}`, auth())).statusCode, 204);
      await seen();
      assert.deepEqual(await listIds(a), []);
      assert.equal((await show(a, imageId)).statusCode, 404);
    });

    test('a token revoked through one is refused by the other', async () => {
      assert.equal((await call(b, 'identity', 'DELETE', '/v3/auth/tokens', { ...auth(), 'x-subject-token': token })).statusCode, 204);
      await seen();
      assert.equal((await call(a, 'compute', 'GET', `/v2.1/${project}/images`, auth())).statusCode, 401);
      assert.equal((await call(a, 'image', 'GET', '/v2/images', auth())).statusCode, 401);
    });
  });
}
