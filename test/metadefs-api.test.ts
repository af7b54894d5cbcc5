// The image API's metadata definitions (`/v2/metadefs`) through `inject`: every route, its answers and its
// refusals, in the words the reference deployment answered with (asked of it), under both policies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { SCHEMAS } from '../src/api/image/schemas.js';

const P1 = 'a1a10000000000000000000000000001';
const P2 = 'a1a10000000000000000000000000002';
const ADMIN = `admin:${P1}`;
/** Under noauth a token's roles are as written: these users are member and reader of their project. */
const OWNER = `alice:${P1}:member,reader`;
const OTHER = `bob:${P2}:member,reader`;
const NS = '/v2/metadefs/namespaces';

interface Answer {
  status: number;
  type: string | undefined;
  text: string;
  json: () => Record<string, unknown>;
  headers: Record<string, unknown>;
}

async function startGlint(policy: 'secure' | 'legacy'): Promise<{ glint: Glint; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'glint-metadefs-api-'));
  const config = loadConfig({ profile: 'openstack', auth: 'noauth', policy, dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {});
  return { glint: await createGlint(config), dir };
}

function caller(glint: () => Glint) {
  return async (token: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await glint().image.inject({
      method: method as 'GET',
      url,
      headers: { 'x-auth-token': token, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      payload,
    });
    return { status: res.statusCode, type: res.headers['content-type'] as string | undefined, text: res.body, json: () => JSON.parse(res.body) as Record<string, unknown>, headers: res.headers };
  };
}

/** webob's plain-text error page, as the reference renders Glance's errors. */
const page = (status: number, title: string, message: string) => `${status} ${title}\n\n${message}\n\n   `;
const notFound = (message: string) => page(404, 'Not Found', message);
const BARE_NOT_FOUND = notFound('The resource could not be found.');
const forbidden = (message: string) => page(403, 'Forbidden', message);
const badRequest = (message: string) => page(400, 'Bad Request', message);
const conflict = (message: string) => page(409, 'Conflict', message);

function expect(answer: Answer, status: number, text?: string): void {
  assert.equal(answer.status, status, answer.text.slice(0, 400));
  if (text !== undefined) {
    assert.equal(answer.text, text);
    assert.equal(answer.type, 'text/plain; charset=UTF-8');
  }
}

const seconds = (time: unknown) => assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

describe('metadata definitions (legacy policy, as the reference deployment ran)', () => {
  let server: { glint: Glint; dir: string };
  const api = caller(() => server.glint);
  before(async () => (server = await startGlint('legacy')));
  after(async () => {
    await server.glint.close();
    rmSync(server.dir, { recursive: true, force: true });
  });

  it('serves the metadata definition schemas as published, and only to GET', async () => {
    for (const name of ['namespace', 'namespaces', 'resource_type', 'resource_types', 'property', 'properties', 'object', 'objects', 'tag', 'tags']) {
      const answer = await api(OWNER, 'GET', `/v2/schemas/metadefs/${name}`);
      expect(answer, 200);
      assert.equal(answer.type, 'application/json');
      assert.deepEqual(answer.json(), SCHEMAS[`metadefs/${name}`]);
    }
    const put = await api(OWNER, 'PUT', '/v2/schemas/metadefs/tag');
    expect(put, 405, '405 Method Not Allowed\n\nThe method PUT is not allowed for this resource. \n\n ');
    assert.equal(put.headers.allow, 'GET');
  });

  it('creates a namespace with its contents, answering them as stated, and shows them as stored', async () => {
    const created = await api(ADMIN, 'POST', NS, {
      namespace: 'glint-md-b', display_name: 'B', description: 'd', visibility: 'public', protected: true, owner: 'someone',
      resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'b_', properties_target: 'image' }, { name: 'Glint::New' }],
      properties: { p1: { title: 'P1', type: 'string', enum: ['a', 'b'], default: 'a' }, q1: { title: 'Q', type: 'integer', default: 1, minimum: 1.5 } },
      objects: [{ name: 'o1', description: 'O', required: ['x'], properties: { x: { title: 'X', type: 'integer', minimum: 1, maximum: 5 } } }],
      tags: [{ name: 't1' }, { name: 't2' }],
    });
    expect(created, 201);
    assert.equal(created.type, 'application/json');
    assert.match(String(created.headers.location), /^http:\/\/[^/]+\/v2\/metadefs\/namespaces\/glint-md-b$/);
    const body = created.json();
    const at = body.created_at as string;
    seconds(at);
    assert.deepEqual(body, {
      namespace: 'glint-md-b', display_name: 'B', description: 'd', visibility: 'public', protected: true, owner: 'someone',
      created_at: at, updated_at: at,
      resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'b_', properties_target: 'image' }, { name: 'Glint::New' }],
      properties: { p1: { type: 'string', title: 'P1', default: 'a', enum: ['a', 'b'] }, q1: { type: 'integer', title: 'Q', default: '1', minimum: 1 } },
      objects: [{ name: 'o1', required: ['x'], description: 'O', properties: { x: { type: 'integer', title: 'X', minimum: 1, maximum: 5 } } }],
      tags: [{ name: 't1' }, { name: 't2' }],
      self: '/v2/metadefs/namespaces/glint-md-b', schema: '/v2/schemas/metadefs/namespace',
    });
    const shown = await api(OWNER, 'GET', `${NS}/glint-md-b`);
    expect(shown, 200);
    // Key order matters to people reading answers: the model's order.
    assert.deepEqual(Object.keys(shown.json()), [
      'namespace', 'display_name', 'description', 'visibility', 'protected', 'owner', 'created_at', 'updated_at', 'resource_type_associations',
      'properties', 'objects', 'tags', 'self', 'schema',
    ]);
    const detail = shown.json();
    assert.deepEqual(detail.resource_type_associations, [
      { name: 'OS::Glance::Image', prefix: 'b_', properties_target: 'image', created_at: at, updated_at: at },
      { name: 'Glint::New', created_at: at, updated_at: at },
    ]);
    assert.deepEqual(detail.objects, [{
      name: 'o1', required: ['x'], description: 'O', properties: { x: { type: 'integer', title: 'X', minimum: 1, maximum: 5 } },
      created_at: at, updated_at: at, self: '/v2/metadefs/namespaces/glint-md-b/objects/o1', schema: '/v2/schemas/metadefs/object',
    }]);
    // Tags made in the same instant: the later first.
    assert.deepEqual(detail.tags, [{ name: 't2' }, { name: 't1' }]);
    // Named as they apply to a resource type: its prefix on every property name, and on what objects require.
    const prefixed = (await api(OWNER, 'GET', `${NS}/glint-md-b?resource_type=OS::Glance::Image`)).json();
    assert.deepEqual(Object.keys(prefixed.properties as object), ['b_p1', 'b_q1']);
    assert.deepEqual((prefixed.objects as Array<Record<string, unknown>>)[0].required, ['b_x']);
    assert.deepEqual(Object.keys((prefixed.objects as Array<Record<string, object>>)[0].properties), ['b_x']);
    assert.deepEqual(Object.keys((await api(OWNER, 'GET', `${NS}/glint-md-b?resource_type=Glint::New`)).json().properties as object), ['p1', 'q1']);
    expect(await api(OWNER, 'GET', `${NS}/glint-md-b?visibility=bad`), 400, badRequest('Invalid visibility value: bad'));
    expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-b' }), 409, conflict('The metadata definition namespace=glint-md-b already exists.'));
  });

  it('lists namespaces with filters, sorting and pages, each with its associations', async () => {
    for (const [name, visibility, type] of [['glint-md-l1', 'public', 'Glint::L'], ['glint-md-l2', 'private', 'Glint::L'], ['glint-md-l3', 'public', 'Glint::M']]) {
      expect(await api(ADMIN, 'POST', NS, { namespace: name, visibility, owner: P1, resource_type_associations: [{ name: type }] }), 201);
    }
    const page1 = await api(OWNER, 'GET', `${NS}?resource_types=Glint::L,Glint::M&sort_key=namespace&sort_dir=asc&limit=2&foo=x`);
    expect(page1, 200);
    const listed = page1.json();
    assert.deepEqual(Object.keys(listed), ['namespaces', 'next', 'schema', 'first']);
    assert.deepEqual((listed.namespaces as Array<{ namespace: string }>).map((n) => n.namespace), ['glint-md-l1', 'glint-md-l2']);
    assert.equal((listed.namespaces as Array<{ resource_type_associations: Array<{ name: string }> }>)[0].resource_type_associations[0].name, 'Glint::L');
    assert.equal(listed.next, '/v2/metadefs/namespaces?resource_types=Glint%3A%3AL%2CGlint%3A%3AM&sort_key=namespace&sort_dir=asc&limit=2&foo=x&marker=glint-md-l2');
    assert.equal(listed.first, '/v2/metadefs/namespaces?resource_types=Glint%3A%3AL%2CGlint%3A%3AM&sort_key=namespace&sort_dir=asc&limit=2&foo=x');
    assert.equal(listed.schema, '/v2/schemas/metadefs/namespaces');
    const page2 = (await api(OWNER, 'GET', listed.next)).json();
    assert.deepEqual((page2.namespaces as Array<{ namespace: string }>).map((n) => n.namespace), ['glint-md-l3']);
    assert.equal(page2.next, undefined);
    // Another project sees public namespaces only; a visibility filter narrows.
    const theirs = (await api(OTHER, 'GET', `${NS}?resource_types=Glint::L`)).json();
    assert.deepEqual((theirs.namespaces as Array<{ namespace: string }>).map((n) => n.namespace), ['glint-md-l1']);
    const privates = (await api(OWNER, 'GET', `${NS}?resource_types=Glint::L&visibility=private`)).json();
    assert.deepEqual((privates.namespaces as Array<{ namespace: string }>).map((n) => n.namespace), ['glint-md-l2']);
    assert.deepEqual((await api(OWNER, 'GET', `${NS}?limit=0`)).json(), { namespaces: [], schema: '/v2/schemas/metadefs/namespaces', first: '/v2/metadefs/namespaces?limit=0' });
  });

  it('refuses list parameters it cannot read, in the reference\'s order and words', async () => {
    expect(await api(OWNER, 'GET', `${NS}?visibility=bogus`), 400, badRequest('Invalid visibility value: bogus'));
    expect(await api(OWNER, 'GET', `${NS}?sort_dir=up&visibility=bogus`), 400, badRequest('Invalid sort direction: up'));
    expect(await api(OWNER, 'GET', `${NS}?limit=-1`), 400, badRequest('limit param must be positive'));
    // The reference fails on these with a 500.
    expect(await api(OWNER, 'GET', `${NS}?limit=abc&sort_dir=up`), 400, badRequest('limit param must be an integer'));
    expect(await api(OWNER, 'GET', `${NS}?sort_key=bogus`), 400, badRequest('Sort key supplied is invalid: bogus'));
    expect(await api(OWNER, 'GET', `${NS}?marker=glint-md-nothere`), 404, notFound('Metadata definition namespace=glint-md-nothere was not found.'));
    expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-hidden', owner: P2 }), 201);
    expect(await api(OWNER, 'GET', `${NS}?marker=glint-md-hidden`), 403, forbidden('Forbidding request, metadata definition namespace=glint-md-hidden is not visible.'));
  });

  it('updates a namespace in place of all its attributes, answering its times as they were', async () => {
    expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-u', display_name: 'U', tags: [{ name: 't' }] }), 201);
    const before = (await api(ADMIN, 'GET', `${NS}/glint-md-u`)).json();
    expect(await api(ADMIN, 'PUT', `${NS}/glint-md-u`, { namespace: 'glint-md-b' }), 409,
      conflict('Invalid update. It would result in a duplicate metadata definition namespace with the same name of glint-md-b'));
    const updated = await api(ADMIN, 'PUT', `${NS}/glint-md-u`, { namespace: 'glint-md-u2', description: 'new' });
    expect(updated, 200);
    assert.deepEqual(updated.json(), {
      namespace: 'glint-md-u2', description: 'new', visibility: 'private', protected: false, owner: P1,
      created_at: before.created_at, updated_at: before.updated_at, self: '/v2/metadefs/namespaces/glint-md-u2', schema: '/v2/schemas/metadefs/namespace',
    });
    const shown = (await api(ADMIN, 'GET', `${NS}/glint-md-u2`)).json();
    assert.equal(shown.display_name, undefined);
    assert.deepEqual(shown.tags, [{ name: 't' }]);
    expect(await api(ADMIN, 'GET', `${NS}/glint-md-u`), 404, notFound('Metadata definition namespace=glint-md-u was not found.'));
  });

  it('keeps a protected namespace and all it holds, and deletes them once it is not', async () => {
    const b = `${NS}/glint-md-b`;
    expect(await api(ADMIN, 'DELETE', `${b}/tags/t1`), 403, forbidden('Metadata definition tag t1 is protected and cannot be deleted.'));
    expect(await api(ADMIN, 'DELETE', `${b}/objects/o1`), 403, forbidden('Metadata definition object o1 is protected and cannot be deleted.'));
    expect(await api(ADMIN, 'DELETE', `${b}/properties/p1`), 403, forbidden('Metadata definition property p1 is protected and cannot be deleted.'));
    expect(await api(ADMIN, 'DELETE', `${b}/resource_types/Glint::New`), 403,
      forbidden('Metadata definition resource-type-association Glint::New is protected and cannot be deleted.'));
    for (const what of ['', '/objects', '/properties', '/tags']) {
      expect(await api(ADMIN, 'DELETE', `${b}${what}`), 403, forbidden('Metadata definition namespace glint-md-b is protected and cannot be deleted.'));
    }
    expect(await api(ADMIN, 'PUT', b, { namespace: 'glint-md-b', visibility: 'public' }), 200);
    for (const what of ['/objects', '/properties', '/tags']) {
      const cleared = await api(ADMIN, 'DELETE', `${b}${what}`);
      expect(cleared, 204);
      assert.equal(cleared.type, 'text/html; charset=UTF-8');
    }
    const emptied = (await api(ADMIN, 'GET', b)).json();
    assert.deepEqual([emptied.objects, emptied.properties, emptied.tags], [undefined, undefined, undefined]);
    assert.equal((emptied.resource_type_associations as unknown[]).length, 2);
    expect(await api(ADMIN, 'DELETE', b), 204);
    expect(await api(ADMIN, 'DELETE', b), 404, notFound('Namespace glint-md-b not found'));
  });

  describe('objects, properties and tags', () => {
    const N = `${NS}/glint-md-items`;
    before(async () => {
      expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-items', owner: P1, resource_type_associations: [{ name: 'Glint::I', prefix: 'i_' }] }), 201);
    });

    it('objects: made, listed, shown, renamed, removed; with the reference\'s refusals', async () => {
      const made = await api(ADMIN, 'POST', `${N}/objects`, { name: 'o2', properties: { y: { title: 'Y', type: 'string' } } });
      expect(made, 201);
      const at = made.json().created_at;
      assert.deepEqual(made.json(), {
        name: 'o2', properties: { y: { type: 'string', title: 'Y' } }, created_at: at, updated_at: at,
        self: '/v2/metadefs/namespaces/glint-md-items/objects/o2', schema: '/v2/schemas/metadefs/object',
      });
      expect(await api(ADMIN, 'POST', `${N}/objects`, { name: 'o1', required: [] }), 201);
      expect(await api(ADMIN, 'POST', `${N}/objects`, { name: 'o1' }), 409, conflict('A metadata definition object with name=o1 already exists in namespace=glint-md-items.'));
      const listed = (await api(OWNER, 'GET', `${N}/objects`)).json();
      assert.equal(listed.schema, 'v2/schemas/metadefs/objects');
      assert.deepEqual((listed.objects as Array<{ name: string; required: unknown }>).map((o) => [o.name, o.required]), [['o1', []], ['o2', []]]);
      expect(await api(ADMIN, 'PUT', `${N}/objects/o2`, { name: 'o1' }), 409,
        conflict('Invalid update. It would result in a duplicate metadata definition object with the same name=o2 in namespace=glint-md-items.'));
      const renamed = await api(ADMIN, 'PUT', `${N}/objects/o2`, { name: 'o3', description: 'x' });
      expect(renamed, 200);
      assert.deepEqual(renamed.json(), { name: 'o3', description: 'x', created_at: at, updated_at: at, self: `${N}/objects/o3`, schema: '/v2/schemas/metadefs/object' });
      const shown = (await api(OWNER, 'GET', `${N}/objects/o3`)).json();
      assert.deepEqual([shown.required, shown.properties, shown.description], [[], {}, 'x']);
      expect(await api(OWNER, 'GET', `${N}/objects/o2`), 404, notFound('Could not find metadata object o2'));
      expect(await api(ADMIN, 'DELETE', `${N}/objects/o3`), 204);
      expect(await api(ADMIN, 'DELETE', `${N}/objects/o3`), 404, notFound('Could not find metadata object o3'));
      // Each property definition of a new object is checked against the property schema itself.
      const refused = await api(ADMIN, 'POST', `${N}/objects`, { name: 'o4', properties: { x: { title: 'X', type: 'string', bogus: 1 } } });
      expect(refused, 400);
      assert.match(refused.text, /^400 Bad Request\n\nProvided object does not match schema 'property': Additional properties are not allowed \('bogus' was unexpected\)/);
      expect(await api(ADMIN, 'POST', `${N}/objects`, { name: 'o4', created_at: 'x' }), 403, forbidden("Attribute 'created_at' is read-only."));
      expect(await api(OWNER, 'GET', `${N}/objects?limit=0`), 400, badRequest('limit param must be positive'));
      expect(await api(OWNER, 'GET', `${NS}/glint-md-none/objects`), 404, notFound('Metadata definition namespace=glint-md-none was not found.'));
    });

    it('properties: converted as the reference\'s model converts them, named by a resource type\'s prefix', async () => {
      const made = await api(ADMIN, 'POST', `${N}/properties`, { name: 'q', title: 'Q', type: 'number', default: false, minimum: 1.5, maximum: 2.7 });
      expect(made, 201);
      assert.deepEqual(made.json(), { name: 'q', type: 'number', title: 'Q', default: 'False', minimum: 1, maximum: 2 });
      expect(await api(ADMIN, 'POST', `${N}/properties`, { name: 'q', title: 'Q', type: 'string' }), 409,
        conflict('A metadata definition property with name=q already exists in namespace=glint-md-items.'));
      expect(await api(ADMIN, 'POST', `${N}/properties`, { name: 'r', title: 'R', type: 'string' }), 201);
      assert.deepEqual((await api(OWNER, 'GET', `${N}/properties`)).json(), {
        properties: { q: { name: 'q', type: 'number', title: 'Q', default: 'False', minimum: 1, maximum: 2 }, r: { name: 'r', type: 'string', title: 'R' } },
      });
      assert.deepEqual((await api(OWNER, 'GET', `${N}/properties/i_r?resource_type=Glint::I`)).json(), { name: 'r', type: 'string', title: 'R' });
      expect(await api(OWNER, 'GET', `${N}/properties/r?resource_type=Glint::I`), 404,
        notFound("Property r does not start with the expected resource type association prefix of 'i_'."));
      expect(await api(OWNER, 'GET', `${N}/properties/r?resource_type=Glint::Nope`), 404,
        notFound('The metadata definition resource-type with name=Glint::Nope, was not found.'));
      expect(await api(ADMIN, 'PUT', `${N}/properties/r`, { name: 'q', title: 'R', type: 'string' }), 409,
        conflict('Invalid update. It would result in a duplicate metadata definition property with the same name=r in namespace=glint-md-items.'));
      const updated = await api(ADMIN, 'PUT', `${N}/properties/r`, { name: 'r2', title: 'R2', type: 'array', items: { type: 'string', enum: ['a'] } });
      assert.deepEqual(updated.json(), { name: 'r2', type: 'array', title: 'R2', items: { type: 'string', enum: ['a'] } });
      expect(await api(OWNER, 'GET', `${N}/properties/r`), 404, notFound('Could not find property r'));
      expect(await api(ADMIN, 'DELETE', `${N}/properties/r2`), 204);
      expect(await api(ADMIN, 'DELETE', `${N}/properties/r2`), 404, notFound('Could not find property r2'));
      // A definition the reference's model cannot take (it fails with a 500).
      expect(await api(ADMIN, 'POST', `${N}/properties`, { name: 's', title: 'S', type: 'string', enum: [1] }), 400);
      expect(await api(OWNER, 'GET', `${NS}/glint-md-none/properties`), 404, notFound('Namespace glint-md-none not found'));
    });

    it('tags: one by name, a batch in place of the others or after them, sorted and paged', async () => {
      const made = await api(ADMIN, 'POST', `${N}/tags/t1`);
      expect(made, 201);
      assert.deepEqual(Object.keys(made.json()), ['name', 'created_at', 'updated_at']);
      expect(await api(ADMIN, 'POST', `${N}/tags/t1`), 409,
        conflict('A metadata tag with name=t1 already exists in namespace=glint-md-items. (Please note that metadata tag names are case insensitive).'));
      expect(await api(ADMIN, 'POST', `${N}/tags/${'y'.repeat(81)}`), 400, badRequest(
        `Provided object does not match schema 'tag': '${'y'.repeat(81)}' is too long  Failed validating 'maxLength' in schema['properties']['name']:     ` +
          `{'maxLength': 80, 'type': 'string'}  On instance['name']:     '${'y'.repeat(81)}'`,
      ));
      const batch = await api(ADMIN, 'POST', `${N}/tags`, { tags: [{ name: 'x1' }, { name: 'x2' }] });
      expect(batch, 201);
      assert.deepEqual(batch.json(), { tags: [{ name: 'x1' }, { name: 'x2' }] });
      assert.deepEqual((await api(OWNER, 'GET', `${N}/tags`)).json(), { tags: [{ name: 'x2' }, { name: 'x1' }] });
      expect(await api(ADMIN, 'POST', `${N}/tags`, { tags: [{ name: 'x3' }] }, { 'x-openstack-append': 'true' }), 201);
      expect(await api(ADMIN, 'POST', `${N}/tags`, { tags: [{ name: 'y' }, { name: 'y' }] }), 409,
        conflict('A metadata tag with name=y already exists in namespace=glint-md-items. (Please note that metadata tag names are case insensitive).'));
      assert.deepEqual((await api(OWNER, 'GET', `${N}/tags?sort_key=name&sort_dir=asc&limit=2`)).json(), { tags: [{ name: 'x1' }, { name: 'x2' }] });
      assert.deepEqual((await api(OWNER, 'GET', `${N}/tags?sort_key=name&sort_dir=asc&marker=x1`)).json(), { tags: [{ name: 'x2' }, { name: 'x3' }] });
      expect(await api(OWNER, 'GET', `${N}/tags?marker=zz`), 404, notFound('Could not find metadata tag zz'));
      expect(await api(OWNER, 'GET', `${N}/tags?limit=abc`), 400, badRequest('limit param must be an integer'));
      const renamed = await api(ADMIN, 'PUT', `${N}/tags/x3`, { name: 'x4' });
      expect(renamed, 200);
      assert.equal(renamed.json().name, 'x4');
      expect(await api(ADMIN, 'PUT', `${N}/tags/x4`, { name: 'x1' }), 409,
        conflict('A metadata tag with name=x1 already exists in namespace=glint-md-items. (Please note that metadata tag names are case insensitive).'));
      expect(await api(ADMIN, 'PUT', `${N}/tags/x4`, { name: 'a😀' }), 400, badRequest("Couldn't update metadata tag: Name can't contain 4 byte unicode characters."));
      expect(await api(ADMIN, 'DELETE', `${N}/tags/x4`), 204);
      expect(await api(OWNER, 'GET', `${N}/tags/x4`), 404, notFound('Could not find metadata tag x4'));
      expect(await api(ADMIN, 'POST', `${N}/tags/a%00b`), 400, badRequest('A tag cannot contain the NUL character.'));
    });

    it('resource types: listed, associated (made as needed), dissociated', async () => {
      const associated = await api(ADMIN, 'POST', `${N}/resource_types`, { name: 'Glint::Other', prefix: 'o:' });
      expect(associated, 201);
      const at = associated.json().created_at;
      assert.deepEqual(associated.json(), { name: 'Glint::Other', prefix: 'o:', created_at: at, updated_at: at });
      expect(await api(ADMIN, 'POST', `${N}/resource_types`, { name: 'Glint::Other' }), 409,
        conflict('The metadata definition resource-type association of resource-type=Glint::Other to namespace=glint-md-items already exists.'));
      assert.deepEqual((await api(OWNER, 'GET', `${N}/resource_types`)).json().resource_type_associations, [
        { name: 'Glint::I', prefix: 'i_', created_at: (await api(OWNER, 'GET', N)).json().created_at, updated_at: (await api(OWNER, 'GET', N)).json().created_at },
        { name: 'Glint::Other', prefix: 'o:', created_at: at, updated_at: at },
      ]);
      const types = (await api(OTHER, 'GET', '/v2/metadefs/resource_types')).json().resource_types as Array<{ name: string }>;
      assert.ok(types.some((type) => type.name === 'Glint::Other'));
      expect(await api(ADMIN, 'DELETE', `${N}/resource_types/Glint::Other`), 204);
      expect(await api(ADMIN, 'DELETE', `${N}/resource_types/Glint::Other`), 404, notFound('Failed to find resource type Glint::Other to delete'));
      // The resource type stays.
      assert.ok(((await api(OTHER, 'GET', '/v2/metadefs/resource_types')).json().resource_types as Array<{ name: string }>).some((t) => t.name === 'Glint::Other'));
    });
  });

  describe('refusals', () => {
    before(async () => {
      expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-private', owner: P1, tags: [{ name: 't' }] }), 201);
      expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-public', owner: P1, visibility: 'public' }), 201);
    });

    it('bodies: none, no JSON, the wrong type, read-only attributes, schema failures, what the model cannot take', async () => {
      expect(await api(ADMIN, 'POST', NS, ''), 400, badRequest('Body expected in request.'));
      expect(await api(ADMIN, 'POST', NS, 'nojson'), 400, badRequest('Malformed JSON in request body.'));
      expect(await api(ADMIN, 'POST', NS, '1'), 400, badRequest('Unexpected body type. Expected list/dict.'));
      expect(await api(ADMIN, 'POST', NS, { namespace: 'x', created_at: 'x' }), 403, forbidden("Attribute 'created_at' is read-only."));
      expect(await api(ADMIN, 'POST', NS, { namespace: 'x', self: 'x', created_at: 'x' }), 403, forbidden("Attribute 'self' is read-only."));
      expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-z', properties: { a: { type: 'string', title: 'x', minLength: -1 } } }), 400, badRequest(
        "Provided object does not match schema 'namespace': -1 is less than the minimum of 0  Failed validating 'minimum' in " +
          "schema['properties']['properties']['additionalProperties']['properties']['minLength']['allOf'][0]:     {'minimum': 0, 'type': 'integer'}  " +
          "On instance['properties']['a']['minLength']:     -1",
      ));
      expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-z', display_name: 'a😀' }), 400,
        badRequest("Couldn't create metadata namespace: Display_Name can't contain 4 byte unicode characters."));
      // The reference fails on these with a 500: its model has no such attribute, or takes no list.
      expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-z', properties: { p: { title: 'P', type: 'string', extra: 1 } } }), 400,
        badRequest('Unknown attribute for argument properties: extra'));
      expect(await api(ADMIN, 'POST', NS, [1]), 400, badRequest('Request body must be a JSON object.'));
      // Nothing of a refused create is kept, the namespace included.
      expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-z', objects: [{ name: 'a' }, { name: 'a' }] }), 409,
        conflict('A metadata definition object with name=a already exists in namespace=glint-md-z.'));
      expect(await api(ADMIN, 'GET', `${NS}/glint-md-z`), 404);
    });

    it('bodies where none belongs', async () => {
      const withBody = { 'content-type': 'application/json' };
      expect(await api(ADMIN, 'GET', `${NS}/glint-md-private`, '{"a":1}', withBody), 400, badRequest('A body is not expected with this request.'));
      expect(await api(ADMIN, 'DELETE', `${NS}/glint-md-private/tags`, 'x', withBody), 400, badRequest('Malformed JSON in request body.'));
      // The reference fails on this one with a 500, and deletes nothing.
      expect(await api(ADMIN, 'DELETE', `${NS}/glint-md-private/tags`, '{"a":1}', withBody), 400, badRequest('A body is not expected with this request.'));
      assert.deepEqual((await api(ADMIN, 'GET', `${NS}/glint-md-private/tags`)).json(), { tags: [{ name: 't' }] });
    });

    it('methods no route has', async () => {
      const head = await api(ADMIN, 'HEAD', NS);
      expect(head, 405);
      assert.equal(head.headers.allow, 'GET, POST');
      const patch = await api(ADMIN, 'PATCH', `${NS}/glint-md-private/tags/t`);
      expect(patch, 405, '405 Method Not Allowed\n\nThe method PATCH is not allowed for this resource. \n\n ');
      assert.equal(patch.headers.allow, 'GET, POST, PUT, DELETE');
      assert.equal((await api(ADMIN, 'GET', `${NS}/glint-md-private/resource_types/x`)).headers.allow, 'DELETE');
      expect(await api(ADMIN, 'GET', `${NS}/`), 404, BARE_NOT_FOUND);
    });

    it('another project\'s private namespace is not found, in each call\'s words; a public one is read but not written', async () => {
      const hidden = `${NS}/glint-md-private`;
      expect(await api(OTHER, 'GET', hidden), 404, BARE_NOT_FOUND);
      expect(await api(OTHER, 'GET', `${hidden}/objects`), 404, notFound('Namespace glint-md-private not found'));
      expect(await api(OTHER, 'GET', `${hidden}/tags`), 404, notFound('Namespace glint-md-private not found'));
      expect(await api(OTHER, 'PUT', hidden, { namespace: 'glint-md-private' }), 404, notFound('Namespace glint-md-private not found'));
      expect(await api(OTHER, 'DELETE', hidden), 404, notFound('Namespace glint-md-private not found'));
      const open = `${NS}/glint-md-public`;
      expect(await api(OTHER, 'GET', open), 200);
      expect(await api(OTHER, 'PUT', open, { namespace: 'glint-md-public' }), 403, forbidden('You are not authorized to complete modify_metadef_namespace action.'));
      expect(await api(OTHER, 'POST', `${open}/objects`, { name: 'o' }), 403, forbidden('You are not authorized to complete add_metadef_object action.'));
      expect(await api(OTHER, 'DELETE', `${open}/tags`), 403, forbidden('You are not authorized to complete delete_metadef_namespace action.'));
    });

    it('every write is an admin\'s, even on the caller\'s own namespace', async () => {
      const own = `${NS}/glint-md-private`;
      expect(await api(OWNER, 'POST', NS, { namespace: 'glint-md-c' }), 403, forbidden('You are not authorized to complete add_metadef_namespace action.'));
      expect(await api(OWNER, 'POST', `${own}/tags/x`), 403, forbidden('You are not authorized to complete add_metadef_tag action.'));
      expect(await api(OWNER, 'POST', `${own}/tags`, { tags: [] }), 403, forbidden('You are not authorized to complete add_metadef_tags action.'));
      expect(await api(OWNER, 'PUT', `${own}/tags/t`, { name: 'u' }), 403, forbidden('You are not authorized to complete modify_metadef_tag action.'));
      expect(await api(OWNER, 'DELETE', `${own}/properties/p`), 403, forbidden('You are not authorized to complete remove_metadef_property action.'));
      expect(await api(OWNER, 'POST', `${own}/resource_types`, { name: 'R' }), 403,
        forbidden('You are not authorized to complete add_metadef_resource_type_association action.'));
      expect(await api(OWNER, 'DELETE', `${own}/resource_types/R`), 403,
        forbidden('You are not authorized to complete remove_metadef_resource_type_association action.'));
      // Reads under the legacy rules need no role at all.
      expect(await api(`carol:${P1}:member`, 'GET', own), 200);
    });
  });
});

