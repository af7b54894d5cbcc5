import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VersionedCache } from './versioned-cache.js';

const bytes = (limits: { maxEntries: number; maxWeight: number; maxItemWeight?: number }) =>
  new VersionedCache<Buffer>(limits, (b) => b.length);

test('entries are served only for the version they were made for', () => {
  const cache = bytes({ maxEntries: 10, maxWeight: 1024 });
  cache.get('q', 'v1');
  cache.put('q', 'v1', Buffer.from('a'));
  assert.equal(cache.get('q', 'v1')?.toString(), 'a');
  assert.equal(cache.get('q', 'v2'), undefined);
  assert.equal(cache.get('q', 'v2'), undefined, 'a new version retires every entry');
  cache.put('q', 'v1', Buffer.from('stale'));
  assert.equal(cache.get('q', 'v2'), undefined, 'a value made for an older version is not kept');
});

test('the cache is bounded by entries, by total weight and by item weight', () => {
  const byEntries = bytes({ maxEntries: 2, maxWeight: 1000 });
  byEntries.get('', 'v');
  for (const key of ['a', 'b', 'c']) byEntries.put(key, 'v', Buffer.alloc(10));
  assert.equal(byEntries.get('a', 'v'), undefined);
  assert.ok(byEntries.get('b', 'v') && byEntries.get('c', 'v'));

  const byWeight = bytes({ maxEntries: 100, maxWeight: 30, maxItemWeight: 20 });
  byWeight.get('', 'v');
  byWeight.put('a', 'v', Buffer.alloc(15));
  byWeight.put('b', 'v', Buffer.alloc(15));
  byWeight.put('c', 'v', Buffer.alloc(15));
  assert.equal(byWeight.get('a', 'v'), undefined, 'the oldest goes when the weight is over');
  assert.ok(byWeight.get('b', 'v') && byWeight.get('c', 'v'));
  byWeight.put('big', 'v', Buffer.alloc(21));
  assert.equal(byWeight.get('big', 'v'), undefined, 'an item over the item limit is not kept');
  byWeight.put('b', 'v', Buffer.alloc(5));
  byWeight.put('d', 'v', Buffer.alloc(10));
  assert.ok(byWeight.get('c', 'v'), 'replacing an entry gives back its weight');
});
