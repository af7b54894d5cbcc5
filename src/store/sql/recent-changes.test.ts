import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentChanges } from './recent-changes.js';

test('a recent change is read once per catalog version and count, and again when the version moves', async () => {
  const reads: number[] = [];
  let latest = 'b';
  const recent = new RecentChanges(async (n) => {
    reads.push(n);
    return n < 2 ? `${latest}${n}` : undefined;
  });
  assert.equal(await recent.nth('v1', 1), 'b1');
  assert.equal(await recent.nth('v1', 1), 'b1');
  assert.equal(await recent.nth('v1', 5), '', 'fewer changes than asked: no bound');
  assert.deepEqual(reads, [1, 5]);
  latest = 'c';
  assert.equal(await recent.nth('v2', 1), 'c1');
  assert.deepEqual(reads, [1, 5, 1]);
});

test('a failed read of a recent change is not kept', async () => {
  let fail = true;
  const recent = new RecentChanges(async () => {
    if (fail) throw new Error('connection lost');
    return 'x';
  });
  await assert.rejects(recent.nth('v1', 3), /connection lost/);
  fail = false;
  assert.equal(await recent.nth('v1', 3), 'x');
});
