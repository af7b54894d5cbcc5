import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoAuthAuthenticator } from './noauth.js';

const auth = new NoAuthAuthenticator();

test('user:project gives default roles; admin is admin', () => {
  assert.deepEqual(auth.authenticate('alice:abc'), { userId: 'alice', projectId: 'abc', roles: ['member', 'reader'], isAdmin: false });
  assert.equal(auth.authenticate('admin:abc')?.isAdmin, true);
});

test('explicit roles and URL-encoded tokens', () => {
  assert.deepEqual(auth.authenticate('bob%3Ap1%3Aadmin%2Creader')?.roles, ['admin', 'reader']);
  assert.equal(auth.authenticate('bob:p1:reader')?.isAdmin, false);
});

test('missing token or project is refused', () => {
  assert.equal(auth.authenticate(undefined), null);
  assert.equal(auth.authenticate('alice'), null);
  assert.equal(auth.authenticate('alice:'), null);
  assert.equal(auth.authenticate('%E0%A4%A'), null);
});
