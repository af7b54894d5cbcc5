import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RevisionCache } from './revision-cache.js';

test('a kept value is found while its revision holds, and counted as a hit', () => {
  const cache = new RevisionCache<string>(10);
  assert.equal(cache.get('k', '1'), undefined);
  cache.put('k', '1', 'v');
  assert.equal(cache.get('k', '1'), 'v');
  assert.equal(cache.get('k', '1'), 'v');
  assert.deepEqual([cache.hits, cache.misses], [2, 1]);
});

test('a new revision forgets every entry, and a value found at an older one is not kept', () => {
  const cache = new RevisionCache<string>(10);
  cache.get('k', '1');
  cache.put('k', '1', 'v');
  assert.equal(cache.get('k', '2'), undefined);
  cache.put('other', '1', 'stale');
  assert.equal(cache.get('other', '2'), undefined);
  assert.equal(cache.get('k', '1'), undefined);
});

test('an entry is not used from its end on', () => {
  const cache = new RevisionCache<string>(10);
  cache.get('k', '1', 0);
  cache.put('k', '1', 'v', 1000);
  assert.equal(cache.get('k', '1', 999), 'v');
  assert.equal(cache.get('k', '1', 1000), undefined);
  assert.equal(cache.get('k', '1', 5000), undefined);
});

test('beyond its bound, the least recently stored entries go first', () => {
  const cache = new RevisionCache<number>(3);
  cache.get('0', 'r');
  for (let i = 0; i < 5; i++) cache.put(String(i), 'r', i);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => cache.get(String(i), 'r')), [undefined, undefined, 2, 3, 4]);
});
