import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WritableDir } from './writable-dir.js';

const root = mkdtempSync(join(tmpdir(), 'glint-writable-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a directory that can be written is writable, and the probe leaves nothing behind', async () => {
  const dir = mkdtempSync(join(root, 'ok-'));
  assert.equal(await new WritableDir(dir).writable(), true);
  assert.deepEqual(readdirSync(dir), []);
});

test('a directory that is not there is not writable', async () => {
  assert.equal(await new WritableDir(join(root, 'missing')).writable(), false);
});

test('the outcome is kept for the given time, then probed again', async () => {
  const dir = join(root, 'later');
  let now = 0;
  const probe = new WritableDir(dir, 1000, () => now);
  assert.equal(await probe.writable(), false);
  mkdirSync(dir);
  now = 999;
  assert.equal(await probe.writable(), false, 'still the kept outcome');
  now = 1000;
  assert.equal(await probe.writable(), true, 'probed again');
});
