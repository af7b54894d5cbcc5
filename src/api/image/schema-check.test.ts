import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../common/errors.js';
import { checkImageSchema } from './schema-check.js';

/** The reported failure's first sentence, or null when the object passes. */
function reported(object: Record<string, unknown>): string | null {
  try {
    checkImageSchema(object);
    return null;
  } catch (err) {
    assert.ok(err instanceof ApiError && err.status === 400);
    return err.message.replace("Provided object does not match schema 'image': ", '').split('  Failed validating')[0];
  }
}

test('passes what the image schema allows: nullable ids, extra string properties, whole numbers', () => {
  assert.equal(reported({ name: null, kernel_id: null, ramdisk_id: '12345678-1234-1234-1234-1234567890ab', min_ram: 512, extra: 'x', tags: ['a'] }), null);
});

test('reports the failure jsonschema best_match picks: a shallow one before a deep one, a wrong type before a wrong value', () => {
  // The first of equals in the schema's own order: name comes before min_ram.
  assert.equal(reported({ min_ram: 'x', name: 5 }), "5 is not of type 'null', 'string'");
  // A value of the wrong type wins over a value of the right type that breaks another rule, whatever the order.
  assert.equal(reported({ visibility: 'bogus', min_disk: 'x' }), "'x' is not of type 'integer'");
  // A tag (one level down) loses to any failure of a top-level attribute.
  assert.equal(reported({ tags: [5], visibility: 'bogus' }), "'bogus' is not one of ['community', 'public', 'private', 'shared']");
  // Extra properties are checked after the declared ones.
  assert.equal(reported({ extra: 7, kernel_id: 5 }), "5 is not of type 'null', 'string'");
  assert.equal(reported({ extra: 7, kernel_id: 'not-a-uuid' }), '7 is not of type \'string\'');
});

test('checks each keyword as Python does: lengths in characters, patterns with `$` before a final newline', () => {
  assert.equal(reported({ name: 'é'.repeat(255) }), null);
  assert.equal(reported({ name: 'é'.repeat(256) }), `'${'é'.repeat(256)}' is too long`);
  assert.equal(reported({ kernel_id: '12345678-1234-1234-1234-1234567890ab\n' }), null);
  assert.equal(reported({ container_format: 7 }), "7 is not of type 'null', 'string'");
  assert.equal(reported({ protected: 1 }), "1 is not of type 'boolean'");
  assert.equal(reported({ locations: [{ url: 'http://x' }] }), "'metadata' is a required property");
});
