/**
 * Compute API views (`nova/api/openstack/compute/views/images.py`): images to JSON bytes.
 * Lists are rendered batch by batch, so a list of any length streams.
 */
import type { Image, Properties } from '../../catalog/image.js';
import { linkPrefixes, type LinkBase } from '../common/links.js';
import { novaStatus } from './status.js';
import { isoSeconds } from '../../catalog/iso8601.js';

const ALTERNATE_TYPE = 'application/vnd.openstack.image';

/** Properties that Nova JSON-decodes into structures; every other property stays a string. */
const JSON_PROPERTIES = new Set(['block_device_mapping', 'mappings']);

/** `oslo_utils.strutils.bool_from_string` truthy spellings. */
const TRUE_STRINGS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);

export function metadataView(properties: Properties): Record<string, unknown> {
  // Built as entries: assigning a key such as `__proto__` to a plain object would not store it.
  return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, JSON_PROPERTIES.has(key) && value !== null ? decodeJson(value) : value]));
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
 * Per-request link prefixes, as JSON string content. The JSON of each image is rendered once per
 * image version and link prefixes, and lists are concatenated from those bytes: rendering and
 * encoding every entry again on each request costs far more than the request's own work.
 */
export interface LinkPieces {
  self: string;
  bookmark: string;
  alternate: string;
  serverSelf: string;
  serverBookmark: string;
}

const jsonContent = (text: string) => JSON.stringify(text).slice(1, -1);

// Clients reach the API through few distinct URLs and projects; the pieces are made once for each.
const linkPiecesByBase = new Map<string, LinkPieces>();

export function linkPieces(base: LinkBase): LinkPieces {
  const prefixes = linkPrefixes(base);
  const key = `${prefixes.self} ${prefixes.bookmark} ${prefixes.alternate}`;
  let pieces = linkPiecesByBase.get(key);
  if (!pieces) {
    pieces = {
      self: jsonContent(prefixes.self),
      bookmark: jsonContent(prefixes.bookmark),
      alternate: jsonContent(prefixes.alternate),
      serverSelf: prefixes.serverSelf,
      serverBookmark: prefixes.serverBookmark,
    };
    if (linkPiecesByBase.size >= 10_000) linkPiecesByBase.clear();
    linkPiecesByBase.set(key, pieces);
  }
  return pieces;
}

function linksJson(links: LinkPieces, id: string): string {
  return (
    `[{"rel":"self","href":"${links.self}${id}"},{"rel":"bookmark","href":"${links.bookmark}${id}"},` +
    `{"rel":"alternate","type":"${ALTERNATE_TYPE}","href":"${links.alternate}${id}"}]`
  );
}

/** `GET /images` entries: id, name, links. */
function basicJson(image: Image, links: LinkPieces): string {
  const id = JSON.stringify(image.id);
  return `{"id":${id},"name":${JSON.stringify(image.name)},"links":${linksJson(links, id.slice(1, -1))}}`;
}

/** `GET /images/detail` entries, and `GET /images/{id}` under `image`. */
function detailedJson(image: Image, links: LinkPieces): string {
  const id = JSON.stringify(image.id);
  const { status, progress } = novaStatus(image.status);
  let json =
    `{"id":${id},"name":${JSON.stringify(image.name)},"minRam":${image.min_ram},"minDisk":${image.min_disk},` +
    `"metadata":${JSON.stringify(metadataView(image.properties))},` +
    `"created":"${isoSeconds(image.created_at)}","updated":"${isoSeconds(image.updated_at)}",` +
    `"status":"${status}","progress":${progress},"OS-EXT-IMG-SIZE:size":${image.size ?? 0},` +
    `"links":${linksJson(links, id.slice(1, -1))}`;
  const serverId = image.properties.instance_uuid;
  if (typeof serverId === 'string') {
    const serverLinks = [
      { rel: 'self', href: links.serverSelf + serverId },
      { rel: 'bookmark', href: links.serverBookmark + serverId },
    ];
    json += `,"server":${JSON.stringify({ id: serverId, links: serverLinks })}`;
  }
  const diskConfig = image.properties.auto_disk_config;
  if (typeof diskConfig === 'string') {
    json += `,"OS-DCF:diskConfig":"${TRUE_STRINGS.has(diskConfig.trim().toLowerCase()) ? 'AUTO' : 'MANUAL'}"`;
  }
  return json + '}';
}

export type ListView = 'basic' | 'detailed';

/**
 * Renderings kept per image: a few, each for a view and link prefixes (compared by identity: the prefix
 * pieces themselves are made once per base URL). A short list rather than maps, as most images only ever
 * have one, and a long list's images pass through here by the hundred thousand.
 */
type Renderings = { view: ListView; links: LinkPieces; bytes: Buffer }[];
const VARIANTS = 8;

// Images from the store are immutable versions, so what is rendered from one stays right for it.
const renderedImages = new WeakMap<Image, Renderings>();

/** One image's JSON in a view, for these links. */
export function imageJson(image: Image, view: ListView, links: LinkPieces): Buffer {
  let renderings = renderedImages.get(image);
  if (renderings) for (const kept of renderings) if (kept.links === links && kept.view === view) return kept.bytes;
  const bytes = Buffer.from(view === 'basic' ? basicJson(image, links) : detailedJson(image, links));
  if (!renderings) renderedImages.set(image, (renderings = []));
  else if (renderings.length >= VARIANTS) renderings.length = 0;
  renderings.push({ view, links, bytes });
  return bytes;
}

const COMMA = Buffer.from(',');
const IMAGES_OPEN = Buffer.from('{"images":[');

/**
 * Appends one batch of a list to `out` as comma-separated entries of the `images` array (the comma before
 * the first one when `more` says entries precede it). The pieces are joined once, with the whole answer:
 * a page is rendered afresh for each new question, and a repeated one is a kept answer.
 */
export function pushImages(out: Buffer[], images: readonly Image[], view: ListView, links: LinkPieces, more: boolean): void {
  for (let i = 0; i < images.length; i++) {
    if (i > 0 || more) out.push(COMMA);
    out.push(imageJson(images[i], view, links));
  }
}

/** A whole list response that fits in one batch: `{"images":[…]` and then `closing` (the array's end and any next link). */
export function imagesBody(images: readonly Image[], view: ListView, links: LinkPieces, closing: string): Buffer {
  const out: Buffer[] = [IMAGES_OPEN];
  pushImages(out, images, view, links, false);
  out.push(Buffer.from(closing));
  return Buffer.concat(out);
}
