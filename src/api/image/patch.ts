/**
 * PATCH /v2/images/{id}: the image API's JSON-patch dialects (`glance/api/v2/images.py`
 * RequestDeserializer.update): v2.1 `{"op", "path", "value"}` and v2.0 `{"replace": "/name", "value"}`,
 * with add / replace / remove of base attributes and custom properties.
 */
import { BASE_ATTRIBUTES, type Image } from '../../catalog/image.js';
import type { AuthorizeChange } from '../../catalog/service.js';
import { ApiError, detailed } from '../common/errors.js';
import { checkWritable, setAttribute } from './validation.js';

export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';

type Op = 'add' | 'replace' | 'remove';
interface Change {
  op: Op;
  key: string;
  value?: unknown;
}

const OPS: readonly string[] = ['add', 'remove', 'replace'];
/** Base attributes that no patch may remove. */
const UNREMOVABLE = BASE_ATTRIBUTES;

/** `/name` → `name`; `~1` and `~0` decode to `/` and `~`; any other `~` and deeper pointers are refused. */
function pointerKey(path: unknown): string {
  const invalid = () => new ApiError(400, `Invalid JSON pointer for this resource: '${String(path)}'`);
  if (typeof path !== 'string' || !path.startsWith('/')) throw invalid();
  // The reference checks the escapes before the pointer's depth.
  if (/~(?:[^01]|$)/.test(path)) throw new ApiError(400, `Pointer \`${path}\` contains "~" not part of a recognized escape sequence.`);
  if (path.slice(1).includes('/')) throw invalid();
  return path.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
}

function parseChange(item: unknown, mediaType: string): Change {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new ApiError(400, 'Operations must be JSON objects.');
  }
  const entry = item as Record<string, unknown>;
  if (mediaType === PATCH_V20) {
    const ops = OPS.filter((op) => op in entry);
    if (ops.length !== 1) throw new ApiError(400, 'Operation objects must contain exactly one member named "add", "remove", or "replace".');
    return { op: ops[0] as Op, key: pointerKey(entry[ops[0]]), value: entry.value };
  }
  if (!('op' in entry)) throw new ApiError(400, "Unable to find 'op' in JSON Schema change");
  if (typeof entry.op !== 'string' || !OPS.includes(entry.op)) {
    throw new ApiError(400, `Invalid operation: \`${String(entry.op)}\`. It must be one of the following: add, remove, replace.`);
  }
  if (!('path' in entry)) throw new ApiError(400, "Unable to find 'path' in JSON Schema change");
  if (entry.op !== 'remove' && !('value' in entry)) throw new ApiError(400, "Unable to find 'value' in JSON Schema change");
  return { op: entry.op as Op, key: pointerKey(entry.path), value: entry.value };
}

/** The changes a patch asks for; read-only attributes are refused here, before the image is even looked up. */
export function parsePatch(body: unknown, mediaType: string): Change[] {
  if (!Array.isArray(body)) throw new ApiError(400, 'Request body must be a JSON array of operation objects.');
  return body.map((item) => {
    const change = parseChange(item, mediaType);
    checkWritable(change.key, false);
    return change;
  });
}

/**
 * Applies the changes to a copy of the image, in order, each authorized before it is applied; the first one
 * that fails decides the answer. Without changes, the image itself: nothing to save.
 */
export function applyPatch(image: Image, changes: Change[], authorize: AuthorizeChange): Image {
  if (changes.length === 0) return image;
  const next: Image = { ...image, properties: { ...image.properties }, tags: [...image.tags] };
  for (const change of changes) {
    authorize(change.op, change.key, change.op === 'remove' ? undefined : change.value);
    const base = BASE_ATTRIBUTES.has(change.key);
    if (change.op === 'remove') {
      if (UNREMOVABLE.has(change.key)) throw detailed(403, `Property ${change.key} may not be removed.`);
      if (!Object.hasOwn(next.properties, change.key)) throw detailed(409, `Property ${change.key} does not exist.`);
      delete next.properties[change.key];
      continue;
    }
    if (change.op === 'replace' && !base && !Object.hasOwn(next.properties, change.key)) {
      throw detailed(409, `Property ${change.key} does not exist.`);
    }
    setAttribute(next, change.key, change.value);
  }
  return next;
}
