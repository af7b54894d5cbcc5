/**
 * Requests of the metadata definition calls as the reference reads them (the `RequestDeserializer`s of
 * `glance/api/v2/metadef_*.py`, then WSME's conversion to the API's models): bodies and their schemas, list
 * parameters, with the reference's refusals in its order. Where the reference fails with a 500 (a body its
 * models cannot take, a parameter it cannot read), the refusal is a 400 in WSME's or the deserializer's words.
 */
import type { FastifyRequest } from 'fastify';
import type { AssociationInput, ItemInput } from '../../../catalog/metadefs/model.js';
import { invalidInput, propertyTypeOf, unknownAttributes, type PropertyType } from '../../../catalog/metadefs/property-type.js';
import type { ContentsRequest, NamespaceListQuery, NamespaceRequest, ObjectRequest, ListOrder } from '../../../catalog/metadefs/service.js';
import { ApiError } from '../../common/errors.js';
import { lastValue, parseJsonBytes } from '../../common/http.js';
import { validateAgainst, type JsonSchema } from '../json-schema.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../filters.js';
import { SCHEMAS } from '../schemas.js';

const bad = (message: string) => new ApiError(400, message);

const NAMESPACE_SCHEMA = SCHEMAS['metadefs/namespace'] as JsonSchema;
const OBJECT_SCHEMA = SCHEMAS['metadefs/object'] as JsonSchema;
const PROPERTY_SCHEMA = SCHEMAS['metadefs/property'] as JsonSchema;
/** An object's property definitions, each checked on its own (`get_schema(require_name=False)`). */
const UNNAMED_PROPERTY_SCHEMA: JsonSchema = { ...PROPERTY_SCHEMA, required: ['type', 'title'] };
const TAG_SCHEMA = SCHEMAS['metadefs/tag'] as JsonSchema;
/** Tags made in a batch (`get_schema_for_list`), which the reference does not publish. */
const TAGS_SCHEMA: JsonSchema = {
  name: 'tags',
  properties: {
    tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } },
  },
  additionalProperties: false,
};
const ASSOCIATION_SCHEMA = SCHEMAS['metadefs/resource_type'] as JsonSchema;

const VALID_TRANSFER_ENCODINGS = new Set(['chunked', 'compress', 'deflate', 'gzip', 'identity']);

/** Whether the reference sees a body (`has_body`): a length above 0, or a transfer encoding on a method that may have one. */
function sentBody(request: FastifyRequest): boolean {
  const encoding = String(request.headers['transfer-encoding'] ?? '').toLowerCase();
  if (VALID_TRANSFER_ENCODINGS.has(encoding) && ['POST', 'PUT', 'PATCH'].includes(request.method)) return true;
  return Number(request.headers['content-length'] ?? 0) > 0;
}

/** The calls that take no body refuse one (`body_reject`). */
export function refuseBody(request: FastifyRequest): void {
  if (sentBody(request)) throw bad('A body is not expected with this request.');
}

/** A JSON body as the deserializer reads it: there, JSON, and an object or a list. */
function jsonBody(request: FastifyRequest): unknown {
  if (!sentBody(request)) throw bad('Body expected in request.');
  let body: unknown;
  try {
    body = parseJsonBytes(request.body instanceof Buffer ? request.body : Buffer.alloc(0));
  } catch {
    throw bad('Malformed JSON in request body.');
  }
  if (typeof body !== 'object' || body === null) throw bad('Unexpected body type. Expected list/dict.');
  return body;
}

/**
 * A body a call has no use for: the reference parses it (refusing one that is no JSON) and then fails on it
 * with a 500; it is refused here instead.
 */
export function refuseUnusedBody(request: FastifyRequest): void {
  if (!sentBody(request)) return;
  jsonBody(request);
  throw bad('A body is not expected with this request.');
}

