// The identity API and `--auth keystone` end to end through fastify.inject: token issue and
// validation in the recorded Keystone shapes, 401s on every endpoint of the three APIs for missing,
// expired and revoked tokens, project isolation, wrong passwords and lockout, and what the catalog
// file keeps of secrets.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';

// Copied from the reference deployment's recordings (../shared/spec/identity-examples), so a clone has them.
const EXAMPLES = new URL('./identity-examples/', import.meta.url);
const example = (name: string) =>
  JSON.parse(readFileSync(new URL(`${name}.json`, EXAMPLES), 'utf8')) as { status: number; body: unknown; response_headers: [string, string][] };

const LOCKOUT_ATTEMPTS = 3;
/** Long enough that a loaded machine cannot let a lockout end between the last failure and the next attempt. */
const LOCKOUT_SECONDS = 5;
const PASSWORDS = { admin: 'admin-secret-pw', alice: 'alice-secret-pw', bob: 'bob-secret-pw', carol: 'carol-secret-pw' };

let glint: Glint;
let dir: string;
const ids = { alice: '', bob: '', carol: '', pAlice: '', pBob: '', admin: '' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glint-identity-api-'));
  // An empty environment, so GLINT_* variables of the shell running the tests change nothing.
  const config = loadConfig(
    { profile: 'openstack', auth: 'keystone', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0, lockoutAttempts: LOCKOUT_ATTEMPTS, lockoutDuration: LOCKOUT_SECONDS },
    {},
  );
  glint = await createGlint(config);
  const identity = glint.accounts;
  await identity.bootstrap(PASSWORDS.admin);
  const pAlice = await identity.createProject('p-alice');
  const pBob = await identity.createProject('p-bob');
  ids.pAlice = pAlice.id;
  ids.pBob = pBob.id;
  ids.alice = (await identity.createUser('alice', PASSWORDS.alice, pAlice.id, ['member', 'reader'])).id;
  ids.bob = (await identity.createUser('bob', PASSWORDS.bob, pBob.id, ['member', 'reader'])).id;
  ids.carol = (await identity.createUser('carol', PASSWORDS.carol, pAlice.id, ['reader'])).id;
  ids.admin = (await identity.findUser('admin'))!.id;
  await glint.listen();
});

