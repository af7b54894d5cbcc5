/**
 * What a client may write on an image (`glance/api/v2/images.py` RequestDeserializer, `glance/domain` ImageFactory):
 * read-only and reserved attributes, the image schema (`schema-check.ts`), and the domain's own refusals.
 */
import { BASE_ATTRIBUTES, isReservedName, READ_ONLY_ATTRIBUTES, VISIBILITIES, type Image, type Properties } from '../../catalog/image.js';
import { ApiError, detailed } from '../common/errors.js';
import { checkImageSchema } from './schema-check.js';

/** What a patch may not write: the read-only attributes, and `stores`, which no image has. */
const READ_ONLY = new Set([...READ_ONLY_ATTRIBUTES, 'stores']);
/** What a create may not even send (`_disallowed_properties`), in the order they are looked for. */
const NEVER_SENT = ['direct_url', 'self', 'file', 'schema', 'stores'];
/** What the image factory refuses to be given (`ImageFactory._readonly_properties`), in its order. */
const CREATE_READ_ONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size'];
/** The attributes a create reads as such (`_base_properties`); every other key is a custom property. */
const CREATE_BASE = new Set([
  'checksum', 'created_at', 'container_format', 'disk_format', 'id', 'min_disk', 'min_ram', 'name', 'size', 'virtual_size',
  'status', 'tags', 'owner', 'updated_at', 'visibility', 'protected', 'os_hidden',
]);
const reserved = (key: string) => `Attribute '${key}' is reserved.`;
const readOnly = (key: string) => new ApiError(403, `Attribute '${key}' is read-only.`);

/** Refuses an attribute no patch may write (`_validate_change`). */
export function checkWritable(key: string): void {
  if (READ_ONLY.has(key)) throw readOnly(key);
  if (isReservedName(key)) throw new ApiError(403, reserved(key));
}

export type Writable = Partial<Image> & { properties: Properties; tags: string[] };

/** The image's refusal of a negative minimum (the `min_ram` and `min_disk` setters of `glance/domain`). */
export function negativeMinimum(key: string, value: unknown): ApiError | null {
  if ((key !== 'min_ram' && key !== 'min_disk') || typeof value !== 'number' || value >= 0) return null;
  return new ApiError(400, `Invalid value '${value}' for parameter '${key}': Cannot be a negative value`);
}

/**
 * Stores one attribute's value, already checked against the image schema, into `target`: a base attribute, or a
 * custom property. Base attributes nobody writes are left alone.
 */
export function setAttribute(target: Writable, key: string, value: unknown): void {
  switch (key) {
    case 'id':
      target.id = value as string;
      return;
    case 'name':
      target.name = value as string | null;
      return;
    case 'owner':
      target.owner = value as string | null;
      return;
    case 'visibility':
      target.visibility = value as (typeof VISIBILITIES)[number];
      return;
    case 'protected':
    case 'os_hidden':
      target[key] = value as boolean;
      return;
    case 'min_ram':
    case 'min_disk':
      target[key] = value as number;
      return;
    case 'disk_format':
    case 'container_format':
      target[key] = value as string | null;
      return;
    case 'tags':
      target.tags = value as string[];
      return;
  }
  if (BASE_ATTRIBUTES.has(key)) return;
  // Defined rather than assigned: assigning `__proto__` would set the object's prototype instead.
  Object.defineProperty(target.properties, key, { value, enumerable: true, writable: true, configurable: true });
}

/** What a create request asks for, and the refusal of an attribute it may not set, if any. */
export interface Creation {
  fields: Writable;
  /**
   * Thrown once the create is allowed: the reference's image factory refuses read-only and reserved attributes, and
   * the image a negative minimum, only after the policy has passed.
   */
  refusal: ApiError | null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A create request's body → the fields of the new image, with the deserializer's refusals in its order. */
export function creationFields(body: unknown): Creation {
  if (!isObject(body)) throw new ApiError(400, 'Request body must be a JSON object.');
  const neverSent = NEVER_SENT.find((key) => Object.hasOwn(body, key));
  if (neverSent !== undefined) throw readOnly(neverSent);
  checkImageSchema(body);
  for (const key of Object.keys(body)) {
    if (CREATE_BASE.has(key)) continue;
    if ([...key].length > 255) throw new ApiError(400, 'Custom property should not be greater than 255 characters.');
    // Worded under webob's explanation here, where the reference passes its message as the detail.
    if (isReservedName(key)) throw detailed(403, reserved(key));
  }
  const fields: Writable = { properties: {}, tags: [] };
  for (const [key, value] of Object.entries(body)) setAttribute(fields, key, value);
  const factoryReadOnly = CREATE_READ_ONLY.find((key) => Object.hasOwn(body, key));
  const refusal = factoryReadOnly !== undefined ? readOnly(factoryReadOnly)
    : Object.hasOwn(body, 'locations') ? new ApiError(403, reserved('locations'))
    : negativeMinimum('min_disk', body.min_disk) ?? negativeMinimum('min_ram', body.min_ram);
  return { fields, refusal };
}
