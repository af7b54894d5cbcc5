/**
 * An import request's body as the reference reads it (`images.py` RequestDeserializer `_validate_import_body`),
 * with its words; where it fails with a 500 (a body that is a list, a method that is no object), a 400.
 */
import { IMPORT_METHODS, type ImportMethod, type ImportRequest } from '../../catalog/imports.js';
import { ApiError } from '../common/errors.js';
import { parseJsonBytes } from '../common/http.js';
import { pyStr } from '../common/python-repr.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function importRequest(bytes: Uint8Array): ImportRequest {
  if (bytes.length === 0) throw new ApiError(400, 'Body expected in request.');
  let body: unknown;
  try {
    body = parseJsonBytes(bytes);
  } catch {
    throw new ApiError(400, 'Malformed JSON in request body.');
  }
  if (typeof body !== 'object' || body === null) throw new ApiError(400, 'Unexpected body type. Expected list/dict.');
  if (!isObject(body) || !Object.hasOwn(body, 'method')) throw new ApiError(400, "Import request requires a 'method' field.");
  const method = body.method;
  if (!isObject(method) || !Object.hasOwn(method, 'name')) throw new ApiError(400, "Import request requires a 'name' field.");
  const name = method.name;
  if (!(IMPORT_METHODS as readonly unknown[]).includes(name)) throw new ApiError(400, `Unknown import method name '${pyStr(name)}'.`);
  for (const flag of ['all_stores_must_succeed', 'all_stores']) {
    if (Object.hasOwn(body, flag) && typeof body[flag] !== 'boolean') throw new ApiError(400, `'${flag}' must be boolean value only`);
  }
  const uri = method.uri;
  return {
    method: name as ImportMethod,
    uri: uri === undefined || uri === null ? null : pyStr(uri),
    allStoresMustSucceed: body.all_stores_must_succeed !== false,
    body,
  };
}
