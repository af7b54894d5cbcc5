/**
 * What a client may write on an image (`glance/api/v2/images.py` and the image schema): read-only and
 * reserved attributes, the schema's types and enums, and custom properties (strings, keys ≤ 255).
 */
import { BASE_ATTRIBUTES, MAX_INT, VISIBILITIES, type Image } from '../../catalog/image.js';
import { ApiError, detailed } from '../common/errors.js';
import { pyRepr } from '../common/python-repr.js';
import { schemaRefusal, type JsonSchema } from './json-schema.js';
import { SCHEMAS } from './schemas.js';

const READ_ONLY = new Set([
  'id', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at',
  'direct_url', 'self', 'file', 'schema', 'stores',
]);
/** Attributes a client may set on create (where `id` is still free to choose). */
const CREATE_READ_ONLY = new Set([...READ_ONLY].filter((key) => key !== 'id' && key !== 'os_hash_algo' && key !== 'os_hash_value'));
/** Create accepts these and ignores them, as the reference does. */
const CREATE_IGNORED = new Set(['os_hash_algo', 'os_hash_value']);


const IMAGE_SCHEMA = SCHEMAS.image as { properties: Record<string, Record<string, unknown>>; additionalProperties: unknown };

/** A validation failure of the image schema at `schemaPath` (where `keyword` sits), as jsonschema words it. */
function schemaFailure(message: string, keyword: string, schemaPath: Array<string | number>, instancePath: Array<string | number>, instance: unknown): ApiError {
  let schema: unknown = IMAGE_SCHEMA;
  for (const step of schemaPath) schema = (schema as Record<string | number, unknown>)[step];
  return schemaRefusal('image', { message, keyword, schemaPath: [...schemaPath, keyword], instancePath, schema: schema as JsonSchema, instance });
}

/** Custom property names the reference keeps for itself (`images.py` RequestDeserializer). */
const isReserved = (key: string) => key === 'location' || key === 'deleted' || key === 'deleted_at' || key.startsWith('os_glance');

const reserved = (key: string) => `Attribute '${key}' is reserved.`;

/**
 * Refuses an attribute no client may write. A create's reserved names are refused later, by `creationFields`:
 * the reference checks them only once the whole body has passed the schema.
 */
export function checkWritable(key: string, creating: boolean): void {
  if (key === 'locations') throw new ApiError(403, reserved(key));
  if ((creating ? CREATE_READ_ONLY : READ_ONLY).has(key)) throw new ApiError(403, `Attribute '${key}' is read-only.`);
  if (!creating && isReserved(key)) throw new ApiError(403, reserved(key));
}

type Writable = Partial<Image> & { properties: Record<string, string>; tags: string[] };

/** Checks one attribute's value and stores it into `target` (base attribute or custom property). */
export function setAttribute(target: Writable, key: string, value: unknown): void {
  // Only the schema's own entries: `constructor` and the like are extra properties, not Object's members.
  const declared = Object.hasOwn(IMAGE_SCHEMA.properties, key) ? IMAGE_SCHEMA.properties[key] : undefined;
  const at = declared ? ['properties', key] : ['additionalProperties'];
  const fail = (message: string, keyword: string) => schemaFailure(message, keyword, at, [key], value);
  const types = declared ? ([] as string[]).concat(declared.type as string | string[]) : ['string'];
  const typeOk = types.some((type) =>
    type === 'null' ? value === null
    : type === 'integer' ? Number.isInteger(value)
    : type === 'array' ? Array.isArray(value)
    : type === 'object' ? typeof value === 'object' && value !== null && !Array.isArray(value)
    : typeof value === type,
  );
  if (!typeOk) throw fail(`${pyRepr(value)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`, 'type');
  if (declared?.enum && !(declared.enum as unknown[]).includes(value)) throw fail(`${pyRepr(value)} is not one of ${pyRepr(declared.enum)}`, 'enum');
  if (typeof value === 'string') {
    if (typeof declared?.pattern === 'string' && !new RegExp(declared.pattern).test(value)) {
      throw fail(`${pyRepr(value)} does not match ${pyRepr(declared.pattern)}`, 'pattern');
    }
    if (typeof declared?.maxLength === 'number' && [...value].length > declared.maxLength) throw fail(`${pyRepr(value)} is too long`, 'maxLength');
  }
  switch (key) {
    case 'id':
      target.id = value as string;
      return;
    case 'name':
      if (typeof value === 'string' && /[\u{10000}-\u{10FFFF}]/u.test(value)) throw new ApiError(400, "Name can't contain 4 byte unicode characters.");
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
      if ((value as number) < 0) throw new ApiError(400, `Invalid value '${value as number}' for parameter '${key}': Cannot be a negative value`);
      if ((value as number) > MAX_INT) throw new ApiError(400, `'${key}' value out of range, must not exceed ${MAX_INT}.`);
      target[key] = value as number;
      return;
    case 'disk_format':
    case 'container_format':
      target[key] = value as string | null;
      return;
    case 'tags':
      (value as unknown[]).forEach((tag, i) => {
        const items = ['properties', 'tags', 'items'];
        if (typeof tag !== 'string') throw schemaFailure(`${pyRepr(tag)} is not of type 'string'`, 'type', items, ['tags', i], tag);
        if ([...tag].length > 255) throw schemaFailure(`${pyRepr(tag)} is too long`, 'maxLength', items, ['tags', i], tag);
      });
      target.tags = value as string[];
      return;
  }
  if (BASE_ATTRIBUTES.has(key)) return;
  if ([...key].length > 255) throw new ApiError(400, 'Custom property should not be greater than 255 characters.');
  // Defined rather than assigned: assigning `__proto__` would set the object's prototype instead.
  if (value !== null) Object.defineProperty(target.properties, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Attributes the request deserializer refuses before anything else (`_check_allowed`); the others only the image factory does. */
const NEVER_SENT = new Set(['direct_url', 'self', 'file', 'schema', 'stores']);

/** What a create request asks for, and the refusal of an attribute it may not set, if any. */
export interface Creation {
  fields: Writable;
  /**
   * Thrown once the create is allowed: the reference's image factory refuses read-only and reserved attributes
   * only after the schema and the policy have passed.
   */
  refusal: ApiError | null;
}

/** A create request's body → the fields of the new image. */
export function creationFields(body: unknown): Creation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'Request body must be a JSON object.');
  }
  for (const key of Object.keys(body)) if (NEVER_SENT.has(key)) checkWritable(key, true);
  const fields: Writable = { properties: {}, tags: [] };
  let refusal: ApiError | null = null;
  for (const [key, value] of Object.entries(body)) {
    try {
      checkWritable(key, true);
    } catch (err) {
      refusal ??= err as ApiError;
      continue;
    }
    if (!CREATE_IGNORED.has(key)) setAttribute(fields, key, value);
  }
  // Worded under webob's explanation here, where the reference passes its message as the detail.
  const taken = Object.keys(fields.properties).find(isReserved);
  if (taken !== undefined) refusal ??= detailed(403, reserved(taken));
  return { fields, refusal };
}