describe('metadata definitions (secure policy: readers read their project\'s and public namespaces)', () => {
  let server: { glint: Glint; dir: string };
  const api = caller(() => server.glint);
  before(async () => {
    server = await startGlint('secure');
    expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-s1', owner: P1, objects: [{ name: 'o' }] }), 201);
    expect(await api(ADMIN, 'POST', NS, { namespace: 'glint-md-s2', owner: P1, visibility: 'public' }), 201);
  });
  after(async () => {
    await server.glint.close();
    rmSync(server.dir, { recursive: true, force: true });
  });

  it('a reader of the owner project reads, and is refused writes naming the rule', async () => {
    const reader = `r:${P1}:reader`;
    expect(await api(reader, 'GET', `${NS}/glint-md-s1`), 200);
    expect(await api(reader, 'GET', `${NS}/glint-md-s1/objects/o`), 200);
    expect(await api(reader, 'POST', `${NS}/glint-md-s1/objects`, { name: 'x' }), 403, forbidden('You are not authorized to complete add_metadef_object action.'));
  });

  it('without the reader role nothing is found, lists and creates included', async () => {
    const member = `m:${P1}:member`;
    for (const [method, url, body] of [
      ['GET', `${NS}/glint-md-s2`], ['GET', `${NS}/glint-md-s2/objects`], ['POST', `${NS}/glint-md-s2/objects`, { name: 'x' }], ['GET', NS],
      ['GET', '/v2/metadefs/resource_types'], ['POST', NS, { namespace: 'glint-md-s3' }],
    ] as Array<[string, string, object?]>) {
      expect(await api(member, method, url, body), 404, BARE_NOT_FOUND);
    }
  });

  it('another project\'s reader reads public namespaces only; its list shows them alone', async () => {
    expect(await api(OTHER, 'GET', `${NS}/glint-md-s2`), 200);
    expect(await api(OTHER, 'GET', `${NS}/glint-md-s1`), 404, BARE_NOT_FOUND);
    expect(await api(OTHER, 'GET', `${NS}/glint-md-s1/objects`), 404, notFound('Namespace glint-md-s1 not found'));
    expect(await api(OTHER, 'DELETE', `${NS}/glint-md-s2`), 403, forbidden('You are not authorized to complete delete_metadef_namespace action.'));
    const listed = (await api(OTHER, 'GET', NS)).json().namespaces as Array<{ namespace: string }>;
    assert.deepEqual(listed.map((n) => n.namespace), ['glint-md-s2']);
    expect(await api(ADMIN, 'DELETE', `${NS}/glint-md-s2`), 204);
  });
});