/** The attributes no body may state (`_check_allowed`), looked for as Python's `in` would, in a list too. */
function refuseReadOnly(body: unknown, keys: string[]): void {
  for (const key of keys) {
    if (Array.isArray(body) ? body.includes(key) : Object.hasOwn(body as object, key)) throw new ApiError(403, `Attribute '${key}' is read-only.`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A body that passed its schema, as an object: the schemas let a list through, which no model takes. */
function asObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw bad('Request body must be a JSON object.');
  return body;
}

/**
 * One item of a body's list as WSME takes it into its model: only the model's attributes (in its order), its
 * `name` present, and text where the schema left the type open.
 */
function model(item: Record<string, unknown>, field: string, attributes: string[]): Record<string, unknown> {
  const unknown = Object.keys(item).filter((key) => !attributes.includes(key));
  if (unknown.length) throw bad(unknownAttributes(field, unknown));
  if (!Object.hasOwn(item, 'name')) throw bad(invalidInput('name', null, 'Mandatory field missing.'));
  const taken: Record<string, unknown> = {};
  for (const attribute of attributes) {
    if (!Object.hasOwn(item, attribute)) continue;
    const value = item[attribute];
    if (['created_at', 'updated_at', 'self', 'schema'].includes(attribute) && value !== null && typeof value !== 'string') {
      throw bad(invalidInput(attribute, value, `Wrong type. Expected 'str', got '${typeof value}'`));
    }
    taken[attribute] = value;
  }
  return taken;
}

const models = (value: unknown, field: string, attributes: string[]) =>
  value === undefined ? undefined : (value as Record<string, unknown>[]).map((item) => model(item, field, attributes));

/** Property definitions by name, each as Glance's PropertyType model takes it. */
const propertyTypes = (value: unknown): Record<string, PropertyType> | undefined =>
  value === undefined ? undefined : Object.fromEntries(Object.entries(value as object).map(([name, type]) => [name, propertyTypeOf(type)]));

const OBJECT_ATTRIBUTES = ['name', 'required', 'description', 'properties', 'created_at', 'updated_at', 'self', 'schema'];

/** An object of a body as the service takes it, and as WSME's model holds it (which a create answers with). */
function objectOf(item: Record<string, unknown>): { request: ObjectRequest; echo: Record<string, unknown> } {
  const properties = propertyTypes(item.properties);
  const echo = properties === undefined ? item : { ...item, properties };
  return {
    request: { name: item.name as string, description: item.description as string | undefined, required: item.required as string[] | undefined, properties },
    echo,
  };
}

const associationOf = (item: Record<string, unknown>): AssociationInput => ({
  name: item.name as string,
  prefix: (item.prefix ?? null) as string | null,
  properties_target: (item.properties_target ?? null) as string | null,
});

/** What a namespace create answers besides the namespace: its contents as the request stated them. */
export interface NamespaceEcho {
  resource_type_associations?: Record<string, unknown>[];
  properties?: Record<string, PropertyType>;
  objects?: Record<string, unknown>[];
  tags?: Record<string, unknown>[];
}

export interface NamespaceBody {
  namespace: NamespaceRequest;
  contents: ContentsRequest;
  echo: NamespaceEcho;
}

/** A namespace create's or update's body (an update uses only the namespace's own attributes). */
export function namespaceBody(request: FastifyRequest): NamespaceBody {
  const raw = jsonBody(request);
  refuseReadOnly(raw, ['self', 'schema', 'created_at', 'updated_at']);
  validateAgainst(NAMESPACE_SCHEMA, raw);
  const body = asObject(raw);
  const associations = models(body.resource_type_associations, 'resource_type_associations', ['name', 'prefix', 'properties_target', 'created_at', 'updated_at']);
  const properties = propertyTypes(body.properties);
  const objects = models(body.objects, 'objects', OBJECT_ATTRIBUTES)?.map(objectOf);
  const tags = models(body.tags, 'tags', ['name', 'created_at', 'updated_at']);
  const own = ['namespace', 'display_name', 'description', 'visibility', 'protected', 'owner'] as const;
  return {
    namespace: Object.fromEntries(own.filter((key) => Object.hasOwn(body, key)).map((key) => [key, body[key]])) as unknown as NamespaceRequest,
    contents: {
      associations: (associations ?? []).map(associationOf),
      objects: (objects ?? []).map((o) => o.request),
      properties: Object.entries(properties ?? {}).map(([name, schema]) => ({ name, schema })),
      tags: (tags ?? []).map((tag) => ({ name: tag.name as string })),
    },
    echo: { resource_type_associations: associations, properties, objects: objects?.map((o) => o.echo), tags },
  };
}

/** An object create's or update's body (a create checks each property definition against the property schema too). */
export function objectBody(request: FastifyRequest, creating: boolean): ObjectRequest {
  const raw = jsonBody(request);
  refuseReadOnly(raw, ['self', 'schema', 'created_at', 'updated_at']);
  validateAgainst(OBJECT_SCHEMA, raw);
  if (creating && isObject(raw) && isObject(raw.properties)) for (const type of Object.values(raw.properties)) validateAgainst(UNNAMED_PROPERTY_SCHEMA, type);
  return objectOf(model(asObject(raw), 'metadata_object', OBJECT_ATTRIBUTES)).request;
}

export function propertyBody(request: FastifyRequest): ItemInput<'property'> {
  const raw = jsonBody(request);
  refuseReadOnly(raw, ['created_at', 'updated_at']);
  validateAgainst(PROPERTY_SCHEMA, raw);
  const schema = propertyTypeOf(asObject(raw), 'property_type');
  return { name: schema.name as string, schema };
}

/** A tag's name as a tag create takes it from the path: checked against the tag schema. */
export const checkTagName = (name: string) => () => validateAgainst(TAG_SCHEMA, { name });

export function tagBody(request: FastifyRequest): ItemInput<'tag'> {
  const raw = jsonBody(request);
  refuseReadOnly(raw, ['created_at', 'updated_at']);
  validateAgainst(TAG_SCHEMA, raw);
  return { name: model(asObject(raw), 'metadata_tag', ['name', 'created_at', 'updated_at']).name as string };
}

/** The names of a batch of tags. */
export function tagsBody(request: FastifyRequest): string[] {
  const raw = jsonBody(request);
  refuseReadOnly(raw, ['created_at', 'updated_at']);
  validateAgainst(TAGS_SCHEMA, raw);
  const body = asObject(raw);
  if (!Object.hasOwn(body, 'tags')) throw bad(invalidInput('tags', null, 'Mandatory field missing.'));
  return (body.tags as Array<{ name: string }>).map((tag) => tag.name);
}

export function associationBody(request: FastifyRequest): AssociationInput {
  const raw = jsonBody(request);
  refuseReadOnly(raw, ['created_at', 'updated_at']);
  validateAgainst(ASSOCIATION_SCHEMA, raw);
  return associationOf(model(asObject(raw), 'resource_type', ['name', 'prefix', 'properties_target', 'created_at', 'updated_at']));
}

/** oslo's `bool_from_string`: the header says yes, or it is false. */
export const saysYes = (value: string | string[] | undefined) => ['1', 't', 'true', 'on', 'y', 'yes'].includes(String(value ?? '').trim().toLowerCase());

/** The value webob's MultiDict `pop` gives: the first. */
const firstValue = (params: URLSearchParams, key: string) => params.get(key) ?? undefined;

/** Python's `int()` of a parameter; null where it raises. */
function pythonInt(text: string): number | null {
  return /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(text) ? Number.parseInt(text.replace(/_/g, ''), 10) : null;
}

function sortDir(params: URLSearchParams): 'asc' | 'desc' {
  const dir = firstValue(params, 'sort_dir') ?? 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw bad(`Invalid sort direction: ${dir}`);
  return dir;
}

/** The `visibility` filter's check (`_get_filters`): an empty one passes. */
function checkVisibility(params: URLSearchParams, allowed: string[]): string | undefined {
  const visibility = lastValue(params, 'visibility');
  if (visibility && !allowed.includes(visibility)) throw bad(`Invalid visibility value: ${visibility}`);
  return visibility;
}

/** `_validate_limit`: an integer, at least `least`. */
function validLimit(text: string, least: number): number {
  const limit = pythonInt(text);
  if (limit === null) throw bad('limit param must be an integer');
  if (limit < least) throw bad('limit param must be positive');
  return limit;
}

export type NamespaceList = NamespaceListQuery & { limit: number };

/** A namespace list's parameters; a `limit` that is no integer fails first (the reference's 500 there). */
export function namespaceListQuery(params: URLSearchParams): NamespaceList {
  const limitText = firstValue(params, 'limit');
  const asked = limitText === undefined ? DEFAULT_LIMIT : pythonInt(limitText);
  if (asked === null) throw bad('limit param must be an integer');
  const dir = sortDir(params);
  const visibility = checkVisibility(params, ['public', 'private']);
  const limit = Math.min(MAX_LIMIT, asked);
  if (limit < 0) throw bad('limit param must be positive');
  const resourceTypes = lastValue(params, 'resource_types');
  return {
    key: firstValue(params, 'sort_key') ?? 'created_at',
    dir,
    limit,
    marker: firstValue(params, 'marker') || undefined,
    visibility,
    resourceTypes: resourceTypes === undefined ? undefined : resourceTypes.split(','),
  };
}

/** An object list's parameters: checked, then unused, as the reference lists every object. */
export function checkObjectListQuery(params: URLSearchParams): void {
  sortDir(params);
  checkVisibility(params, ['public', 'private', 'shared']);
  const limit = firstValue(params, 'limit');
  if (limit !== undefined) validLimit(limit, 1);
}

export function tagListQuery(params: URLSearchParams): ListOrder {
  const dir = sortDir(params);
  checkVisibility(params, ['public', 'private', 'shared']);
  const limit = firstValue(params, 'limit');
  return { key: firstValue(params, 'sort_key') ?? 'created_at', dir, limit: limit ? validLimit(limit, 0) : undefined, marker: firstValue(params, 'marker') || undefined };
}

/** A namespace show's parameters: the `visibility` check, and the resource type whose prefix its properties take. */
export function namespaceShowQuery(params: URLSearchParams): string | undefined {
  checkVisibility(params, ['public', 'private']);
  return lastValue(params, 'resource_type') || undefined;
}
