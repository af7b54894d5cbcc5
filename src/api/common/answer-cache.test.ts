import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerCache } from './answer-cache.js';

test('answers are served only for the catalog version they were made for', () => {
  const cache = new AnswerCache(10, 1024);
  cache.get('q', 'v1');
  cache.put('q', 'v1', Buffer.from('a'));
  assert.equal(cache.get('q', 'v1')?.toString(), 'a');
  assert.equal(cache.get('q', 'v2'), undefined);
  assert.equal(cache.get('q', 'v2'), undefined, 'a new version retires every answer');
  cache.put('q', 'v1', Buffer.from('stale'));
  assert.equal(cache.get('q', 'v2'), undefined, 'an answer made for an older version is not kept');
});

test('the cache is bounded by entries and by bytes', () => {
  const cache = new AnswerCache(2, 1600);
  cache.get('', 'v');
  for (const key of ['a', 'b', 'c']) cache.put(key, 'v', Buffer.alloc(10));
  assert.equal(cache.get('a', 'v'), undefined);
  assert.ok(cache.get('b', 'v') && cache.get('c', 'v'));
  cache.put('big', 'v', Buffer.alloc(101));
  assert.equal(cache.get('big', 'v'), undefined, 'an answer over a sixteenth of the budget is not kept');
});