after(async () => {
  await glint?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

async function call(app: FastifyInstance, method: string, url: string, headers: Record<string, string> = {}, payload?: unknown): Promise<Answer> {
  const answer = await app.inject({
    method: method as 'GET',
    url,
    headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
    payload: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { statusCode: answer.statusCode, headers: answer.headers, body: answer.body, json: <T>() => answer.json<T>() };
}

function passwordLogin(user: string, password: string, project?: string | null) {
  const auth: Record<string, unknown> = {
    identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
  };
  if (project) auth.scope = { project: { name: project, domain: { name: 'Default' } } };
  return { auth };
}

async function login(user: keyof typeof PASSWORDS, project: string | null, query = ''): Promise<{ token: string; answer: Answer }> {
  const answer = await call(glint.identity, 'POST', `/v3/auth/tokens${query}`, {}, passwordLogin(user, PASSWORDS[user], project));
  assert.equal(answer.statusCode, 201, answer.body);
  return { token: String(answer.headers['x-subject-token']), answer };
}

/** The same keys, recursively, and the same JSON types: the shape of a recorded body, not its values. */
function assertSameShape(actual: unknown, recorded: unknown, path = 'body'): void {
  if (Array.isArray(recorded)) {
    assert.ok(Array.isArray(actual), `${path} should be a list`);
    if (recorded.length > 0 && actual.length > 0) assertSameShape(actual[0], recorded[0], `${path}[0]`);
    return;
  }
  if (recorded !== null && typeof recorded === 'object') {
    assert.ok(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${path} should be an object`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(recorded).sort(), `keys of ${path}`);
    for (const key of Object.keys(recorded)) assertSameShape((actual as Record<string, unknown>)[key], (recorded as Record<string, unknown>)[key], `${path}.${key}`);
    return;
  }
  assert.equal(actual === null ? 'null' : typeof actual, recorded === null ? 'null' : typeof recorded, `type of ${path}`);
}

const UNAUTHORIZED = { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } };

function assertKeystone401(answer: Answer, uri: RegExp, what: string): void {
  assert.equal(answer.statusCode, 401, `${what}: ${answer.statusCode} ${answer.body}`);
  assert.deepEqual(answer.json(), UNAUTHORIZED, what);
  assert.match(String(answer.headers['www-authenticate']), uri, what);
}

describe('identity API: the recorded Keystone exchanges', () => {
  test('version documents', async () => {
    const root = await call(glint.identity, 'GET', '/');
    assert.equal(root.statusCode, 300);
    assertSameShape(root.json(), example('ks_get_root').body);
    assert.match(String(root.headers.location), /^http:\/\/localhost(:\d+)?\/v3\/$/);
    const v3 = await call(glint.identity, 'GET', '/v3');
    assert.equal(v3.statusCode, 200);
    assertSameShape(v3.json(), example('ks_get_v3').body);
  });

  test('password login scoped to a project by name: 201, X-Subject-Token, token and catalog as recorded', async () => {
    const { token, answer } = await login('alice', 'p-alice');
    assert.match(token, /^[A-Za-z0-9]{43}$/);
    assert.equal(answer.headers['vary'], 'X-Auth-Token');
    const body = answer.json<{ token: Record<string, unknown> }>();
    assertSameShape(body, example('ks_auth_password_project_scope').body);
    assert.deepEqual(body.token.user, { domain: { id: 'default', name: 'Default' }, id: ids.alice, name: 'alice', password_expires_at: null });
    assert.deepEqual(body.token.project, { domain: { id: 'default', name: 'Default' }, id: ids.pAlice, name: 'p-alice' });
    assert.deepEqual((body.token.roles as { name: string }[]).map((r) => r.name).sort(), ['member', 'reader']);
    assert.match(String(body.token.expires_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/);
    const hours = (Date.parse(String(body.token.expires_at)) - Date.parse(String(body.token.issued_at))) / 3_600_000;
    assert.equal(hours, 12);
    const catalog = body.token.catalog as { type: string; endpoints: { interface: string; url: string; region: string }[] }[];
    const urls = Object.fromEntries(catalog.map((s) => [s.type, s.endpoints.find((e) => e.interface === 'public')!.url]));
    // The identity API names itself as the client addressed it (inject's default Host), the others on their own ports.
    assert.deepEqual(urls, {
      identity: 'http://localhost:80/v3/',
      compute: `http://localhost:${port(glint.urls.compute)}/v2.1`,
      image: `http://localhost:${port(glint.urls.image)}`,
    });
    for (const service of catalog) assert.deepEqual(service.endpoints.map((e) => [e.interface, e.region]), [['public', 'RegionOne'], ['internal', 'RegionOne'], ['admin', 'RegionOne']]);
  });

  test('admin login has the three roles; ?nocatalog and unscoped tokens leave out what the recordings leave out', async () => {
    const admin = await login('admin', 'admin');
    assertSameShape(admin.answer.json(), example('ks_auth_password_project_scope_admin').body);
    const roles = admin.answer.json<{ token: { roles: { name: string }[] } }>().token.roles.map((r) => r.name).sort();
    assert.deepEqual(roles, ['admin', 'member', 'reader']);
    assertSameShape((await login('alice', 'p-alice', '?nocatalog')).answer.json(), example('ks_auth_password_project_scope_nocatalog').body);
    assertSameShape((await login('alice', null)).answer.json(), example('ks_auth_password_unscoped').body);
  });

  test('user and project by id work as by name', async () => {
    const answer = await call(glint.identity, 'POST', '/v3/auth/tokens', {}, {
      auth: { identity: { methods: ['password'], password: { user: { id: ids.bob, password: PASSWORDS.bob } } }, scope: { project: { id: ids.pBob } } },
    });
    assert.equal(answer.statusCode, 201, answer.body);
    assert.equal(answer.json<{ token: { project: { id: string } } }>().token.project.id, ids.pBob);
  });

  test('wrong password, unknown user, a project without a role: the recorded 401', async () => {
    const wrong = example('ks_auth_wrong_password');
    for (const [body, what] of [
      [passwordLogin('alice', 'wrong-password', 'p-alice'), 'wrong password'],
      [passwordLogin('no-such-user', 'x', 'p-alice'), 'unknown user'],
      [passwordLogin('alice', PASSWORDS.alice, 'p-bob'), 'no role on the project'],
      [passwordLogin('alice', PASSWORDS.alice, 'no-such-project'), 'unknown project'],
    ] as const) {
      const answer = await call(glint.identity, 'POST', '/v3/auth/tokens', {}, body);
      assert.equal(answer.statusCode, wrong.status, what);
      assert.deepEqual(answer.json(), wrong.body, what);
      assert.match(String(answer.headers['www-authenticate']), /^Keystone uri="http:\/\/localhost(:\d+)?\/v3"$/, what);
    }
  });

  test('malformed login requests get 400 in Keystone form, never 500', async () => {
    for (const body of ['{', '[]', { auth: {} }, { auth: { identity: { methods: 'password' } } }, { auth: { identity: { methods: ['password'] } } },
      { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'x' } } } } },
      { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Default' }, password: 7 } } } } }]) {
      const answer = await call(glint.identity, 'POST', '/v3/auth/tokens', {}, body);
      assert.equal(answer.statusCode, 400, `${JSON.stringify(body)}: ${answer.body}`);
      const error = answer.json<{ error: { code: number; title: string; message: string } }>().error;
      assert.equal(error.code, 400);
      assert.equal(error.title, 'Bad Request');
      assert.ok(error.message.length > 0);
    }
    const wrongMethod = await call(glint.identity, 'POST', '/v3/auth/tokens', {}, { auth: { identity: { methods: ['totp'], totp: {} } } });
    assert.equal(wrongMethod.statusCode, 401);
  });

  test('a scope names exactly one thing, "unscoped" included, and every user, project and domain an id or a name', async () => {
    const { identity } = passwordLogin('alice', PASSWORDS.alice).auth as { identity: { password: { user: object } } };
    const post = (scope: unknown, user: object = identity.password.user) =>
      call(glint.identity, 'POST', '/v3/auth/tokens', {}, { auth: { identity: { methods: ['password'], password: { user } }, scope } });
    const project = { name: 'p-alice', domain: { name: 'Default' } };
    const notOne =
      'Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope. The server could not comply with the ' +
      'request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';
    const cases: [unknown, object | undefined, number, string?][] = [
      [{ project, domain: { id: 'default' } }, undefined, 400, notOne],
      [{}, undefined, 400, notOne],
      ['everything', undefined, 400, notOne],
      // Keystone looks for the names in a string too, then cannot index it.
      ['project', undefined, 400, "string indices must be integers, not 'str'"],
      [{ project: {} }, undefined, 400, 'Invalid input for field scope/project: id or name must be present.'],
      [{ project: { name: 'p-alice', domain: {} } }, undefined, 400, 'Invalid input for field scope/project/domain: id or name must be present.'],
      [{ domain: {} }, undefined, 400, 'Invalid input for field scope/domain: id or name must be present.'],
      [{ project }, { name: 'alice', domain: {}, password: PASSWORDS.alice }, 400, 'Invalid input for field identity/password/user/domain: id or name must be present.'],
      [{ project }, { password: PASSWORDS.alice }, 400, 'Invalid input for field identity/password/user: id or name must be present.'],
      [{ domain: { id: 'default' } }, undefined, 401],
    ];
    for (const [scope, user, status, message] of cases) {
      const answer = await post(scope, user);
      assert.equal(answer.statusCode, status, `${JSON.stringify(scope)} ${JSON.stringify(user)}: ${answer.body}`);
      if (message) assert.equal(answer.json<{ error: { message: string } }>().error.message, message);
    }
    for (const scope of ['unscoped', { unscoped: {} }]) {
      const answer = await post(scope);
      assert.equal(answer.statusCode, 201, `${JSON.stringify(scope)}: ${answer.body}`);
      assertSameShape(answer.json(), example('ks_auth_password_unscoped').body);
    }
  });

  test('a method a path does not route gets Flask\'s 405 and Allow; an unknown path stays 404', async () => {
    const methods = (answer: Answer) => String(answer.headers.allow).split(', ').sort();
    const tokens = await call(glint.identity, 'PUT', '/v3/auth/tokens');
    assert.equal(tokens.statusCode, 405, tokens.body);
    assert.deepEqual(methods(tokens), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST']);
    assert.equal(tokens.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(tokens.body, '{"message": "The method is not allowed for the requested URL."}\n');
    const catalog = await call(glint.identity, 'DELETE', '/v3/auth/catalog');
    assert.equal(catalog.statusCode, 405, catalog.body);
    assert.deepEqual(methods(catalog), ['GET', 'HEAD', 'OPTIONS']);
    const root = await call(glint.identity, 'POST', '/');
    assert.equal(root.statusCode, 405, root.body);
    assert.match(root.body, /^<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed<\/title>\n/);
    const unknown = await call(glint.identity, 'PUT', '/v3/auth/nothing');
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.equal(unknown.json<{ error: { code: number } }>().error.code, 404);
  });

  test('validate (GET, HEAD), rescope with the token method, revoke (DELETE)', async () => {
    const admin = await login('admin', 'admin');
    const alice = await login('alice', 'p-alice');
    const asAdmin = { 'x-auth-token': admin.token, 'x-subject-token': alice.token };

    const validated = await call(glint.identity, 'GET', '/v3/auth/tokens', asAdmin);
    assert.equal(validated.statusCode, 200);
    assert.equal(validated.headers['x-subject-token'], alice.token);
    assert.deepEqual(validated.json(), alice.answer.json());
    const self = await call(glint.identity, 'GET', '/v3/auth/tokens', { 'x-auth-token': alice.token, 'x-subject-token': alice.token });
    assert.equal(self.statusCode, 200);
    const head = await call(glint.identity, 'HEAD', '/v3/auth/tokens', asAdmin);
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['x-subject-token'], alice.token);

    const bob = await login('bob', 'p-bob');
    const other = await call(glint.identity, 'GET', '/v3/auth/tokens', { 'x-auth-token': bob.token, 'x-subject-token': alice.token });
    assert.equal(other.statusCode, 403);
    assert.match(other.json<{ error: { message: string } }>().error.message, /identity:validate_token/);

    const invalid = await call(glint.identity, 'GET', '/v3/auth/tokens', { 'x-auth-token': admin.token, 'x-subject-token': 'gAAAAABnot-a-real-token' });
    assert.equal(invalid.statusCode, 404);
    assert.deepEqual(invalid.json(), example('ks_validate_token_invalid').body);
    assertKeystone401(await call(glint.identity, 'GET', '/v3/auth/tokens', { 'x-subject-token': alice.token }), /\/v3"$/, 'no X-Auth-Token');

    const rescoped = await call(glint.identity, 'POST', '/v3/auth/tokens', {}, {
      auth: { identity: { methods: ['token'], token: { id: alice.token } }, scope: { project: { name: 'p-alice', domain: { id: 'default' } } } },
    });
    assert.equal(rescoped.statusCode, 201, rescoped.body);
    const rescopedToken = rescoped.json<{ token: { methods: string[]; expires_at: string; audit_ids: string[] } }>().token;
    const original = alice.answer.json<{ token: { expires_at: string; audit_ids: string[] } }>().token;
    assert.deepEqual(rescopedToken.methods, ['token', 'password']);
    assert.equal(rescopedToken.expires_at, original.expires_at);
    assert.equal(rescopedToken.audit_ids[1], original.audit_ids[0]);

    const revoked = await call(glint.identity, 'DELETE', '/v3/auth/tokens', { 'x-auth-token': alice.token, 'x-subject-token': alice.token });
    assert.equal(revoked.statusCode, 204);
    const gone = await call(glint.identity, 'GET', '/v3/auth/tokens', asAdmin);
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json<{ error: { message: string } }>().error.message, 'Failed to validate token');
    const rescopeRevoked = await call(glint.identity, 'POST', '/v3/auth/tokens', {}, {
      auth: { identity: { methods: ['token'], token: { id: alice.token } } },
    });
    assert.equal(rescopeRevoked.statusCode, 401);
  });

  test('catalog and project listings: own projects for anyone, everything for admins only', async () => {
    const alice = await login('alice', 'p-alice');
    const headers = { 'x-auth-token': alice.token };
    const catalog = await call(glint.identity, 'GET', '/v3/auth/catalog', headers);
    assert.equal(catalog.statusCode, 200);
    assertSameShape(catalog.json(), example('ks_auth_catalog').body);
    const unscoped = await login('alice', null);
    assert.equal((await call(glint.identity, 'GET', '/v3/auth/catalog', { 'x-auth-token': unscoped.token })).statusCode, 403);

    const projects = await call(glint.identity, 'GET', '/v3/auth/projects', headers);
    assertSameShape(projects.json(), example('ks_auth_projects').body);
    assert.deepEqual(projects.json<{ projects: { id: string }[] }>().projects.map((p) => p.id), [ids.pAlice]);
    const mine = await call(glint.identity, 'GET', `/v3/users/${ids.alice}/projects`, headers);
    assert.deepEqual(mine.json<{ projects: { name: string }[] }>().projects.map((p) => p.name), ['p-alice']);
    assert.equal((await call(glint.identity, 'GET', `/v3/users/${ids.bob}/projects`, headers)).statusCode, 403);

    for (const path of ['/v3/projects', '/v3/users', '/v3/roles', '/v3/domains', `/v3/projects/${ids.pBob}`, `/v3/users/${ids.bob}`]) {
      const answer = await call(glint.identity, 'GET', path, headers);
      assert.equal(answer.statusCode, 403, path);
      assert.match(answer.json<{ error: { message: string } }>().error.message, /^You are not authorized to perform the requested action: identity:/, path);
    }
    assert.equal((await call(glint.identity, 'GET', `/v3/projects/${ids.pAlice}`, headers)).statusCode, 200);

    const admin = { 'x-auth-token': (await login('admin', 'admin')).token };
    const names = async (path: string, key: string) => (await call(glint.identity, 'GET', path, admin)).json<Record<string, { name: string }[]>>()[key].map((x) => x.name);
    assert.deepEqual(await names('/v3/projects', 'projects'), ['admin', 'p-alice', 'p-bob']);
    assert.deepEqual(await names('/v3/projects?name=p-bob', 'projects'), ['p-bob']);
    assert.deepEqual(await names('/v3/users', 'users'), ['admin', 'alice', 'bob', 'carol']);
    assert.deepEqual(await names('/v3/roles', 'roles'), ['admin', 'member', 'reader']);
    assert.deepEqual(await names('/v3/domains', 'domains'), ['Default']);
    assert.equal((await call(glint.identity, 'GET', '/v3/users/nope', admin)).statusCode, 404);
  });
});

