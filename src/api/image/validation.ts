/**
 * What a client may write on an image (`glance/api/v2/images.py` and the image schema): read-only and
 * reserved attributes, the schema's types and enums, and custom properties (strings, keys ≤ 255).
 */
import { BASE_ATTRIBUTES, isImageId, VISIBILITIES, type Image } from '../../catalog/image.js';
import { ApiError, detailed } from '../common/errors.js';
import { pyRepr } from '../common/python-repr.js';

const READ_ONLY = new Set([
  'id', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at',
  'direct_url', 'self', 'file', 'schema', 'stores',
]);
/** Attributes a client may set on create (where `id` is still free to choose). */
const CREATE_READ_ONLY = new Set([...READ_ONLY].filter((key) => key !== 'id' && key !== 'os_hash_algo' && key !== 'os_hash_value'));
/** Create accepts these and ignores them, as the reference does. */
const CREATE_IGNORED = new Set(['os_hash_algo', 'os_hash_value']);

export const DISK_FORMATS = [null, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const CONTAINER_FORMATS = [null, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];

/** Schema properties that are not base attributes but still have a declared shape. */
const UUID_PROPERTIES = new Set(['kernel_id', 'ramdisk_id']);

const schemaError = (message: string) => new ApiError(400, `Provided object does not match schema 'image': ${message}`);

export function checkWritable(key: string, creating: boolean): void {
  // The reference words these two ways: under webob's explanation for some, on their own for `locations`.
  if (key === 'location' || key.startsWith('os_glance')) throw detailed(403, `Attribute '${key}' is reserved.`);
  if (key === 'locations') throw new ApiError(403, `Attribute '${key}' is reserved.`);
  if ((creating ? CREATE_READ_ONLY : READ_ONLY).has(key)) throw new ApiError(403, `Attribute '${key}' is read-only.`);
}

type Writable = Partial<Image> & { properties: Record<string, string>; tags: string[] };

/** Checks one attribute's value and stores it into `target` (base attribute or custom property). */
export function setAttribute(target: Writable, key: string, value: unknown): void {
  const is = (type: string, ok: boolean) => {
    if (!ok) throw schemaError(`${pyRepr(value)} is not of type ${type}`);
  };
  const oneOf = (allowed: readonly unknown[]) => {
    if (!allowed.includes(value)) throw schemaError(`${pyRepr(value)} is not one of ${pyRepr(allowed)}`);
  };
  switch (key) {
    case 'id':
      is("'string'", typeof value === 'string');
      if (!isImageId(value as string)) throw schemaError(`${pyRepr(value)} does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'`);
      target.id = value as string;
      return;
    case 'name':
    case 'owner':
      is("'null', 'string'", value === null || typeof value === 'string');
      if (typeof value === 'string' && [...value].length > 255) throw schemaError(`${pyRepr(value)} is too long`);
      target[key] = value as string | null;
      return;
    case 'visibility':
      is("'string'", typeof value === 'string');
      oneOf(['community', 'public', 'private', 'shared']);
      target.visibility = value as (typeof VISIBILITIES)[number];
      return;
    case 'protected':
    case 'os_hidden':
      is("'boolean'", typeof value === 'boolean');
      target[key] = value as boolean;
      return;
    case 'min_ram':
    case 'min_disk':
      is("'integer'", Number.isInteger(value));
      if ((value as number) < 0) throw new ApiError(400, `Invalid value '${value}' for parameter '${key}': Cannot be a negative value`);
      target[key] = value as number;
      return;
    case 'disk_format':
      is("'null', 'string'", value === null || typeof value === 'string');
      oneOf(DISK_FORMATS);
      target.disk_format = value as string | null;
      return;
    case 'container_format':
      is("'null', 'string'", value === null || typeof value === 'string');
      oneOf(CONTAINER_FORMATS);
      target.container_format = value as string | null;
      return;
    case 'tags':
      is("'array'", Array.isArray(value));
      for (const tag of value as unknown[]) {
        if (typeof tag !== 'string') throw schemaError(`${pyRepr(tag)} is not of type 'string'`);
        if ([...tag].length > 255) throw schemaError(`${pyRepr(tag)} is too long`);
      }
      target.tags = value as string[];
      return;
  }
  if (BASE_ATTRIBUTES.has(key)) return;
  if ([...key].length > 255) throw new ApiError(400, 'Custom property should not be greater than 255 characters.');
  if (UUID_PROPERTIES.has(key) && value !== null && (typeof value !== 'string' || !isImageId(value))) {
    throw schemaError(`${pyRepr(value)} does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'`);
  }
  if (typeof value !== 'string') throw schemaError(`${pyRepr(value)} is not of type 'string'`);
  target.properties[key] = value;
}

/** A create request's body → the fields of the new image. */
export function creationFields(body: unknown): Writable {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'Request body must be a JSON object.');
  }
  const fields: Writable = { properties: {}, tags: [] };
  for (const [key, value] of Object.entries(body)) {
    checkWritable(key, true);
    if (!CREATE_IGNORED.has(key)) setAttribute(fields, key, value);
  }
  return fields;
}
