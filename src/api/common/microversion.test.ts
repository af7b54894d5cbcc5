import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.js';
import { negotiateVersion, type Version } from './microversion.js';
import { characterReads } from '../../../test/support/character-reads.js';

const MAX: Version = { major: 2, minor: 60 };

function negotiated(headers: Record<string, string>): string {
  try {
    const { major, minor } = negotiateVersion(headers, MAX);
    return `${major}.${minor}`;
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return `${err.status} ${err.message}`;
  }
}

test('the version headers are read as microversion-parse reads them', () => {
  const cases: [Record<string, string>, string][] = [
    [{}, '2.1'],
    // The last compute entry of the standard header wins; entries without a version are skipped.
    [{ 'openstack-api-version': 'compute 2.36, compute 2.1' }, '2.1'],
    [{ 'openstack-api-version': 'compute 2.2, compute, , image 2.5' }, '2.2'],
    [{ 'openstack-api-version': 'COMPUTE 2.3' }, '2.3'],
    // Everything after the service name is the version.
    [{ 'openstack-api-version': 'compute 2.36 extra' }, '400 API Version String 2.36 extra is of invalid format. Must be of format MajorNum.MinorNum.'],
    [{ 'openstack-api-version': 'compute \t2.4 ' }, '2.4'],
    // The legacy header is read only when the standard one names no compute version; its last value wins.
    [{ 'x-openstack-nova-api-version': '2.1, 2.2' }, '2.2'],
    [{ 'x-openstack-nova-api-version': '2.2,' }, '400 API Version String  is of invalid format. Must be of format MajorNum.MinorNum.'],
    [{ 'openstack-api-version': 'image 2.5', 'x-openstack-nova-api-version': '2.5' }, '2.5'],
    [{ 'openstack-api-version': 'compute 2.6', 'x-openstack-nova-api-version': 'junk' }, '2.6'],
    // Python's str.strip and str.split also treat U+0085 (a Latin-1 header byte) as white space.
    [{ 'openstack-api-version': 'compute\u00852.7\u0085' }, '2.7'],
    [{ 'x-openstack-nova-api-version': ' 2.8\u0085' }, '2.8'],
  ];
  for (const [headers, expected] of cases) assert.equal(negotiated(headers), expected, JSON.stringify(headers));
});

test('header values of 60,000 characters are scanned character by character, each a bounded number of times', async () => {
  const runs = ' '.repeat(60_000);
  const cases: [Record<string, string>, string][] = [
    // A long run of white space that does not end the value: a pattern anchored at the end would try it from each position.
    [{ 'openstack-api-version': `compute${runs}2.9` }, '2.9'],
    [{ 'openstack-api-version': `${runs}compute 2.10${'\u0085'.repeat(10)}` }, '2.10'],
    [{ 'openstack-api-version': `${runs}x` }, '2.1'],
    [{ 'x-openstack-nova-api-version': `${runs}2.11${'\t'.repeat(7)}` }, '2.11'],
  ];
  for (const [headers, expected] of cases) {
    const length = Object.values(headers)[0].length;
    assert.ok(length >= 60_000);
    const { result, reads } = await characterReads(() => negotiated(headers));
    assert.equal(result, expected);
    // Read one by one (a scan, not a pattern match) and at most twice each: linear in the value's length.
    assert.ok(reads >= length - 20 && reads <= 2 * length, `${reads} reads of ${length} characters`);
  }
});
