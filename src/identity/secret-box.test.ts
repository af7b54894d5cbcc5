import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SecretBox } from './secret-box.js';

const dir = mkdtempSync(join(tmpdir(), 'glint-secret-box-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sealed secrets open with the same key file only, and not once altered', () => {
  const file = join(dir, 'identity.key');
  const box = SecretBox.open(file);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const sealed = box.seal('s3cret-key');
  assert.ok(!sealed.includes('s3cret-key'));
  assert.notEqual(box.seal('s3cret-key'), sealed);
  assert.equal(SecretBox.open(file).open(sealed), 's3cret-key');
  assert.equal(SecretBox.open(join(dir, 'other.key')).open(sealed), null);
  const [iv, tag, data] = sealed.split('.');
  const altered = (data[0] === 'A' ? 'B' : 'A') + data.slice(1);
  assert.equal(box.open([iv, tag, altered].join('.')), null);
  assert.equal(box.open('garbage'), null);
  assert.ok(readFileSync(file, 'utf8').trim().length > 40);
});

test('the key file is made in a directory nothing else has made yet', () => {
  const file = join(dir, 'data', 'nested', 'identity.key');
  const sealed = SecretBox.open(file).seal('secret');
  assert.equal(SecretBox.open(file).open(sealed), 'secret');
});
