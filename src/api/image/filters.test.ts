import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../common/errors.js';
import { imageListQuery } from './filters.js';

const list = (text: string) => imageListQuery(new URLSearchParams(text));
const refused = (message: string) => (err: ApiError) => err.status === 400 && err.message === message;

test('protected is checked case-sensitively; os_hidden is lower-cased first, and named so when refused', () => {
  assert.throws(() => list('protected=TRUE'), refused("Invalid value 'TRUE' for 'protected' filter. Valid values are 'true' or 'false'."));
  assert.deepEqual(list('protected=true').query.conditions, [{ kind: 'bool', field: 'protected', value: true }]);
  assert.equal(list('os_hidden=TRUE').query.scope?.hidden, true);
  assert.throws(() => list('os_hidden=BOGUS'), refused("Invalid value 'bogus' for 'os_hidden' filter. Valid values are 'true' or 'false'."));
});

test('limit, marker, member_status and sort take their first value; the others filter on a property of that name', () => {
  const { limit, query } = list('limit=1&limit=2&marker=m1&marker=m2&member_status=all&member_status=bogus&sort=name:asc&sort=size');
  assert.equal(limit, 1);
  assert.equal(query.marker, 'm1');
  assert.equal(query.scope?.memberStatus, 'all');
  assert.deepEqual(query.order, [{ key: 'name', dir: 'asc' }, { key: 'created_at', dir: 'asc' }, { key: 'id', dir: 'asc' }]);
  assert.deepEqual(query.conditions, [
    { kind: 'property', key: 'limit', value: '2' },
    { kind: 'property', key: 'marker', value: 'm2' },
    { kind: 'property', key: 'member_status', value: 'bogus' },
    { kind: 'property', key: 'sort', value: 'size' },
  ]);
  assert.throws(() => list('member_status=bogus&member_status=all'), refused('Invalid status: bogus'));
  assert.throws(() => list('limit=abc&limit=1'), refused('limit param must be an integer'));
  // Parameters read with `get` take their last value and leave nothing behind.
  assert.deepEqual(list('name=a&name=b&sort_key=name&sort_key=size').query.conditions, [{ kind: 'in', field: 'name', values: ['b'] }]);
});

test('sort directions follow the first colon, default when empty, and keys and directions are stripped', () => {
  assert.throws(() => list('sort=name:asc:x'), refused('Invalid sort direction: asc:x'));
  assert.deepEqual(list('sort=name:').query.order, [{ key: 'name', dir: 'desc' }, { key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' }]);
  assert.deepEqual(list('sort=%20name%20:%20asc%20,size').query.order, [
    { key: 'name', dir: 'asc' }, { key: 'size', dir: 'desc' }, { key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' },
  ]);
  assert.throws(() => list('sort=name:%20'), refused('Invalid sort direction: '));
  assert.deepEqual(list('sort_key=%20name%20&sort_dir=%20asc').query.order, [{ key: 'name', dir: 'asc' }, { key: 'created_at', dir: 'asc' }, { key: 'id', dir: 'asc' }]);
});

test('every sort key is checked before any direction, and both before their numbers are compared', () => {
  const badKey = 'Invalid sort key: bogus. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.';
  assert.throws(() => list('sort_key=name&sort_dir=up&sort_key=bogus'), refused(badKey));
  assert.throws(() => list('sort_key=bogus&sort_dir=asc&sort_dir=desc&sort_dir=asc'), refused(badKey));
  assert.throws(() => list('sort_key=name&sort_dir=asc&sort_dir=desc'), refused('Number of sort dirs does not match the number of sort keys'));
});

test("ties are broken by created_at and id in the request's one direction, or descending when it gave several", () => {
  const order = (text: string) => list(text).query.order?.map((o) => `${o.key}:${o.dir}`).join(',');
  assert.equal(order('sort_key=size&sort_key=name&sort_dir=asc'), 'size:asc,name:asc,created_at:asc,id:asc');
  assert.equal(order('sort_key=size&sort_key=name&sort_dir=asc&sort_dir=asc'), 'size:asc,name:asc,created_at:desc,id:desc');
  assert.equal(order('sort=size:asc,name:asc'), 'size:asc,name:asc,created_at:desc,id:desc');
  assert.equal(order('sort=id:asc'), 'id:asc,created_at:asc');
  assert.equal(order('sort_dir=asc'), 'created_at:asc,id:asc');
  assert.equal(order('sort_key=created_at'), undefined);
});

test('filters are read in the order the request names them, so the first bad one is the one refused', () => {
  // The catalog's refusals, which the image API answers with 400.
  const says = (message: string) => (err: Error) => err.message === message;
  assert.throws(() => list('size_min=abc&updated_at=bogus:2024-01-01T00:00:00Z'), says('Unable to filter on a range with a non-numeric value.'));
  assert.throws(() => list('updated_at=bogus:2024-01-01T00:00:00Z&size_min=abc'), says('Unable to filter on a unknown operator.'));
  assert.throws(() => list('updated_at=bogus:garbage&name=gt:x'), says('Bad "updated_at" query filter format. Use ISO 8601 DateTime notation.'));
  assert.throws(() => list('name=gt:x&updated_at=bogus:garbage'), says("Unable to filter by unknown operator 'gt'."));
  assert.deepEqual(list('size=%20512.0&min_ram_max=1024&tag=%20a%20').query.conditions, [
    { kind: 'int', field: 'size', value: 512 },
    { kind: 'range', field: 'min_ram', op: 'lte', value: 1024 },
    { kind: 'tag', value: 'a' },
  ]);
});

test('visibility, checksum and os_hash_value are popped by their first value, their others left among the filters', () => {
  const { query } = list('visibility=public&visibility=all&checksum=a&checksum=b');
  assert.equal(query.scope?.visibility, 'public');
  assert.deepEqual(query.conditions, [
    { kind: 'eq', field: 'visibility', value: 'all' },
    { kind: 'eq', field: 'checksum', value: 'a' },
    { kind: 'eq', field: 'checksum', value: 'b' },
  ]);
  // Checked by its last value, listed by its first, which no image has.
  const bogus = list('visibility=bogus&visibility=public').query;
  assert.equal(bogus.scope?.visibility, undefined);
  assert.deepEqual(bogus.conditions, [{ kind: 'eq', field: 'visibility', value: 'public' }, { kind: 'none' }]);
});
