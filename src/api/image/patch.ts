/**
 * PATCH /v2/images/{id}: the image API's JSON-patch dialects (`glance/api/v2/images.py` RequestDeserializer.update
 * and ImagesController.update): v2.1 `{"op", "path", "value"}` and v2.0 `{"replace": "/name", "value"}`, with add /
 * replace / remove of base attributes, custom properties and locations. Every operation is read and checked (the
 * image schema included) before the image is looked up.
 */
import { BASE_ATTRIBUTES, type Image } from '../../catalog/image.js';
import type { AuthorizeChange } from '../../catalog/service.js';
import { ApiError, detailed } from '../common/errors.js';
import { pyStr } from '../common/python-repr.js';
import { checkImageSchema } from './schema-check.js';
import { checkWritable, negativeMinimum, setAttribute } from './validation.js';

export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';

type Op = 'add' | 'replace' | 'remove';
interface Change {
  op: Op;
  /** The pointer's decoded parts: one, but a location's position after `locations`. */
  path: string[];
  value?: unknown;
  /** v2.0 refuses to add what is there already. */
  draft4: boolean;
}

const OPS: readonly string[] = ['add', 'remove', 'replace'];
const OPS_TEXT = OPS.join(', ');
/** How many parts a pointer has (`_path_depth_limits`): one, but a location is named by its position. */
const DEPTH: Record<string, Partial<Record<Op, number>>> = { locations: { add: 2, remove: 2, replace: 1 } };
/** Attributes whose value is a list, which a deeper pointer adds to (`_validate_change`). */
const LISTS = new Set(['tags', 'locations']);

const bad = (message: string) => new ApiError(400, message);

/** `_validate_json_pointer`, then `_decode_json_pointer`: the parts, unescaped and stripped of white space. */
function pointerParts(pointer: unknown): string[] {
  // The reference fails with a 500 on a pointer that is no string.
  if (typeof pointer !== 'string') throw bad(`Invalid JSON pointer for this resource: '${pyStr(pointer)}'`);
  if (!pointer.startsWith('/')) throw bad(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*\//.test(pointer.slice(1))) throw bad(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw bad(`Pointer \`${pointer}\` end with "/".`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw bad(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer.replace(/^\/+/, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

function operation(entry: Record<string, unknown>, draft4: boolean): { op: Op; pointer: unknown } {
  if (draft4) {
    let op: string | undefined;
    for (const name of OPS) {
      if (!(name in entry)) continue;
      if (op !== undefined) throw bad('Operation objects must contain only one member named "add", "remove", or "replace".');
      op = name;
    }
    if (op === undefined) throw bad('Operation objects must contain exactly one member named "add", "remove", or "replace".');
    return { op: op as Op, pointer: entry[op] };
  }
  const op = entry.op;
  if (op === undefined || op === null) throw bad(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS_TEXT}.`);
  if (typeof op !== 'string' || !OPS.includes(op)) throw bad(`Invalid operation: \`${pyStr(op)}\`. It must be one of the following: ${OPS_TEXT}.`);
  if (!('path' in entry)) throw bad("Unable to find 'path' in JSON Schema change");
  return { op: op as Op, pointer: entry.path };
}

function parseChange(item: unknown, draft4: boolean): Change {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad('Operations must be JSON objects.');
  const entry = item as Record<string, unknown>;
  const { op, pointer } = operation(entry, draft4);
  const path = pointerParts(pointer);
  const [root] = path;
  if (path.length !== (DEPTH[root]?.[op] ?? 1)) throw bad(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
  if (op !== 'remove' && !('value' in entry)) throw bad(`Operation "${op}" requires a member named "value".`);
  checkWritable(root);
  if (op !== 'remove') {
    if (path.length === 1) checkImageSchema({ [root]: entry.value });
    else if (LISTS.has(root)) checkImageSchema({ [root]: [entry.value] });
  }
  return { op, path, value: entry.value, draft4 };
}

/** The changes a patch asks for, each read and checked as the reference's deserializer does, before any is applied. */
export function parsePatch(body: unknown, mediaType: string): Change[] {
  if (!Array.isArray(body)) throw bad('Request body must be a JSON array of operation objects.');
  return body.map((item) => parseChange(item, mediaType === PATCH_V20));
}

/** Locations are not shown by the reference (`show_multiple_locations` off), so no change of them is allowed. */
function changeLocations(change: Change, image: Image, authorize: AuthorizeChange): never {
  if (change.op === 'replace' && Array.isArray(change.value) && change.value.length === 0) throw detailed(403, 'Cannot set locations to empty list.');
  if (change.op === 'remove') authorize('remove', 'locations', undefined, image);
  const verb = { add: 'add', remove: 'remove', replace: 'update' }[change.op];
  throw new ApiError(403, `It's not allowed to ${verb} locations if locations are invisible.`);
}

/** The image's refusal of a format change once it has data (the `disk_format` and `container_format` setters). */
function checkFormatChange(image: Image, key: string): void {
  if ((key === 'disk_format' || key === 'container_format') && image.status !== 'queued' && image.status !== 'importing') {
    throw new ApiError(403, `Attribute ${key} can be only replaced for a queued image.`);
  }
}

/**
 * Applies the changes to a copy of the image, in order, each authorized before it is applied; the first one
 * that fails decides the answer. Without changes, the image itself: nothing to save.
 */
export function applyPatch(image: Image, changes: Change[], authorize: AuthorizeChange): Image {
  if (changes.length === 0) return image;
  const next: Image = { ...image, properties: { ...image.properties }, tags: [...image.tags] };
  for (const change of changes) {
    const key = change.path[0];
    if (key === 'locations') changeLocations(change, next, authorize);
    authorize(change.op, key, change.value, next);
    const base = BASE_ATTRIBUTES.has(key);
    if (change.op === 'remove') {
      if (base) throw detailed(403, `Property ${key} may not be removed.`);
      if (!Object.hasOwn(next.properties, key)) throw detailed(409, `Property ${key} does not exist.`);
      delete next.properties[key];
      continue;
    }
    const exists = base || Object.hasOwn(next.properties, key);
    if (change.op === 'replace' && !exists) throw detailed(409, `Property ${key} does not exist.`);
    if (change.op === 'add' && change.draft4 && exists) throw detailed(409, `Property ${key} already present.`);
    checkFormatChange(next, key);
    const negative = negativeMinimum(key, change.value);
    if (negative) throw negative;
    setAttribute(next, key, change.value);
  }
  return next;
}
