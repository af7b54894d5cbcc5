import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoAuthAuthenticator } from './noauth.js';

const auth = new NoAuthAuthenticator();
const req = (token: string | undefined, headers: Record<string, string> = {}) => ({
  method: 'GET',
  url: '/v2.1/images',
  headers: token === undefined ? headers : { ...headers, 'x-auth-token': token },
});

test('user:project gives default roles; admin is admin', () => {
  assert.deepEqual(auth.authenticate(req('alice:abc')), { userId: 'alice', projectId: 'abc', roles: ['member', 'reader'], isAdmin: false });
  assert.equal(auth.authenticate(req('admin:abc'))?.isAdmin, true);
});

test('explicit roles and URL-encoded tokens', () => {
  assert.deepEqual(auth.authenticate(req('bob%3Ap1%3Aadmin%2Creader'))?.roles, ['admin', 'reader']);
  assert.equal(auth.authenticate(req('bob:p1:reader'))?.isAdmin, false);
});

test('missing token or project is refused', () => {
  assert.equal(auth.authenticate(req(undefined)), null);
  assert.equal(auth.authenticate(req('alice')), null);
  assert.equal(auth.authenticate(req('alice:')), null);
  assert.equal(auth.authenticate(req('%E0%A4%A')), null);
});

test('a Huawei-signed request names its user by access key and its project by X-Project-Id, unchecked', () => {
  const signed = { authorization: 'SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=00', 'x-project-id': 'p1' };
  assert.deepEqual(auth.authenticate(req(undefined, signed)), { userId: 'AK1', projectId: 'p1', roles: ['member', 'reader'], isAdmin: false });
  assert.equal(auth.authenticate(req(undefined, { authorization: signed.authorization })), null);
  assert.equal(auth.authenticate(req(undefined, { authorization: 'Basic eDp5', 'x-project-id': 'p1' })), null);
});
