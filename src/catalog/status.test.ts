import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogError } from './errors.js';
import { canTransition, checkFormatsForData, transition } from './status.js';

test('uploads move queued images through saving to active, and back to queued when interrupted', () => {
  assert.equal(transition('queued', 'saving'), 'saving');
  assert.equal(transition('saving', 'active'), 'active');
  assert.equal(transition('saving', 'queued'), 'queued');
});

test('an active image cannot be uploaded to again; deleted is final', () => {
  assert.throws(() => transition('active', 'saving'), (err: CatalogError) =>
    err.kind === 'conflict' && err.message === 'Image status transition from active to saving is not allowed');
  assert.equal(canTransition('deleted', 'active'), false);
  assert.equal(canTransition('deactivated', 'active'), true);
});

test('staged data is imported, never uploaded over: uploading goes on to importing (or back to queued)', () => {
  assert.equal(transition('queued', 'uploading'), 'uploading');
  assert.equal(transition('uploading', 'importing'), 'importing');
  assert.equal(transition('importing', 'queued'), 'queued');
  assert.throws(() => transition('uploading', 'saving'), (err: CatalogError) =>
    err.kind === 'conflict' && err.message === 'Image status transition from uploading to saving is not allowed');
  assert.throws(() => transition('uploading', 'uploading'), /from uploading to uploading is not allowed/);
});

test('data waits for both formats, and the refusal names those missing', () => {
  const refused = (image: { disk_format: string | null; container_format: string | null }) => {
    try {
      checkFormatsForData(image);
      return null;
    } catch (err) {
      return (err as CatalogError).message;
    }
  };
  assert.equal(refused({ disk_format: 'raw', container_format: 'bare' }), null);
  assert.equal(refused({ disk_format: 'raw', container_format: null }), 'Property container_format must be set prior to saving data.');
  assert.equal(refused({ disk_format: null, container_format: null }), 'Properties disk_format, container_format must be set prior to saving data.');
});
