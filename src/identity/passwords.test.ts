import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from './passwords.js';

test('a password verifies against its own hash only; hashes are salted', async () => {
  const hash = await hashPassword('correct horse');
  assert.match(hash, /^scrypt\$16384\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse', hash), true);
  assert.equal(await verifyPassword('correct horse ', hash), false);
  assert.equal(await verifyPassword('', hash), false);
  assert.notEqual(await hashPassword('correct horse'), hash);
});

test('no stored hash, or a damaged one, never verifies', async () => {
  assert.equal(await verifyPassword('x', null), false);
  assert.equal(await verifyPassword('x', 'plain-text'), false);
  const hash = await hashPassword('x');
  assert.equal(await verifyPassword('x', hash.slice(0, -4) + 'AAA='), false);
});
