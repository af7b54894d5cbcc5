import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../common/errors.js';
import { parseRange } from './range.js';

/** The status and message a header is refused with, as `glance/common/wsgi.py` words them. */
function refusal(header: string, size = 10): [number, string, boolean] {
  try {
    parseRange(header, size);
  } catch (err) {
    const e = err as ApiError;
    return [e.status, e.message, e.detailed];
  }
  assert.fail(`${header} was accepted`);
}

test('a range header names one byte range, read with webob\'s lenient pattern', () => {
  assert.equal(parseRange(undefined, 10), null);
  assert.deepEqual(parseRange('bytes=2-5', 10), { start: 2, end: 5 });
  assert.deepEqual(parseRange('bytes=2-', 10), { start: 2, end: 9 });
  assert.deepEqual(parseRange('bytes=2-100', 10), { start: 2, end: 9 });
  assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=-30', 10), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=-0', 10), { start: 0, end: 9 });
  assert.deepEqual(parseRange('BYTES = 2 - 3', 10), { start: 2, end: 3 });
  assert.deepEqual(parseRange('bytes=0-1junk', 10), { start: 0, end: 1 });
});

test('several ranges are a 400; a header that names no range is a 416 under the standard explanation', () => {
  const multiple = 'Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.';
  assert.deepEqual(refusal('bytes=0-1,5-6'), [400, multiple, false]);
  assert.deepEqual(refusal('items=1,2'), [400, multiple, false]);
  for (const header of ['bytes=', 'bytes=a-b', 'items=0-1', '', 'bytes=5-2', 'bytes=-']) {
    assert.deepEqual(refusal(header), [416, 'Invalid Range header.', true], header);
  }
  assert.deepEqual(refusal('bytes=10-'), [416, 'Invalid start position in Range header. Start position MUST be in the inclusive range [0, 9].', true]);
});