function port(url: string): string {
  return new URL(url).port;
}

/** Every route a listener serves, as (method, path) with its parameters filled in, from Fastify's route tree. */
function routesOf(app: FastifyInstance, params: Record<string, string>): [string, string][] {
  const routes: [string, string][] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    stack.push(match[2]);
    const path = stack.join('').replace(/:(\w+)(\([^)]*\))?/g, (_all, name: string) => params[name] ?? `no-${name}`);
    for (const method of match[3].split(', ')) routes.push([method, path]);
  }
  return routes;
}

describe('--auth keystone: every endpoint refuses a missing, expired or revoked token', () => {
  const VERSION_DOCUMENTS = new Set(['/', '/v2', '/v2/', '/v2.1', '/v2.1/', '/versions', '/v3', '/v3/']);
  /** Each listener's description of itself, public as the version documents are (checked below). */
  const API_DESCRIPTION = '/openapi.json';

  test('401 from all three APIs, in keystonemiddleware\'s (or Keystone\'s) form', async () => {
    const store = glint.storage.identity;
    const expired = 'expired-token-value-for-the-test-00000000000';
    await store.insertToken({
      hash: createHash('sha256').update(expired).digest('hex'), user_id: ids.alice, project_id: ids.pAlice, roles: ['member', 'reader'],
      methods: ['password'], audit_ids: ['x'], issued_at: '2020-01-01T00:00:00.000000Z', expires_at: '2020-01-01T12:00:00.000000Z', revoked: false,
    });
    const revoked = (await login('alice', 'p-alice')).token;
    assert.equal(await glint.tokens.revoke(revoked), true);
    const valid = (await login('alice', 'p-alice')).token;

    const params = { project_id: ids.pAlice, image_id: '6a5b1e2e-0000-4000-8000-000000000001', key: 'k', tag: 't', member_id: ids.pBob, user_id: ids.alice };
    const apis = [
      { name: 'compute', app: glint.compute, uri: new RegExp(`^Keystone uri="http://localhost:${port(glint.urls.identity)}"$`) },
      { name: 'image', app: glint.image, uri: new RegExp(`^Keystone uri="http://localhost:${port(glint.urls.identity)}"$`) },
      { name: 'identity', app: glint.identity, uri: /^Keystone uri="http:\/\/localhost(:\d+)?\/v3"$/ },
    ];
    let checked = 0;
    for (const api of apis) {
      const routes = routesOf(api.app, params).filter(
        ([method, path]) => !VERSION_DOCUMENTS.has(path) && path !== API_DESCRIPTION && !(method === 'POST' && path === '/v3/auth/tokens'),
      );
      assert.equal((await call(api.app, 'GET', API_DESCRIPTION, {})).statusCode, 200, `${api.name}: ${API_DESCRIPTION} needs no token`);
      assert.ok(routes.length >= 8, `${api.name}: only ${routes.length} routes found`);
      for (const [method, path] of routes) {
        for (const [what, token] of [['no token', null], ['an expired token', expired], ['a revoked token', revoked], ['a made-up token', 'not-a-token']] as const) {
          const headers: Record<string, string> = token ? { 'x-auth-token': token } : {};
          if (api.name === 'identity') headers['x-subject-token'] = valid;
          const answer = await call(api.app, method, path, headers, method === 'POST' || method === 'PUT' || method === 'PATCH' ? '{}' : undefined);
          if (method === 'HEAD') {
            assert.equal(answer.statusCode, 401, `${api.name} ${method} ${path} with ${what}`);
          } else {
            assertKeystone401(answer, api.uri, `${api.name} ${method} ${path} with ${what}`);
          }
          checked++;
        }
      }
      // The same routes do answer a valid token (not necessarily 200: the made-up ids are unknown).
      const [method, path] = routes.find(([m]) => m === 'GET')!;
      const ok = await call(api.app, method, path, api.name === 'identity' ? { 'x-auth-token': valid, 'x-subject-token': valid } : { 'x-auth-token': valid });
      assert.notEqual(ok.statusCode, 401, `${api.name} ${method} ${path} with a valid token`);
    }
    assert.ok(checked > 150, `only ${checked} requests checked`);
  });

  test('a token of project A on project B\'s URL gets the recorded 400', async () => {
    const alice = await login('alice', 'p-alice');
    const answer = await call(glint.compute, 'GET', `/v2.1/${ids.pBob}/images`, { 'x-auth-token': alice.token });
    assert.equal(answer.statusCode, 400);
    // As recorded in err_project_mismatch, with this run's project ids.
    assert.deepEqual(answer.json(), {
      badRequest: { code: 400, message: `Malformed request URL: URL's project_id '${ids.pBob}' doesn't match Context's project_id '${ids.pAlice}'` },
    });
    const own = await call(glint.compute, 'GET', `/v2.1/${ids.pAlice}/images`, { 'x-auth-token': alice.token });
    assert.equal(own.statusCode, 200);
  });

  test('an unscoped token acts on no project', async () => {
    const unscoped = (await login('alice', null)).token;
    assertKeystone401(await call(glint.compute, 'GET', '/v2.1/images', { 'x-auth-token': unscoped }), /^Keystone uri=/, 'compute');
    assertKeystone401(await call(glint.image, 'GET', '/v2/images', { 'x-auth-token': unscoped }), /^Keystone uri=/, 'image');
  });
});

