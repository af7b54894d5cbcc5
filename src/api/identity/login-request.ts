/**
 * `POST /v3/auth/tokens` bodies → a LoginRequest, refusing malformed ones with Keystone's wording and in
 * Keystone's order: the schema's types, then its ids-or-names (`keystone/auth/schema.py`), then what
 * `AuthInfo` checks (`keystone/auth/core.py`): each method's payload and exactly one scope.
 */
import { IdentityError, missingAttribute, unauthorized } from '../../identity/errors.js';
import type { EntityRef, LoginRequest } from '../../identity/tokens.js';
import { parseJsonBytes } from '../common/http.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The methods Glint authenticates with; Keystone refuses any other with 401 before it looks at the scope. */
const METHODS = ['password', 'token'];

/** What a scope may name (`_validate_and_normalize_scope_data`). */
const SCOPES = ['system', 'project', 'domain', 'OS-TRUST:trust', 'unscoped'];

function invalid(field: string, detail: string): IdentityError {
  return new IdentityError('bad_request', `Invalid input for field '${field}': ${detail}`);
}

function optionalObject(parent: Json, key: string): Json | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (!isObject(value)) throw invalid(key, `${JSON.stringify(value)} is not of type 'object'`);
  return value;
}

function object(parent: Json, key: string, target: string): Json {
  const value = optionalObject(parent, key);
  if (value === undefined) throw missingAttribute(key, target);
  return value;
}

function optionalString(parent: Json, key: string): string | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(key, `${JSON.stringify(value)} is not of type 'string'`);
  return value;
}

function reference(value: Json): { id?: string; name?: string } {
  return { id: optionalString(value, 'id'), name: optionalString(value, 'name') };
}

function entity(value: Json): EntityRef {
  const domain = optionalObject(value, 'domain');
  return { ...reference(value), domain: domain && reference(domain) };
}

export function parseJson(body: Buffer | undefined): Json {
  // Keystone reads no body as an empty object, and any JSON but an object as no JSON at all.
  if (!body?.length) return {};
  let parsed: unknown;
  try {
    parsed = parseJsonBytes(body);
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) throw missingAttribute('valid JSON', 'request body');
  return parsed;
}

export function parseLoginRequest(body: Buffer | undefined): LoginRequest {
  const auth = object(parseJson(body), 'auth', 'request body');
  const identity = object(auth, 'identity', 'auth');
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    throw invalid('methods', `${JSON.stringify(methods ?? null)} is not a non-empty list of strings`);
  }

  // The schema: each member that is there has its type.
  const password = optionalObject(identity, 'password');
  const user = password && optionalObject(password, 'user');
  const userRef = user && entity(user);
  const secret = user && optionalString(user, 'password');
  const token = optionalObject(identity, 'token');
  const tokenId = token && optionalString(token, 'id');
  const scope = auth.scope;
  if (scope !== undefined && typeof scope !== 'string' && !isObject(scope)) {
    throw invalid('scope', `${JSON.stringify(scope)} is not of type 'object', 'string'`);
  }
  const scoped = isObject(scope) ? scope : {};
  const project = optionalObject(scoped, 'project');
  const projectRef = project && entity(project);
  const domain = optionalObject(scoped, 'domain');
  if (domain) reference(domain);
  const trust = optionalObject(scoped, 'OS-TRUST:trust');
  const trustId = trust && optionalString(trust, 'id');
  const system = optionalObject(scoped, 'system');
  if (system && system.all !== undefined && typeof system.all !== 'boolean') {
    throw invalid('all', `${JSON.stringify(system.all)} is not of type 'boolean'`);
  }

  const named: [Json | undefined, string][] = [
    [user, 'identity/password/user'],
    [optionalObject(user ?? {}, 'domain'), 'identity/password/user/domain'],
    [project, 'scope/project'],
    [optionalObject(project ?? {}, 'domain'), 'scope/project/domain'],
    [domain, 'scope/domain'],
  ];
  for (const [value, path] of named) {
    if (value && !Object.hasOwn(value, 'id') && !Object.hasOwn(value, 'name')) {
      throw new IdentityError('bad_request', `Invalid input for field ${path}: id or name must be present.`);
    }
  }

  const missing = methods.find((method) => !Object.hasOwn(identity, method));
  if (missing !== undefined) throw missingAttribute(missing, 'identity');
  if (!methods.every((method) => METHODS.includes(method))) throw unauthorized();
  // A string scope is searched for the names as text, then indexed as if it were an object.
  const names = SCOPES.filter((name) => (typeof scope === 'string' ? scope.includes(name) : Object.hasOwn(scoped, name)));
  if (scope !== undefined && names.length !== 1) throw missingAttribute('system, project, domain, OS-TRUST:trust or unscoped', 'scope');
  const kind = names[0];
  if (typeof scope === 'string' && kind !== 'unscoped' && kind !== 'system') {
    throw new IdentityError('bad_request', "string indices must be integers, not 'str'");
  }
  if (kind === 'OS-TRUST:trust' && !trustId) throw missingAttribute('trust_id', 'trust');
  // Domains, the system and trusts name nothing Glint grants roles on: no token for them.
  if (kind === 'system' || kind === 'domain' || kind === 'OS-TRUST:trust') throw unauthorized();

  const request: LoginRequest = { methods, project: projectRef };
  if (methods.includes('password')) {
    if (!userRef) throw missingAttribute('user', 'password');
    if (secret === undefined) throw missingAttribute('password', 'user');
    request.password = { user: userRef, password: secret };
  }
  if (methods.includes('token')) {
    if (tokenId === undefined) throw missingAttribute('id', 'token');
    request.token = tokenId;
  }
  return request;
}
