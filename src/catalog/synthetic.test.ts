import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { isImageId } from './image.js';
import { syntheticImages, syntheticProjects } from './synthetic.js';

const options = { images: 5000, projects: 20, seed: 7 };

test('the same seed gives the same catalog; another seed another one', () => {
  const first = [...syntheticImages(options)];
  assert.deepEqual([...syntheticImages(options)], first);
  const other = [...syntheticImages({ ...options, seed: 8 })];
  assert.notDeepEqual(other.map((e) => e.image.id), first.map((e) => e.image.id));
});

test('a seed gives the catalog it always gave', () => {
  // The digest of the catalog as first generated, so catalogs seeded before stay reproducible.
  const digest = createHash('sha256');
  for (const entry of syntheticImages({ images: 20_000, projects: 20, seed: 7 })) digest.update(JSON.stringify(entry));
  assert.equal(digest.digest('hex'), 'ed3b3a6eac0d92ed626b18527640c315b4c62f508c8c99cb152a7d678787e86b');
});

test('a realistic mix: unique UUIDs, oldest first, statuses, visibilities, shares, properties, owners', () => {
  const entries = [...syntheticImages(options)];
  const projects = new Set(syntheticProjects(options));
  assert.equal(entries.length, options.images);
  assert.equal(new Set(entries.map((e) => e.image.id)).size, options.images);
  const count = <T>(values: T[]) => values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<T, number>());
  const statuses = count(entries.map((e) => e.image.status));
  const visibilities = count(entries.map((e) => e.image.visibility));
  for (const status of ['active', 'queued', 'deactivated', 'deleted', 'killed']) assert.ok(statuses.get(status as never)! > 0, status);
  assert.ok(statuses.get('active')! > options.images * 0.8);
  for (const visibility of ['public', 'private', 'shared', 'community']) assert.ok(visibilities.get(visibility as never)! > options.images * 0.05, visibility);
  for (const { image, members } of entries) {
    assert.ok(isImageId(image.id), image.id);
    assert.ok(projects.has(image.owner!));
    assert.equal(image.deleted, image.status === 'deleted');
    assert.equal(image.size !== null, image.status === 'active' || image.status === 'deactivated');
    assert.ok(image.updated_at >= image.created_at);
    assert.ok(image.properties.os_distro && image.properties.architecture);
    if (image.visibility !== 'shared') assert.deepEqual(members, []);
    for (const m of members) assert.ok(projects.has(m.member) && m.member !== image.owner);
  }
  assert.ok(entries.some((e) => e.members.length > 0));
  const created = entries.map((e) => e.image.created_at);
  assert.deepEqual([...created].sort(), created);
  const years = new Set(created.map((c) => c.slice(0, 4)));
  assert.ok(years.size >= 5, [...years].join(','));
});