describe('--auth keystone: Huawei AK/SK signed requests', () => {
  /**
   * Headers Huawei's own signer produces (`date` defaults to now): for a bodyless GET by default, or for `method`
   * with a JSON body `data`, whose hash it signs, or with the headers `extra` (e.g. a declared payload hash).
   */
  function signed(
    path: string,
    ak: string,
    sk: string,
    projectId: string,
    date?: Date,
    { method = 'GET', data, extra = {} }: { method?: string; data?: unknown; extra?: Record<string, string> } = {},
  ): Record<string, string> {
    const headers: Record<string, string> = { 'X-Project-Id': projectId, 'Content-Type': 'application/json', host: 'localhost:80', ...extra };
    // The signer signs a given X-Sdk-Date as is, so it must already be in the wire format (20261127T074253Z).
    if (date) headers['X-Sdk-Date'] = date.toISOString().replace(/[-:]|\.\d+/g, '');
    const credentials = new BasicCredentials().withAk(ak).withSk(sk);
    return AKSKSigner.sign({ endpoint: `http://localhost:80${path}`, method, headers, queryParams: {}, data }, credentials);
  }

  test('a signed JSON body is verified against its hash: the signed one is taken, a swapped or unsigned one refused', async () => {
    const { access, secret } = await glint.accounts.createCredential(ids.alice);
    const token = (await login('alice', 'p-alice')).token;
    const created = await call(glint.image, 'POST', '/v2/images', { 'x-auth-token': token }, { name: 'signed-metadata', disk_format: 'raw', container_format: 'bare' });
    const id = created.json<{ id: string }>().id;
    const path = `/v2.1/${ids.pAlice}/images/${id}/metadata`;
    const data = { metadata: { signed: 'yes' } };
    const post = (headers: Record<string, string>, body: unknown) => call(glint.compute, 'POST', path, headers, JSON.stringify(body));
    const metadata = async () => (await call(glint.compute, 'GET', path, { 'x-auth-token': token })).json<{ metadata: Record<string, string> }>().metadata;

    const ok = await post(signed(path, access, secret, ids.pAlice, undefined, { method: 'POST', data }), data);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), data);

    const uri = /^Keystone uri=/;
    const swapped = { metadata: { signed: 'no', extra: 'x' } };
    assertKeystone401(await post(signed(path, access, secret, ids.pAlice, undefined, { method: 'POST', data }), swapped), uri, 'another body under the signature');
    const unsigned = signed(path, access, secret, ids.pAlice, undefined, { method: 'POST', extra: { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' } });
    assertKeystone401(await post(unsigned, swapped), uri, 'a JSON body declared unsigned');
    const declared = signed(path, access, secret, ids.pAlice, undefined, { method: 'POST', extra: { 'X-Sdk-Content-Sha256': createHash('sha256').update(JSON.stringify(data)).digest('hex') } });
    assertKeystone401(await post(declared, swapped), uri, 'a body that does not match the hash declared for it');
    assert.equal((await post(declared, data)).statusCode, 200, 'the body the declared hash is of');
    assert.deepEqual(await metadata(), { signed: 'yes' });
  });

  test('X-Project-Id must be among the signed headers; image data may be signed UNSIGNED-PAYLOAD, as Huawei\'s SDKs sign it', async () => {
    const { access, secret } = await glint.accounts.createCredential(ids.alice);
    const path = `/v2.1/${ids.pAlice}/images`;
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(signed(path, access, secret, ids.pAlice).Authorization)![1].split(';');
    assert.ok(signedHeaders.includes('x-project-id'), 'the signer signs every header it is given');
    // Signed without the header, which is then added: the project was never vouched for.
    const headers = AKSKSigner.sign(
      { endpoint: `http://localhost:80${path}`, method: 'GET', headers: { 'Content-Type': 'application/json', host: 'localhost:80' }, queryParams: {} },
      new BasicCredentials().withAk(access).withSk(secret),
    ) as Record<string, string>;
    assertKeystone401(await call(glint.compute, 'GET', path, { ...headers, 'X-Project-Id': ids.pAlice }), /^Keystone uri=/, 'X-Project-Id added after signing');

    const token = (await login('alice', 'p-alice')).token;
    const created = await call(glint.image, 'POST', '/v2/images', { 'x-auth-token': token }, { name: 'signed-data', disk_format: 'raw', container_format: 'bare' });
    const file = `/v2/images/${created.json<{ id: string }>().id}/file`;
    const upload = await glint.image.inject({
      method: 'PUT',
      url: file,
      headers: signed(file, access, secret, ids.pAlice, undefined, {
        method: 'PUT',
        extra: { 'Content-Type': 'application/octet-stream', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      }),
      payload: Buffer.from('image data'),
    });
    assert.equal(upload.statusCode, 204, upload.body);
  });

  test('a valid signature acts for the key\'s user on X-Project-Id; a bad one, a stale one or an unknown key gets 401', async () => {
    const { access, secret } = await glint.accounts.createCredential(ids.alice);
    const path = `/v2.1/${ids.pAlice}/images`;
    const ok = await call(glint.compute, 'GET', path, signed(path, access, secret, ids.pAlice));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.ok(Array.isArray(ok.json<{ images: unknown[] }>().images));
    const fourteenMinutes = await call(glint.compute, 'GET', path, signed(path, access, secret, ids.pAlice, new Date(Date.now() - 14 * 60_000)));
    assert.equal(fourteenMinutes.statusCode, 200);

    const uri = /^Keystone uri=/;
    assertKeystone401(await call(glint.compute, 'GET', path, signed(path, access, `${secret}x`, ids.pAlice)), uri, 'wrong secret');
    assertKeystone401(await call(glint.compute, 'GET', path, signed(path, access, secret, ids.pAlice, new Date(Date.now() - 16 * 60_000))), uri, 'stale date');
    assertKeystone401(await call(glint.compute, 'GET', path, signed(path, 'AKUNKNOWN00000000000', secret, ids.pAlice)), uri, 'unknown key');
    const bobPath = `/v2.1/${ids.pBob}/images`;
    assertKeystone401(await call(glint.compute, 'GET', bobPath, signed(bobPath, access, secret, ids.pBob)), uri, 'no role on the project');
    const tampered = signed(path, access, secret, ids.pAlice);
    assertKeystone401(await call(glint.compute, 'GET', `${path}?name=x`, tampered), uri, 'query added after signing');
    const image = await call(glint.image, 'GET', '/v2/images', signed('/v2/images', access, secret, ids.pAlice));
    assert.equal(image.statusCode, 200, image.body);
  });
});

describe('--auth keystone: project isolation', () => {
  test('a user without the admin role cannot read another project\'s private image by any endpoint', async () => {
    const bob = { 'x-auth-token': (await login('bob', 'p-bob')).token };
    const created = await call(glint.image, 'POST', '/v2/images', bob, { name: 'bob-private', disk_format: 'raw', container_format: 'bare', visibility: 'private' });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json<{ id: string }>().id;
    const upload = await glint.image.inject({ method: 'PUT', url: `/v2/images/${id}/file`, headers: { ...bob, 'content-type': 'application/octet-stream' }, payload: Buffer.from('bob data') });
    assert.equal(upload.statusCode, 204);
    await call(glint.image, 'PATCH', `/v2/images/${id}`, { ...bob, 'content-type': 'application/openstack-images-v2.1-json-patch' }, '[{"op":"add","path":"/secret","value":"s"}]');

    const reads = (projectId: string): [FastifyInstance, string][] => [
      [glint.compute, `/v2.1/${projectId}/images/${id}`],
      [glint.compute, `/v2.1/${projectId}/images/${id}/metadata`],
      [glint.compute, `/v2.1/${projectId}/images/${id}/metadata/secret`],
      [glint.compute, `/v2.1/images/${id}`],
      [glint.compute, `/v2/${projectId}/images/${id}`],
      [glint.image, `/v2/images/${id}`],
      [glint.image, `/v2/images/${id}/file`],
      [glint.image, `/v2/images/${id}/members`],
      [glint.image, `/v2/images/${id}/members/${projectId}`],
    ];
    const lists = (projectId: string): [FastifyInstance, string][] => [
      [glint.compute, `/v2.1/${projectId}/images`],
      [glint.compute, `/v2.1/${projectId}/images/detail?name=bob-private`],
      [glint.compute, `/v2.1/images/detail`],
      [glint.image, '/v2/images'],
      [glint.image, `/v2/images?owner=${ids.pBob}`],
      [glint.image, '/v2/images?visibility=private'],
      [glint.image, '/v2/images?visibility=all&member_status=all'],
      [glint.image, `/v2/images?id=${id}`],
      [glint.image, '/v2/images?name=bob-private'],
    ];

    for (const user of ['alice', 'carol'] as const) {
      const headers = { 'x-auth-token': (await login(user, 'p-alice')).token };
      for (const [app, url] of reads(ids.pAlice)) {
        const answer = await call(app, 'GET', url, headers);
        assert.equal(answer.statusCode, 404, `${user} GET ${url}: ${answer.statusCode} ${answer.body}`);
        assert.ok(!answer.body.includes('bob-private') && !answer.body.includes('bob data'), `${user} GET ${url} leaks: ${answer.body}`);
      }
      for (const [app, url] of lists(ids.pAlice)) {
        const answer = await call(app, 'GET', url, headers);
        assert.equal(answer.statusCode, 200, `${user} GET ${url}: ${answer.body}`);
        // (Not the body as text: the image API's `first` link echoes the query, which may carry the id.)
        const listed = answer.json<{ images: { id: string }[] }>().images.map((image) => image.id);
        assert.ok(!listed.includes(id), `${user} GET ${url} lists bob's private image`);
      }
    }

    // The same questions from the owner and from an admin do find it, so the checks above can fail.
    const admin = { 'x-auth-token': (await login('admin', 'admin')).token };
    const adminProject = (await glint.storage.identity.findProject('admin'))!.id;
    for (const [who, headers, projectId] of [['bob', bob, ids.pBob], ['admin', admin, adminProject]] as const) {
      for (const [app, url] of reads(projectId)) {
        if (url.includes('/members')) continue; // a private image has no members, even for its owner (403)
        const answer = await call(app, 'GET', url, headers);
        assert.equal(answer.statusCode, 200, `${who} GET ${url}: ${answer.body}`);
      }
      for (const [app, url] of lists(projectId)) {
        const listed = (await call(app, 'GET', url, headers)).json<{ images: { id: string }[] }>().images.map((image) => image.id);
        assert.ok(listed.includes(id), `${who} GET ${url} should list it`);
      }
    }
  });
});

describe('--auth keystone: lockout, as Keystone\'s lockout_failure_attempts', () => {
  test(`${LOCKOUT_ATTEMPTS} wrong passwords lock the account, also against the right one, until the lockout ends`, async () => {
    const attempt = (password: string) => call(glint.identity, 'POST', '/v3/auth/tokens', {}, passwordLogin('carol', password, 'p-alice'));
    // A success clears earlier failures: two failures, a success, two more failures leave carol unlocked.
    for (const password of ['bad-1', 'bad-2', PASSWORDS.carol, 'bad-3', 'bad-4', PASSWORDS.carol]) {
      const answer = await attempt(password);
      assert.equal(answer.statusCode, password === PASSWORDS.carol ? 201 : 401, `${password}: ${answer.body}`);
    }
    for (let i = 0; i < LOCKOUT_ATTEMPTS; i++) assert.deepEqual((await attempt(`wrong-${i}`)).json(), UNAUTHORIZED);

    // Locked: the right password is refused in the same words as a wrong one, naming no one.
    const locked = await attempt(PASSWORDS.carol);
    assert.equal(locked.statusCode, 401);
    assert.deepEqual(locked.json(), UNAUTHORIZED);
    // Other users are not affected.
    assert.equal((await call(glint.identity, 'POST', '/v3/auth/tokens', {}, passwordLogin('alice', PASSWORDS.alice, 'p-alice'))).statusCode, 201);

    await sleep(LOCKOUT_SECONDS * 1000 + 100);
    assert.equal((await attempt(PASSWORDS.carol)).statusCode, 201);
    assert.equal((await glint.storage.identity.getUser(ids.carol))?.failed_logins, 0);
  });
});

describe('what the catalog file keeps of secrets', () => {
  test('no token, password or secret key is readable from the database', async () => {
    const issued = [(await login('alice', 'p-alice')).token, (await login('admin', 'admin')).token];
    const { access, secret } = await glint.accounts.createCredential(ids.bob);
    const db = new Database(join(dir, 'catalog.sqlite'), { readonly: true });
    try {
      const hashes = db.prepare('SELECT hash FROM tokens').pluck().all() as string[];
      for (const token of issued) {
        assert.ok(hashes.includes(createHash('sha256').update(token).digest('hex')), 'tokens are found by their sha256');
        assert.ok(!hashes.includes(token));
      }
      const passwords = db.prepare('SELECT name, password_hash FROM users').all() as { name: string; password_hash: string }[];
      for (const { name, password_hash: hash } of passwords) {
        assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/, name);
        assert.ok(!hash.includes(PASSWORDS[name as keyof typeof PASSWORDS]), name);
      }
      const sealed = db.prepare('SELECT sealed_secret FROM credentials WHERE access = ?').pluck().get(access) as string;
      assert.ok(!sealed.includes(secret));
    } finally {
      db.close();
    }
    // Nor is any of them anywhere in the file's bytes (WAL included), in any column.
    const bytes = Buffer.concat(['catalog.sqlite', 'catalog.sqlite-wal'].map((f) => { try { return readFileSync(join(dir, f)); } catch { return Buffer.alloc(0); } }));
    for (const value of [...issued, ...Object.values(PASSWORDS), secret]) assert.equal(bytes.indexOf(value), -1, `${value.slice(0, 6)}… is stored`);
  });
});

describe('public URLs (--compute-url, --image-url, --identity-url)', () => {
  test('the catalog, links, Location headers, version documents and 401s name the configured URLs', async () => {
    const publicDir = mkdtempSync(join(tmpdir(), 'glint-public-urls-'));
    const behindProxy = await createGlint(loadConfig({
      profile: 'openstack', auth: 'keystone', dataDir: publicDir, computePort: 0, imagePort: 0, identityPort: 0,
      computeUrl: 'https://cloud.example.com/compute/', imageUrl: 'https://images.example.com', identityUrl: 'https://cloud.example.com/identity',
    }, {}));
    try {
      await behindProxy.accounts.bootstrap('pw');
      const loginAnswer = await call(behindProxy.identity, 'POST', '/v3/auth/tokens', {}, passwordLogin('admin', 'pw', 'admin'));
      const body = loginAnswer.json<{ token: { project: { id: string }; catalog: { type: string; endpoints: { url: string }[] }[] } }>().token;
      assert.deepEqual(Object.fromEntries(body.catalog.map((s) => [s.type, [...new Set(s.endpoints.map((e) => e.url))]])), {
        identity: ['https://cloud.example.com/identity/v3/'],
        compute: ['https://cloud.example.com/compute/v2.1'],
        image: ['https://images.example.com'],
      });
      const headers = { 'x-auth-token': String(loginAnswer.headers['x-subject-token']) };

      const created = await call(behindProxy.image, 'POST', '/v2/images', headers, { name: 'proxied' });
      const id = created.json<{ id: string }>().id;
      assert.equal(created.headers.location, `https://images.example.com/v2/images/${id}`);
      const shown = await call(behindProxy.compute, 'GET', `/v2.1/${body.project.id}/images/${id}`, headers);
      const links = shown.json<{ image: { links: { rel: string; href: string }[] } }>().image.links;
      assert.deepEqual(links.map((l) => l.href), [
        `https://cloud.example.com/compute/v2.1/${body.project.id}/images/${id}`,
        `https://cloud.example.com/compute/${body.project.id}/images/${id}`,
        `https://images.example.com/images/${id}`,
      ]);
      assert.match((await call(behindProxy.compute, 'GET', '/')).body, /"href":"https:\/\/cloud\.example\.com\/compute\/v2\.1\/"/);
      assert.match((await call(behindProxy.image, 'GET', '/versions')).body, /"href":"https:\/\/images\.example\.com\/v2\/"/);
      assert.match((await call(behindProxy.identity, 'GET', '/v3')).body, /"href":"https:\/\/cloud\.example\.com\/identity\/v3\/"/);
      const refused = await call(behindProxy.image, 'GET', '/v2/images');
      assert.equal(refused.headers['www-authenticate'], 'Keystone uri="https://cloud.example.com/identity"');
    } finally {
      await behindProxy.close();
      rmSync(publicDir, { recursive: true, force: true });
    }
  });
});

describe('two Glint instances on one catalog', () => {
  test('agree on tokens: issued by one, accepted by the other; revoked by one, refused by the other at once', async () => {
    // A second instance with its own connection to the same catalog file, as a second process has.
    const second = await createGlint(loadConfig({ profile: 'openstack', auth: 'keystone', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {}));
    try {
      const { token } = await login('alice', 'p-alice');
      const headers = { 'x-auth-token': token };
      assert.equal((await call(second.compute, 'GET', `/v2.1/${ids.pAlice}/images`, headers)).statusCode, 200);
      assert.equal((await call(second.image, 'GET', '/v2/images', headers)).statusCode, 200);
      const revoked = await call(second.identity, 'DELETE', '/v3/auth/tokens', { ...headers, 'x-subject-token': token });
      assert.equal(revoked.statusCode, 204);
      assert.equal((await call(glint.compute, 'GET', `/v2.1/${ids.pAlice}/images`, headers)).statusCode, 401);
      assert.equal((await call(glint.image, 'GET', '/v2/images', headers)).statusCode, 401);
    } finally {
      await second.close();
    }
  });
});
