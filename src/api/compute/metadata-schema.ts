/**
 * Validation of image-metadata request bodies with the reference's messages
 * (`nova/api/openstack/compute/schemas/image_metadata.py`, `parameter_types.metadata`, reported
 * as Nova's jsonschema validator reports the first error it meets).
 */
import { ApiError } from '../common/errors.js';
import { pyRepr, pyStr } from '../common/python-repr.js';

const KEY_PATTERN = /^[a-zA-Z0-9-_:. ]{1,255}$/;
const KEY_PATTERN_TEXT = '^[a-zA-Z0-9-_:. ]{1,255}$';
const MAX_VALUE_LENGTH = 255;

function invalid(field: string, value: unknown, message: string): ApiError {
  return new ApiError(400, `Invalid input for field/attribute ${field}. Value: ${pyStr(value)}. ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a metadata object in the schema's keyword order: type, values, key names, size. */
function checkMetadata(field: string, value: unknown, size?: { min: number; max: number }): Record<string, string> {
  if (!isObject(value)) throw invalid(field, value, `${pyRepr(value)} is not of type 'object'`);
  for (const [key, item] of Object.entries(value)) {
    if (!KEY_PATTERN.test(key)) continue;
    if (typeof item !== 'string') throw invalid(key, item, `${pyRepr(item)} is not of type 'string'`);
    if ([...item].length > MAX_VALUE_LENGTH) throw invalid(key, item, `${pyRepr(item)} is too long`);
  }
  const badKeys = Object.keys(value).filter((k) => !KEY_PATTERN.test(k)).sort();
  if (badKeys.length > 0) {
    const verb = badKeys.length === 1 ? 'does' : 'do';
    throw invalid(field, value, `${badKeys.map(pyRepr).join(', ')} ${verb} not match any of the regexes: '${KEY_PATTERN_TEXT}'`);
  }
  const count = Object.keys(value).length;
  if (size && count < size.min) throw invalid(field, value, `${pyRepr(value)} does not have enough properties`);
  if (size && count > size.max) throw invalid(field, value, `${pyRepr(value)} has too many properties`);
  return value as Record<string, string>;
}

/** A body of the form `{"<root>": {key: value, …}}` and nothing else. */
export function validateMetadataBody(body: unknown, root: 'metadata' | 'meta'): Record<string, string> {
  if (!isObject(body)) throw new ApiError(400, `${pyRepr(body)} is not of type 'object'`);
  const result = root in body ? checkMetadata(root, body[root], root === 'meta' ? { min: 1, max: 1 } : undefined) : null;
  if (result === null) throw new ApiError(400, `'${root}' is a required property`);
  const extra = Object.keys(body).filter((k) => k !== root);
  if (extra.length > 0) {
    const verb = extra.length === 1 ? 'was' : 'were';
    throw new ApiError(400, `Additional properties are not allowed (${extra.map(pyRepr).join(', ')} ${verb} unexpected)`);
  }
  return result;
}
