import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { newImage, type ImageMember } from './image.js';
import type { ReferenceCatalog, ReferenceImage } from './reference-catalog.js';
import { openSqlite } from '../store/sqlite/open.js';
import { CatalogFormatError, defaultSets, exportCatalog, importCatalog, parseCatalog, selectImages, toReference } from './transfer.js';

const CATALOG_FILE = fileURLToPath(new URL('../../test/conformance/catalog.json', import.meta.url));

/** Every attribute an image keeps through the store; `set` and `seed_name` are import-only labels. */
const FIELDS = [
  'id', 'name', 'status', 'visibility', 'owner', 'protected', 'os_hidden', 'min_ram', 'min_disk', 'size',
  'virtual_size', 'disk_format', 'container_format', 'checksum', 'os_hash_algo', 'os_hash_value', 'created_at',
  'updated_at', 'deleted', 'deleted_at', 'tags', 'properties', 'members',
] as const satisfies readonly (keyof ReferenceImage)[];

const workDir = mkdtempSync(join(tmpdir(), 'glint-transfer-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

let catalogs = 0;

/** A fresh, empty SQLite catalog and blob directory of its own. */
function freshTarget() {
  const dir = join(workDir, `catalog-${++catalogs}`);
  const blobs = new FsBlobStore(join(dir, 'blobs'));
  const storage = openSqlite(join(dir, 'catalog.sqlite'));
  return { store: storage.images, close: () => storage.close(), blobs };
}

async function exportText(target: ReturnType<typeof freshTarget>): Promise<string> {
  let text = '';
  for await (const chunk of exportCatalog(target.store, target.blobs)) text += chunk;
  return text;
}

/** The interchange format does not order members; compare them keyed by member. */
function byMember(members: ImageMember[]): ImageMember[] {
  return [...members].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

/** Whether the reference image carries bytes: a location and data, possibly zero bytes of it. */
function hasData(image: ReferenceImage): boolean {
  return image.has_location && typeof image.data_b64 === 'string';
}

describe('import → export of the reference catalog', () => {
  const sourceText = readFileSync(CATALOG_FILE, 'utf8');
  const source = parseCatalog(sourceText);
  const target = freshTarget();
  const progress: [number, number][] = [];
  let added = 0;
  let exportedText = '';
  let exported: ReferenceCatalog;

  before(async () => {
    added = await importCatalog(source, target.store, target.blobs, (done, total) => progress.push([done, total]));
    exportedText = await exportText(target);
    exported = parseCatalog(exportedText);
  });
  after(() => target.close());

  test('imports every image of the catalog and reports progress to the end', async () => {
    // The real reference catalog: if this changes, the file was replaced, not the code broken.
    assert.equal(source.images.length, 1005);
    assert.equal(added, source.images.length);
    assert.equal(await target.store.countImages(), source.images.length);
    assert.deepEqual(progress.at(-1), [source.images.length, source.images.length]);
  });

  test('exports each image once, oldest first', () => {
    assert.equal(exported.format, 'reference-catalog/1');
    assert.deepEqual(
      exported.images.map((i) => i.id),
      [...source.images].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)).map((i) => i.id),
    );
  });

  test('keeps every attribute of every image, including property order and members', () => {
    const byId = new Map(exported.images.map((i) => [i.id, i]));
    for (const want of source.images) {
      const got = byId.get(want.id);
      assert.ok(got, `image ${want.id} missing from the export`);
      for (const field of FIELDS) {
        if (field === 'members') assert.deepEqual(byMember(got.members), byMember(want.members), `${want.id}.members`);
        else assert.deepEqual(got[field], want[field], `${want.id}.${field}`);
      }
      // deepEqual ignores key order; both APIs render properties in the order the catalog gives.
      assert.deepEqual(Object.keys(got.properties), Object.keys(want.properties), `${want.id} property order`);
    }
  });

  test('round-trips image bytes for images that have data, and only for those', () => {
    const withData = source.images.filter(hasData);
    // The catalog has data for a handful of images; make sure the test is not vacuous.
    assert.ok(withData.length > 0);
    const byId = new Map(exported.images.map((i) => [i.id, i]));
    for (const want of source.images) {
      const got = byId.get(want.id);
      assert.ok(got);
      if (hasData(want)) {
        assert.equal(got.has_location, true, `${want.id} lost its location`);
        assert.equal(got.data_b64, want.data_b64, `${want.id} data differs`);
        // The bytes still match the recorded checksum (not just the same base64 text).
        const bytes = Buffer.from(got.data_b64 ?? '', 'base64');
        if (want.checksum) assert.equal(createHash('md5').update(bytes).digest('hex'), want.checksum, want.id);
      } else {
        assert.equal(got.has_location, false, `${want.id} gained a location`);
        assert.equal(got.data_b64, null, `${want.id} gained data`);
      }
    }
  });

  test('importing the same catalog again adds nothing', async () => {
    assert.equal(await importCatalog(source, target.store, target.blobs), 0);
    assert.equal(await target.store.countImages(), source.images.length);
  });

  test('an exported catalog imports into a fresh store and exports to the identical text', async () => {
    const second = freshTarget();
    try {
      assert.equal(await importCatalog(parseCatalog(exportedText), second.store, second.blobs), source.images.length);
      assert.equal(await exportText(second), exportedText);
    } finally {
      await second.close();
    }
  });
});

describe('import → export of edge cases', () => {
  /** A minimal valid image; `overrides` wins. */
  function ref(overrides: Partial<ReferenceImage>): ReferenceImage {
    const image = { ...newImage('edge', 'p', '2025-01-01T00:00:00.000000Z'), name: 'edge', status: 'active', visibility: 'public' } as const;
    return { ...toReference(image), ...overrides };
  }

  test('an image with zero bytes of data keeps its location and its empty data', async () => {
    // Glance accepts an empty upload: the image goes active with size 0 and a location.
    const empty = ref({ id: '2e0b0000-0000-4000-8000-000000000000', size: 0, checksum: createHash('md5').digest('hex'), has_location: true, data_b64: '' });
    const target = freshTarget();
    try {
      await importCatalog({ format: 'reference-catalog/1', images: [empty] }, target.store, target.blobs);
      const [got] = parseCatalog(await exportText(target)).images;
      assert.equal(got.has_location, true);
      assert.equal(got.data_b64, '');
    } finally {
      await target.close();
    }
  });

  test('an empty store exports an empty, valid catalog', async () => {
    const target = freshTarget();
    try {
      assert.deepEqual(parseCatalog(await exportText(target)).images, []);
    } finally {
      await target.close();
    }
  });
});

describe('parseCatalog', () => {
  const valid = {
    format: 'reference-catalog/1',
    images: [{ id: 'a0000000-0000-4000-8000-000000000000', status: 'active', created_at: '2025-01-01T00:00:00.000000Z' }],
  };

  test('accepts a minimal catalog', () => {
    assert.equal(parseCatalog(JSON.stringify(valid)).images.length, 1);
  });

  const rejected: [string, string][] = [
    ['empty text', ''],
    ['text that is not JSON', 'format: reference-catalog/1'],
    ['truncated JSON', JSON.stringify(valid).slice(0, -2)],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['a JSON string', '"reference-catalog/1"'],
    ['another format', JSON.stringify({ ...valid, format: 'reference-catalog/2' })],
    ['no format', JSON.stringify({ images: valid.images })],
    ['no images', JSON.stringify({ format: 'reference-catalog/1' })],
    ['images that are not an array', JSON.stringify({ format: 'reference-catalog/1', images: {} })],
    ['an image that is null', JSON.stringify({ format: 'reference-catalog/1', images: [null] })],
    ['an image without id', JSON.stringify({ format: 'reference-catalog/1', images: [{ status: 'active', created_at: 'x' }] })],
    ['an image without status', JSON.stringify({ format: 'reference-catalog/1', images: [{ id: 'a', created_at: 'x' }] })],
    ['an image without created_at', JSON.stringify({ format: 'reference-catalog/1', images: [{ id: 'a', status: 'active' }] })],
    ['an image whose id is not a UUID', JSON.stringify({ format: 'reference-catalog/1', images: [{ ...valid.images[0], id: 'a"b' }] })],
  ];
  for (const [what, text] of rejected) {
    test(`rejects ${what} with CatalogFormatError`, () => {
      assert.throws(() => parseCatalog(text), CatalogFormatError);
    });
  }
});

describe('image selection', () => {
  const catalog = parseCatalog(readFileSync(CATALOG_FILE, 'utf8'));

  test('defaults to the sets the catalog names for every other case', () => {
    assert.deepEqual(defaultSets(catalog), ['base']);
    assert.equal(defaultSets({ format: 'reference-catalog/1', images: [] }), undefined);
  });

  test('keeps the chosen sets, minus excluded ids, in catalog order', () => {
    const base = selectImages(catalog, { sets: ['base'] });
    assert.equal(base.length, 24);
    assert.ok(base.every((image) => image.set === 'base'));
    const excluded = catalog.images.find((image) => image.seed_name === 'bulk-0980')!.id;
    const large = selectImages(catalog, { sets: ['base', 'bulk'], exclude: [excluded] });
    assert.equal(large.length, catalog.images.length - 1);
    assert.ok(!large.some((image) => image.id === excluded));
    assert.deepEqual(selectImages(catalog, {}).map((i) => i.id), catalog.images.map((i) => i.id));
  });
});
