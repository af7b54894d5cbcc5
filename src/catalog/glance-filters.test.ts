import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogError } from './errors.js';
import { filterCondition } from './glance-filters.js';

const refused = (value: string) => (err: CatalogError) => err.kind === 'bad_request' && err.message === `Invalid filter value ${value}.`;

test('an in: list whose quotes the reference cannot pair is refused in its words', () => {
  assert.throws(() => filterCondition('name', 'in:"c-a'), refused('"c-a. The quote is not closed'));
  assert.throws(() => filterCondition('status', 'in:a,"b,c'), refused('a,"b,c. The quote is not closed'));
  assert.throws(() => filterCondition('name', 'in:a"b"'), refused('a"b". There is no comma before opening quotation mark'));
  assert.throws(() => filterCondition('name', 'in:"a"b'), refused('"a"b. There is no comma after closing quotation mark'));
});

test('paired quotes, escaped quotes and quotes outside in: lists pass', () => {
  assert.deepEqual(filterCondition('name', 'in:"a,b",c'), { kind: 'in', field: 'name', values: ['a,b', 'c'] });
  assert.doesNotThrow(() => filterCondition('name', 'in:a\\"b'));
  assert.deepEqual(filterCondition('name', '"c-a'), { kind: 'in', field: 'name', values: ['"c-a'] });
  assert.deepEqual(filterCondition('os_distro', 'in:"c-a'), { kind: 'property', key: 'os_distro', value: 'in:"c-a' });
});
