import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Image } from '../catalog/image.js';
import { ImageCache } from './image-cache.js';

const image = (id: string, updated_at = '2026-01-01T00:00:00.000000Z') =>
  ({ id, updated_at, tags: [], properties: {} }) as unknown as Image;

test('an image is served only in the version it was stored, and is frozen', () => {
  const cache = new ImageCache(10);
  const stored = cache.put(image('a'));
  assert.equal(cache.get('a', '2026-01-01T00:00:00.000000Z'), stored);
  assert.equal(cache.get('a', '2026-01-01T00:00:00.000001Z'), undefined);
  assert.ok(Object.isFrozen(stored) && Object.isFrozen(stored.properties));
  cache.forget('a');
  assert.equal(cache.get('a', '2026-01-01T00:00:00.000000Z'), undefined);
});

test('the image cache drops the least recently stored image beyond its capacity', () => {
  const cache = new ImageCache(2);
  for (const id of ['a', 'b', 'c']) cache.put(image(id));
  assert.equal(cache.get('a', image('a').updated_at), undefined);
  assert.ok(cache.get('b', image('b').updated_at) && cache.get('c', image('c').updated_at));
});
