import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomText } from './random-text.js';

test('random text has the length asked for, from the alphabet asked for, and differs each time', () => {
  const values = Array.from({ length: 200 }, () => randomText(43));
  for (const value of values) assert.match(value, /^[A-Za-z0-9]{43}$/);
  assert.equal(new Set(values).size, values.length);
  assert.match(randomText(20, 'AB'), /^[AB]{20}$/);
  // Every character of the alphabet turns up, none of the bytes outside it.
  assert.equal(new Set(randomText(5000)).size, 62);
});
