/**
 * Compute API views (`nova/api/openstack/compute/views/images.py`): images to JSON bytes.
 * Lists are rendered batch by batch, so a list of any length streams.
 */
import type { Image } from '../../catalog/image.js';
import { linkPrefixes, type LinkBase } from '../common/links.js';
import { novaStatus } from './status.js';

const ALTERNATE_TYPE = 'application/vnd.openstack.image';

/** Properties that Nova JSON-decodes into structures; every other property stays a string. */
const JSON_PROPERTIES = new Set(['block_device_mapping', 'mappings']);

/** `oslo_utils.strutils.bool_from_string` truthy spellings. */
const TRUE_STRINGS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);

/** Nova's `isotime`: seconds precision, `Z`. */
export function isoSeconds(timestamp: string): string {
  return `${timestamp.slice(0, 19)}Z`;
}

export function metadataView(properties: Record<string, string>): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    metadata[key] = JSON_PROPERTIES.has(key) ? decodeJson(value) : value;
  }
  return metadata;
}

function decodeJson(value: string): unknown {
  // The reference fails with a 500 on invalid JSON here; showing the raw string is the useful answer.
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Per-request pieces of the image links, as JSON string content in UTF-8. Lists are assembled from
 * byte pieces (mostly cached per image) with one copy at the end: building and then encoding one
 * large string costs several times more.
 */
export interface LinkPieces {
  self: Buffer;
  bookmark: Buffer;
  alternate: Buffer;
  serverSelf: string;
  serverBookmark: string;
  /** Identifies this set of prefixes, for memoized renderings. */
  key: string;
}

const jsonBytes = (text: string) => Buffer.from(JSON.stringify(text).slice(1, -1));

// Clients reach the API through few distinct URLs and projects; the pieces are made once for each.
const linkPiecesByBase = new Map<string, LinkPieces>();

export function linkPieces(base: LinkBase): LinkPieces {
  const prefixes = linkPrefixes(base);
  const key = `${prefixes.self} ${prefixes.bookmark} ${prefixes.alternate}`;
  let pieces = linkPiecesByBase.get(key);
  if (!pieces) {
    pieces = {
      self: jsonBytes(prefixes.self),
      bookmark: jsonBytes(prefixes.bookmark),
      alternate: jsonBytes(prefixes.alternate),
      serverSelf: prefixes.serverSelf,
      serverBookmark: prefixes.serverBookmark,
      key,
    };
    if (linkPiecesByBase.size >= 10_000) linkPiecesByBase.clear();
    linkPiecesByBase.set(key, pieces);
  }
  return pieces;
}

const LINKS_OPEN = Buffer.from('"links":[{"rel":"self","href":"');
const BOOKMARK = Buffer.from('"},{"rel":"bookmark","href":"');
const ALTERNATE = Buffer.from(`"},{"rel":"alternate","type":"${ALTERNATE_TYPE}","href":"`);
const LINKS_CLOSE = Buffer.from('"}]');
const OBJECT_CLOSE = Buffer.from('}');
const COMMA = Buffer.from(',');

/** The parts of an image's JSON that do not depend on the request, rendered once per image version. */
interface RenderedImage {
  /** The id as JSON string content. */
  id: Buffer;
  /** `{"id":…,"name":…,` */
  head: Buffer;
  /** `"minRam":…,"OS-EXT-IMG-SIZE:size":…,`: the detailed view's fields between the name and the links. */
  details?: Buffer;
  /** `,"OS-DCF:diskConfig":…`, or empty. */
  diskConfig?: Buffer;
}

// Images from the store are immutable versions, so what is rendered from one stays right for it.
const rendered = new WeakMap<Image, RenderedImage>();

function renderedImage(image: Image): RenderedImage {
  let parts = rendered.get(image);
  if (!parts) {
    const id = JSON.stringify(image.id);
    parts = { id: Buffer.from(id.slice(1, -1)), head: Buffer.from(`{"id":${id},"name":${JSON.stringify(image.name)},`) };
    rendered.set(image, parts);
  }
  return parts;
}

function detailParts(image: Image, parts: RenderedImage): { details: Buffer; diskConfig: Buffer } {
  if (parts.details === undefined || parts.diskConfig === undefined) {
    const { status, progress } = novaStatus(image.status);
    parts.details = Buffer.from(
      `"minRam":${image.min_ram},"minDisk":${image.min_disk},` +
        `"metadata":${JSON.stringify(metadataView(image.properties))},` +
        `"created":"${isoSeconds(image.created_at)}","updated":"${isoSeconds(image.updated_at)}",` +
        `"status":"${status}","progress":${progress},"OS-EXT-IMG-SIZE:size":${image.size ?? 0},`,
    );
    const diskConfig = image.properties.auto_disk_config;
    parts.diskConfig = Buffer.from(
      diskConfig === undefined ? '' : `,"OS-DCF:diskConfig":"${TRUE_STRINGS.has(diskConfig.trim().toLowerCase()) ? 'AUTO' : 'MANUAL'}"`,
    );
  }
  return { details: parts.details, diskConfig: parts.diskConfig };
}

function pushLinks(out: Buffer[], links: LinkPieces, id: Buffer): void {
  out.push(LINKS_OPEN, links.self, id, BOOKMARK, links.bookmark, id, ALTERNATE, links.alternate, id, LINKS_CLOSE);
}

export type ListView = 'basic' | 'detailed';

/**
 * Appends one image's JSON to `out`: the basic view (`GET /images`: id, name, links) or the
 * detailed one (`GET /images/detail`, and `GET /images/{id}` under `image`).
 */
export function pushImage(out: Buffer[], image: Image, view: ListView, links: LinkPieces): void {
  const parts = renderedImage(image);
  out.push(parts.head);
  if (view === 'basic') {
    pushLinks(out, links, parts.id);
    out.push(OBJECT_CLOSE);
    return;
  }
  const { details, diskConfig } = detailParts(image, parts);
  out.push(details);
  pushLinks(out, links, parts.id);
  const serverId = image.properties.instance_uuid;
  if (serverId !== undefined) {
    const server = {
      id: serverId,
      links: [
        { rel: 'self', href: links.serverSelf + serverId },
        { rel: 'bookmark', href: links.serverBookmark + serverId },
      ],
    };
    out.push(Buffer.from(`,"server":${JSON.stringify(server)}`));
  }
  out.push(diskConfig, OBJECT_CLOSE);
}

// The store hands out the same frozen page array while the catalog is unchanged, so a rendering
// of that page for the same links and position stays right; a few link variants are kept per page.
const renderedBatches = new WeakMap<readonly Image[], Map<string, Buffer>>();
const VARIANTS_PER_BATCH = 4;

const IMAGES_OPEN = Buffer.from('{"images":[');

/**
 * A whole list response that fits in one batch: `{"images":[…]` plus `closing` (the end of the
 * array, and the next link if there is one). Memoized like batches, since a repeated question is
 * answered from the same cached page.
 */
export function imagesBody(images: readonly Image[], view: ListView, links: LinkPieces, closing: string): Buffer {
  return memoized(images, `${view} body ${links.key} ${closing}`, () =>
    Buffer.concat([IMAGES_OPEN, imagesBatch(images, view, links, true), Buffer.from(closing)]),
  );
}

function memoized(images: readonly Image[], key: string, render: () => Buffer): Buffer {
  let variants = renderedBatches.get(images);
  const cached = variants?.get(key);
  if (cached) return cached;
  const bytes = render();
  if (Object.isFrozen(images)) {
    if (!variants || variants.size >= VARIANTS_PER_BATCH) renderedBatches.set(images, (variants = new Map()));
    variants.set(key, bytes);
  }
  return bytes;
}

/** One batch of a list as comma-separated entries of the `images` array (led by a comma unless first). */
export function imagesBatch(images: readonly Image[], view: ListView, links: LinkPieces, first: boolean): Buffer {
  return memoized(images, `${view} ${first} ${links.key}`, () => {
    const out: Buffer[] = [];
    for (let i = 0; i < images.length; i++) {
      if (i > 0 || !first) out.push(COMMA);
      pushImage(out, images[i], view, links);
    }
    return Buffer.concat(out);
  });
}
