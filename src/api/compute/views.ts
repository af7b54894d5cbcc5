/**
 * Compute API views (`nova/api/openstack/compute/views/images.py`): images to JSON text.
 * Lists are rendered straight to strings, batch by batch, so a list of any length streams.
 */
import type { Image } from '../../catalog/image.js';
import { imageLinkPrefixes, serverLinks, type ImageLinkPrefixes, type LinkBase } from '../common/links.js';
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

function linksJson(prefixes: ImageLinkPrefixes, id: string): string {
  return (
    `[{"rel":"self","href":${JSON.stringify(prefixes.self + id)}},` +
    `{"rel":"bookmark","href":${JSON.stringify(prefixes.bookmark + id)}},` +
    `{"rel":"alternate","type":"${ALTERNATE_TYPE}","href":${JSON.stringify(prefixes.alternate + id)}}]`
  );
}

/** One entry of `GET /images`: id, name, links. */
export function basicImageJson(image: Image, prefixes: ImageLinkPrefixes): string {
  return `{"id":${JSON.stringify(image.id)},"name":${JSON.stringify(image.name)},"links":${linksJson(prefixes, image.id)}}`;
}

/** One entry of `GET /images/detail`, and the body of `GET /images/{id}` under `image`. */
export function detailedImageJson(image: Image, prefixes: ImageLinkPrefixes, base: LinkBase): string {
  const { status, progress } = novaStatus(image.status);
  let json =
    `{"id":${JSON.stringify(image.id)},"name":${JSON.stringify(image.name)},` +
    `"minRam":${image.min_ram},"minDisk":${image.min_disk},` +
    `"metadata":${JSON.stringify(metadataView(image.properties))},` +
    `"created":"${isoSeconds(image.created_at)}","updated":"${isoSeconds(image.updated_at)}",` +
    `"status":"${status}","progress":${progress},"OS-EXT-IMG-SIZE:size":${image.size ?? 0},` +
    `"links":${linksJson(prefixes, image.id)}`;
  const server = image.properties.instance_uuid;
  if (server !== undefined) {
    json += `,"server":${JSON.stringify({ id: server, links: serverLinks(base, server) })}`;
  }
  const diskConfig = image.properties.auto_disk_config;
  if (diskConfig !== undefined) {
    json += `,"OS-DCF:diskConfig":"${TRUE_STRINGS.has(diskConfig.trim().toLowerCase()) ? 'AUTO' : 'MANUAL'}"`;
  }
  return json + '}';
}

export type ListView = 'basic' | 'detailed';

/** Renders one batch of a list as the comma-separated entries of the `images` array. */
export function imagesBatchJson(images: Image[], view: ListView, base: LinkBase, prefixes = imageLinkPrefixes(base)): string {
  const parts = new Array<string>(images.length);
  for (let i = 0; i < images.length; i++) {
    parts[i] = view === 'basic' ? basicImageJson(images[i], prefixes) : detailedImageJson(images[i], prefixes, base);
  }
  return parts.join(',');
}
