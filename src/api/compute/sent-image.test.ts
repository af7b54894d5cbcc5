import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../common/errors.js';
import { sentProperties } from './sent-image.js';

/** A schema that refuses one value, as the image schema refuses a kernel id that is no UUID. */
const check = (image: Record<string, unknown>) => (image.kernel_id === 'bad' ? "'bad' does not match the pattern" : null);

test('sends the properties asked for, drops attributes Nova holds itself, and keeps unset ids as they are', () => {
  const current = { kernel_id: 'k-1', ramdisk_id: null, gone: 'x' };
  const wanted = { kernel_id: 'None ', ramdisk_id: null, name: 'n', min_ram: '5', visibility: 'public', extra: 'y' };
  assert.deepEqual(sentProperties(current, wanted, check), { kernel_id: 'k-1', ramdisk_id: null, extra: 'y' });
  assert.deepEqual(sentProperties({}, { ramdisk_id: '' }, check), {});
});

test("refuses a value the image schema refuses, in the image client's words", () => {
  assert.throws(() => sentProperties({}, { ok: 'v', kernel_id: 'bad' }, check), (err: ApiError) =>
    err.status === 400 && err.message === "Unable to set 'kernel_id' to 'bad'. Reason: 'bad' does not match the pattern");
});
