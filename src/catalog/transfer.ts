/** Import and export of whole catalogs in the `reference-catalog/1` format. */
import type { BlobStore, ImageStore, StoredImage } from './ports.js';
import { isImageId, type Image, type ImageMember } from './image.js';
import { REFERENCE_CATALOG_FORMAT, type ReferenceCatalog, type ReferenceImage } from './reference-catalog.js';

export class CatalogFormatError extends Error {}

export function parseCatalog(text: string): ReferenceCatalog {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CatalogFormatError(`not JSON: ${(err as Error).message}`);
  }
  const catalog = parsed as Partial<ReferenceCatalog> | null;
  if (!catalog || catalog.format !== REFERENCE_CATALOG_FORMAT || !Array.isArray(catalog.images)) {
    throw new CatalogFormatError(`expected {"format": "${REFERENCE_CATALOG_FORMAT}", "images": [...]}`);
  }
  catalog.images.forEach((image, i) => {
    if (typeof image?.id !== 'string' || typeof image.created_at !== 'string' || typeof image.status !== 'string') {
      throw new CatalogFormatError(`image #${i} needs at least id, status and created_at`);
    }
    if (!isImageId(image.id)) throw new CatalogFormatError(`image #${i}: id '${image.id}' is not a UUID`);
  });
  return catalog as ReferenceCatalog;
}

export interface ImageSelection {
  /** Load only images of these sets (an image without a set belongs to every selection). */
  sets?: string[];
  /** Leave these image ids out. */
  exclude?: string[];
}

/**
 * The sets a catalog asks to be loaded by default: a catalog that says which sets serve which cases
 * names, in its catch-all entry, the state most of them expect. Otherwise every image is loaded.
 */
export function defaultSets(catalog: ReferenceCatalog): string[] | undefined {
  const requirements = catalog.case_requirements;
  if (!Array.isArray(requirements)) return undefined;
  const fallback = requirements.find((r: { cases?: unknown }) => r?.cases === '*') as { sets?: unknown } | undefined;
  return Array.isArray(fallback?.sets) && fallback.sets.every((set) => typeof set === 'string') ? fallback.sets : undefined;
}

/** The images of a catalog that a selection keeps, in catalog order. */
export function selectImages(catalog: ReferenceCatalog, selection: ImageSelection): ReferenceImage[] {
  const sets = selection.sets?.length ? new Set(selection.sets) : undefined;
  const exclude = new Set(selection.exclude ?? []);
  return catalog.images.filter((image) => !exclude.has(image.id) && (!sets || image.set === undefined || sets.has(image.set)));
}

/** Whether an image comes with bytes: a location and data, which may be zero bytes ("") long. */
function carriesData(ref: ReferenceImage): ref is ReferenceImage & { data_b64: string } {
  return Boolean(ref.has_location) && typeof ref.data_b64 === 'string';
}

function toStored(ref: ReferenceImage): StoredImage {
  const { members = [], data_b64: _data, has_location: _location, set: _set, seed_name: _seed, ...attributes } = ref;
  return {
    image: {
      ...attributes,
      name: attributes.name ?? null,
      owner: attributes.owner ?? null,
      protected: attributes.protected ?? false,
      os_hidden: attributes.os_hidden ?? false,
      min_ram: attributes.min_ram ?? 0,
      min_disk: attributes.min_disk ?? 0,
      deleted: attributes.deleted ?? false,
      deleted_at: attributes.deleted_at ?? null,
      updated_at: attributes.updated_at ?? attributes.created_at,
      tags: attributes.tags ?? [],
      properties: attributes.properties ?? {},
      has_data: carriesData(ref),
    },
    members,
  };
}

/** Loads images of a catalog; image bytes go to the blob store, records to the store in one transaction. */
export async function importCatalog(
  catalog: ReferenceCatalog,
  store: ImageStore,
  blobs: BlobStore,
  onProgress?: (done: number, total: number) => void,
  images: ReferenceImage[] = catalog.images,
): Promise<number> {
  const total = images.length;
  for (const ref of images) {
    // Images the store already holds are kept as they are, bytes included.
    if (carriesData(ref) && !(await store.getImage(ref.id))) await blobs.put(ref.id, Buffer.from(ref.data_b64, 'base64'));
  }
  return store.importImages(
    images.map(toStored),
    onProgress && ((done) => onProgress(done, total)),
  );
}

/** An image as the interchange format writes it. */
export function toReference(image: Image, members: ImageMember[] = [], data: Uint8Array | null = null): ReferenceImage {
  const { has_data: _hasData, ...attributes } = image;
  return { ...attributes, members, has_location: data !== null, data_b64: data ? Buffer.from(data).toString('base64') : null };
}

/** Writes the store back out as JSON text, one image at a time. */
export async function* exportCatalog(store: ImageStore, blobs: BlobStore, onImage?: () => void): AsyncGenerator<string> {
  yield `{"format":"${REFERENCE_CATALOG_FORMAT}","description":"exported by glint","images":[`;
  let first = true;
  for await (const { image, members } of store.exportImages()) {
    const data = image.has_data ? await blobs.get(image.id) : null;
    yield (first ? '\n' : ',\n') + JSON.stringify(toReference(image, members, data));
    first = false;
    onImage?.();
  }
  yield '\n]}\n';
}

