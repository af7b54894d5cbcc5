import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogError } from './errors.js';
import { intCondition, splitFilterOp, splitInList, timeCondition, valueCondition } from './query.js';

test('a colon is an operator unless the whole value is an ISO 8601 time', () => {
  assert.deepEqual(splitFilterOp('in:a,b'), { op: 'in', value: 'a,b' });
  assert.deepEqual(splitFilterOp('plain'), { op: 'eq', value: 'plain' });
  assert.deepEqual(splitFilterOp('2013-06-09T06:42:18Z'), { op: 'eq', value: '2013-06-09T06:42:18Z' });
  assert.deepEqual(splitFilterOp('foo:bar:baz'), { op: 'foo', value: 'bar:baz' });
});

test('in: lists split on commas; quotes keep commas inside a value', () => {
  assert.deepEqual(splitInList('a,b'), ['a', 'b']);
  assert.deepEqual(splitInList('"a,b",c'), ['a,b', 'c']);
});

test('in: lists split as the reference splits them: no value after a last comma, none at all in an empty list, backslashes kept', () => {
  assert.deepEqual(splitInList('a,'), ['a']);
  assert.deepEqual(splitInList(''), []);
  assert.deepEqual(splitInList(',a,,b'), ['', 'a', '', 'b']);
  assert.deepEqual(splitInList('"",a'), ['', 'a']);
  assert.deepEqual(splitInList('a\\"b'), ['a\\"b']);
  assert.deepEqual(splitInList('"a\\"b",c'), ['a\\"b', 'c']);
});

test('value filters take in: and eq: and refuse other operators in the reference words', () => {
  assert.deepEqual(valueCondition('name', 'in:x,y'), { kind: 'in', field: 'name', values: ['x', 'y'] });
  assert.deepEqual(valueCondition('name', 'eq:x'), { kind: 'in', field: 'name', values: ['x'] });
  assert.throws(() => valueCondition('name', 'gt:x'), (err: CatalogError) =>
    err.kind === 'bad_request' && err.message === "Unable to filter by unknown operator 'gt'.");
});

test('time filters parse ISO 8601 and name the field when they cannot', () => {
  assert.deepEqual(timeCondition('updated_at', 'gte:2013-06-09'), { kind: 'time', field: 'updated_at', op: 'gte', value: '2013-06-09T00:00:00.000000Z' });
  assert.throws(() => timeCondition('created_at', 'gt:yesterday'), /Bad "created_at" query filter format/);
  assert.throws(() => timeCondition('created_at', 'foo:2013-06-09'), /Unable to filter on a unknown operator/);
  // The time is read before the operator.
  assert.throws(() => timeCondition('created_at', 'foo:yesterday'), /Bad "created_at" query filter format/);
});

test('integer filters compare by equality; anything else matches nothing', () => {
  assert.deepEqual(intCondition('min_ram', '00512'), { kind: 'int', field: 'min_ram', value: 512 });
  // As the reference's database reads text compared with a number column.
  for (const text of [' 512 ', '+512', '512.0', '5.12e2']) assert.deepEqual(intCondition('size', text), { kind: 'int', field: 'size', value: 512 });
  for (const text of ['0x200', '512abc', '5.5']) assert.deepEqual(intCondition('size', text), { kind: 'none' });
  for (const text of ['1.5', 'abc', '', 'gte:100']) assert.deepEqual(intCondition('min_ram', text), { kind: 'none' });
  // No column holds a value past 4 bytes, and a database would refuse to compare one with them.
  assert.deepEqual(intCondition('min_ram', '2147483647'), { kind: 'int', field: 'min_ram', value: 2147483647 });
  for (const text of ['2147483648', '-2147483649', '99999999999999999999999']) assert.deepEqual(intCondition('min_disk', text), { kind: 'none' });
});
