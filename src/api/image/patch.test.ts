import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newImage } from '../../catalog/image.js';
import { ApiError } from '../common/errors.js';
import { applyPatch, parsePatch, PATCH_V20, PATCH_V21 } from './patch.js';

/** The status and message a patch body is refused with, before any image is looked up; null when it is read. */
function refusal(body: unknown, mediaType = PATCH_V21): [number, string] | null {
  try {
    parsePatch(body, mediaType);
    return null;
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return [err.status, err.message.split('  Failed validating')[0]];
  }
}

const OPS = 'It must be one of the following: add, remove, replace.';

test("reads each operation in the reference's words, op, path and value in that order", () => {
  assert.deepEqual(refusal([{ path: '/name', value: 'x' }]), [400, `Unable to find \`op\` in JSON Schema change. ${OPS}`]);
  assert.deepEqual(refusal([{ op: null, path: '/name', value: 'x' }]), [400, `Unable to find \`op\` in JSON Schema change. ${OPS}`]);
  assert.deepEqual(refusal([{ op: 5, path: '/name', value: 'x' }]), [400, `Invalid operation: \`5\`. ${OPS}`]);
  assert.deepEqual(refusal([{ op: ['a'], path: '/name', value: 'x' }]), [400, `Invalid operation: \`['a']\`. ${OPS}`]);
  assert.deepEqual(refusal([{ op: 'add', value: 'x' }]), [400, "Unable to find 'path' in JSON Schema change"]);
  assert.deepEqual(refusal([{ op: 'add', path: '/name' }]), [400, 'Operation "add" requires a member named "value".']);
  assert.deepEqual(refusal([{ add: '/name', replace: '/name', value: 'x' }], PATCH_V20), [400, 'Operation objects must contain only one member named "add", "remove", or "replace".']);
  assert.deepEqual(refusal(['x']), [400, 'Operations must be JSON objects.']);
});

test('checks pointers as the reference does, and reads what it lets through its own way', () => {
  assert.deepEqual(refusal([{ op: 'add', path: 'name', value: 'x' }]), [400, 'Pointer `name` does not start with "/".']);
  assert.deepEqual(refusal([{ op: 'add', path: '/a//b', value: 'x' }]), [400, 'Pointer `/a//b` contains adjacent "/".']);
  assert.deepEqual(refusal([{ op: 'add', path: '/a/', value: 'x' }]), [400, 'Pointer `/a/` end with "/".']);
  assert.deepEqual(refusal([{ op: 'add', path: '/~2', value: 'x' }]), [400, 'Pointer `/~2` contains "~" not part of a recognized escape sequence.']);
  assert.deepEqual(refusal([{ op: 'add', path: '/a/b', value: 'x' }]), [400, "Invalid JSON pointer for this resource: '/a/b'"]);
  assert.deepEqual(refusal([{ op: 'add', path: '/tags/-', value: 'x' }]), [400, "Invalid JSON pointer for this resource: '/tags/-'"]);
  assert.deepEqual(refusal([{ op: 'add', path: '/locations', value: [] }]), [400, "Invalid JSON pointer for this resource: '/locations'"]);
  const [double, spaced] = parsePatch([{ op: 'add', path: '//name', value: 'x' }, { op: 'add', path: '/ name ', value: 'y' }], PATCH_V21);
  assert.deepEqual([double.path, spaced.path], [['name'], ['name']]);
});

test("refuses read-only and reserved attributes, then values the image schema refuses, before the image is looked up", () => {
  assert.deepEqual(refusal([{ op: 'replace', path: '/status', value: 'active' }]), [403, "Attribute 'status' is read-only."]);
  assert.deepEqual(refusal([{ op: 'add', path: '/os_glance_x', value: 'x' }]), [403, "Attribute 'os_glance_x' is reserved."]);
  assert.deepEqual(refusal([{ op: 'add', path: '/min_ram', value: 'x' }]), [400, "Provided object does not match schema 'image': 'x' is not of type 'integer'"]);
  assert.deepEqual(refusal([{ op: 'add', path: '/kernel_id', value: 'bad' }]), [400, `Provided object does not match schema 'image': 'bad' does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'`]);
  assert.equal(refusal([{ op: 'remove', path: '/kernel_id' }]), null);
});

test('changes formats only while the image has no data, no locations at all, and in v2.0 adds only what is not there', () => {
  const active = { ...newImage('00000000-0000-4000-8000-000000000001', 'p', '2025-01-01T00:00:00.000000Z'), status: 'active' as const, container_format: 'bare' };
  const apply = (body: unknown, mediaType = PATCH_V21) => {
    try {
      applyPatch(active, parsePatch(body, mediaType), () => undefined);
      return null;
    } catch (err) {
      return [(err as ApiError).status, (err as ApiError).message];
    }
  };
  // Even to the value it has.
  assert.deepEqual(apply([{ op: 'replace', path: '/container_format', value: 'bare' }]), [403, 'Attribute container_format can be only replaced for a queued image.']);
  assert.deepEqual(apply([{ op: 'replace', path: '/locations', value: [] }]), [403, 'Cannot set locations to empty list.']);
  assert.deepEqual(apply([{ op: 'add', path: '/locations/0', value: { url: 'http://x', metadata: {} } }]), [403, "It's not allowed to add locations if locations are invisible."]);
  assert.deepEqual(apply([{ add: '/name', value: 'x' }], PATCH_V20), [409, 'Property name already present.']);
  assert.equal(apply([{ op: 'add', path: '/name', value: 'x' }]), null);
});
