import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../common/errors.js';
import { computeListQuery, lstripPropertyPrefix } from './filters.js';

const query = (text: string) => computeListQuery(new URLSearchParams(text), 1000);

test('property- is stripped as a character set, as the reference does', () => {
  assert.equal(lstripPropertyPrefix('property-os_distro'), 's_distro');
  assert.equal(lstripPropertyPrefix('property-hw_disk_bus'), 'hw_disk_bus');
  assert.equal(lstripPropertyPrefix('property-type'), '');
});

test('compute filters become image-service conditions', () => {
  assert.deepEqual(query('status=ACTIVE&name=a&name=b').query.conditions, [
    { kind: 'in', field: 'status', values: ['active'] },
    { kind: 'in', field: 'name', values: ['b'] },
  ]);
  assert.deepEqual(query('server=http://h/v2.1/servers/abc').query.conditions, [{ kind: 'property', key: 'instance_uuid', value: 'abc' }]);
  assert.deepEqual(query('changes-since=2013-06-09').query.conditions, [
    { kind: 'time', field: 'updated_at', op: 'gte', value: '2013-06-09T00:00:00.000000Z' },
  ]);
  assert.deepEqual(query('foo=bar&sort_key=name').query.conditions, []);
});

test('limit decides the page that gets a next link; limit=0 lists everything without one', () => {
  assert.equal(query('').pageFill, 1000);
  assert.equal(query('limit=2').pageFill, 2);
  assert.equal(query('limit=2000').pageFill, 1000);
  assert.deepEqual([query('limit=0').query.limit, query('limit=0').pageFill], [undefined, 0]);
});

test('bad paging parameters are refused in the reference words', () => {
  for (const [text, message] of [
    ['limit=abc', 'Invalid input received: limit must be an integer'],
    ['limit=-1', 'Invalid input received: limit must be >= 0'],
    ['page_size=1.5', 'Invalid input received: page_size must be an integer'],
    ['offset=-1', 'Invalid input received: offset must be >= 0'],
  ]) {
    assert.throws(() => query(text), (err: ApiError) => err.status === 400 && err.message === message);
  }
});

test('parameters named like built-in object members are unknown parameters, ignored', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.deepEqual(query(`${name}=x`).query.conditions, [], name);
  }
});

test('the marker reaches the image service as query text, as Nova appends it there unencoded', () => {
  assert.equal(query('marker=%2520').query.marker, ' ');
  assert.equal(query('marker=a%2Bb').query.marker, 'a b');
  assert.equal(query('marker=%2541bc').query.marker, 'Abc');
  const split = query('marker=a%26os_distro%3Dubuntu').query;
  assert.equal(split.marker, 'a');
  assert.deepEqual(split.conditions, [{ kind: 'property', key: 'os_distro', value: 'ubuntu' }]);
});
