/** `POST /v3/auth/tokens` bodies → a LoginRequest, refusing malformed ones with Keystone's validation wording. */
import { IdentityError, missingAttribute, unauthorized } from '../../identity/errors.js';
import type { EntityRef, LoginRequest } from '../../identity/service.js';

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(field: string, detail: string): IdentityError {
  return new IdentityError('bad_request', `Invalid input for field '${field}': ${detail}`);
}

function object(parent: Json, key: string, target: string): Json {
  const value = parent[key];
  if (value === undefined) throw missingAttribute(key, target);
  if (!isObject(value)) throw invalid(key, `${JSON.stringify(value)} is not of type 'object'`);
  return value;
}

function optionalString(parent: Json, key: string): string | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(key, `${JSON.stringify(value)} is not of type 'string'`);
  return value;
}

function entity(value: Json): EntityRef {
  const domain = value.domain === undefined ? undefined : object(value, 'domain', 'domain');
  return {
    id: optionalString(value, 'id'),
    name: optionalString(value, 'name'),
    domain: domain && { id: optionalString(domain, 'id'), name: optionalString(domain, 'name') },
  };
}

export function parseLoginRequest(body: Buffer | undefined): LoginRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(STRICT_UTF8.decode(body ?? Buffer.alloc(0)));
  } catch {
    throw missingAttribute('valid JSON', 'request body');
  }
  if (!isObject(parsed)) throw missingAttribute('auth', 'request body');
  const auth = object(parsed, 'auth', 'request body');
  const identity = object(auth, 'identity', 'auth');
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    throw invalid('methods', `${JSON.stringify(methods ?? null)} is not a non-empty list of strings`);
  }
  const request: LoginRequest = { methods: methods as string[] };
  if (methods.includes('password')) {
    const password = object(identity, 'password', 'identity');
    const user = object(password, 'user', 'password');
    const secret = optionalString(user, 'password');
    if (secret === undefined) throw missingAttribute('password', 'user');
    request.password = { user: entity(user), password: secret };
  }
  if (methods.includes('token')) {
    const id = optionalString(object(identity, 'token', 'identity'), 'id');
    if (id === undefined) throw missingAttribute('id', 'token');
    request.token = id;
  }
  if (auth.scope !== undefined) {
    const scope = object(auth, 'scope', 'auth');
    // Scopes other than a project (domain, system) name nothing Glint grants roles on: no token for them.
    if (!isObject(scope.project)) throw unauthorized();
    request.project = entity(scope.project);
  }
  return request;
}
