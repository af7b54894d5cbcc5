/**
 * Image API list parameters → one CatalogQuery (`glance/api/v2/images.py` RequestDeserializer.index):
 * scope (visibility, member_status, os_hidden), filters, sort and paging, with the reference's errors.
 */
import { filterCondition } from '../../catalog/glance-filters.js';
import { MEMBER_STATUSES, VISIBILITIES, type MemberStatus, type Visibility } from '../../catalog/image.js';
import { isIntText, SORT_KEYS, type CatalogQuery, type Condition, type SortKey, type SortOrder } from '../../catalog/query.js';
import { ApiError } from '../common/errors.js';
import { lastValue } from '../common/http.js';

/** `limit` when none is given, and the most one page may hold (`limit_param_default`, `api_limit_max`). */
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 1000;

/** Parameters that shape the list rather than filter on an attribute. */
const CONTROL = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'sort', 'member_status', 'visibility', 'os_hidden', 'protected', 'tag']);

/**
 * The reference pops these from webob's MultiDict, which takes the first value and leaves the others among the
 * filters (on a column or a custom property of that name); every other parameter it reads with `get`, which
 * returns the last value. The database layer pops `visibility` (whose last value the API has checked) and two
 * filters, which then filter on their first value too.
 */
const POPPED = new Set(['limit', 'marker', 'member_status', 'sort', 'visibility', 'checksum', 'os_hash_value']);
const FILTERS_POPPED = new Set(['checksum', 'os_hash_value']);

const firstValue = (params: URLSearchParams, key: string) => params.get(key) ?? undefined;

const bad = (message: string) => new ApiError(400, message);

/** Only `os_hidden` is lower-cased before the check (and quoted so in the message); `protected` is taken as given. */
function bool(params: URLSearchParams, key: 'os_hidden' | 'protected'): boolean | undefined {
  const text = lastValue(params, key);
  if (text === undefined) return undefined;
  const value = key === 'os_hidden' ? text.toLowerCase() : text;
  if (value !== 'true' && value !== 'false') throw bad(`Invalid value '${value}' for '${key}' filter. Valid values are 'true' or 'false'.`);
  return value === 'true';
}

function sortKey(key: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(key)) {
    throw bad(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  }
  return key as SortKey;
}

function sortDir(dir: string): 'asc' | 'desc' {
  if (dir !== 'asc' && dir !== 'desc') throw bad(`Invalid sort direction: ${dir}`);
  return dir;
}

/** The keys and directions as `_get_sorting_params` reads them, before the reference completes them. */
function requestedSort(params: URLSearchParams): SortOrder[] | undefined {
  const sort = firstValue(params, 'sort');
  if (sort !== undefined) {
    if (params.has('sort_key') || params.has('sort_dir')) throw bad('Old and new sorting syntax cannot be combined');
    return sort.split(',').map((item) => {
      const [key, ...dir] = item.split(':');
      return { key: sortKey(key.trim()), dir: sortDir((dir.join(':') || 'desc').trim()) };
    });
  }
  // Every key is checked before any direction, and both before their numbers are compared.
  const keys = params.getAll('sort_key').map((key) => sortKey(key.trim()));
  const dirs = params.getAll('sort_dir').map((dir) => sortDir(dir.trim()));
  if (!keys.length && !dirs.length) return undefined;
  if (dirs.length > 1 && dirs.length !== keys.length) throw bad('Number of sort dirs does not match the number of sort keys');
  return (keys.length ? keys : (['created_at'] as const)).map((key, i) => ({ key, dir: dirs[dirs.length > 1 ? i : 0] ?? 'desc' }));
}

/**
 * `sort=k:dir,k2` or `sort_key=k&sort_dir=d` (one direction for all keys, or one per key); never both. As
 * `_get_sorting_params` reads them: the direction is all after a key's first colon (none, or an empty one, is the
 * default), and keys and directions are stripped of spaces. Then as `image_get_all` completes them: created_at and
 * id break ties, in the one direction the request gave (descending when it gave several).
 */
function sortOrder(params: URLSearchParams): SortOrder[] | undefined {
  const requested = requestedSort(params);
  if (!requested) return undefined;
  const tie = requested.length === 1 || params.getAll('sort_dir').length === 1 ? requested[0].dir : 'desc';
  const order = [...requested];
  for (const key of ['created_at', 'id'] as const) if (!order.some((o) => o.key === key)) order.push({ key, dir: tie });
  const isDefault = order.length === 2 && order.every((o, i) => o.key === ['created_at', 'id'][i] && o.dir === 'desc');
  return isDefault ? undefined : order;
}

function limitParam(params: URLSearchParams): number {
  const text = firstValue(params, 'limit');
  if (text === undefined) return DEFAULT_LIMIT;
  if (!isIntText(text)) throw bad('limit param must be an integer');
  const limit = Number.parseInt(text, 10);
  if (limit < 0) throw bad('limit param must be positive');
  return Math.min(limit, MAX_LIMIT);
}

export interface ImageListRequest {
  query: CatalogQuery;
  limit: number;
}

/** Checks in the reference's order: the deserializer's, then the controller's, then the filters'. */
export function imageListQuery(params: URLSearchParams): ImageListRequest {
  const visibility = lastValue(params, 'visibility');
  if (visibility !== undefined && visibility !== 'all' && !(VISIBILITIES as readonly string[]).includes(visibility)) {
    throw bad(`Invalid visibility value: ${visibility}`);
  }
  if (params.has('changes-since')) throw bad('The "changes-since" filter is no longer available on v2.');
  const memberStatus = firstValue(params, 'member_status');
  if (memberStatus !== undefined && memberStatus !== 'all' && !(MEMBER_STATUSES as readonly string[]).includes(memberStatus)) {
    throw bad(`Invalid status: ${memberStatus}`);
  }
  const limit = limitParam(params);
  const order = sortOrder(params);
  const hidden = bool(params, 'os_hidden') ?? false;
  const isProtected = bool(params, 'protected');
  const conditions: Condition[] = [];
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (FILTERS_POPPED.has(key)) conditions.push(filterCondition(key, values[0]));
    if (POPPED.has(key) ? values.length > 1 : !CONTROL.has(key)) conditions.push(filterCondition(key, values[values.length - 1]));
  }
  // The visibility the list covers is the one popped: if it is none the API knows, no image has it.
  const popped = firstValue(params, 'visibility');
  const known = popped === undefined || popped === 'all' || (VISIBILITIES as readonly string[]).includes(popped);
  if (!known) conditions.push({ kind: 'none' });
  // Each tag as the reference pops it: stripped of white space.
  for (const tag of params.getAll('tag')) conditions.push({ kind: 'tag', value: tag.trim() });
  if (isProtected !== undefined) conditions.push({ kind: 'bool', field: 'protected', value: isProtected });
  const marker = firstValue(params, 'marker');
  return {
    limit,
    query: {
      conditions,
      scope: {
        visibility: known ? (popped as Visibility | 'all' | undefined) : undefined,
        memberStatus: memberStatus as MemberStatus | 'all' | undefined,
        hidden,
      },
      order,
      marker: marker || undefined,
      limit,
    },
  };
}

/**
 * `first` and `next` links: the request's parameters as a dict (each key where it first came, with its
 * last value), marker left out, or set to the last item listed.
 */
export function listLink(params: URLSearchParams, marker?: string, path = '/v2/images'): string {
  const once = new Map<string, string>();
  for (const [key, value] of params) if (key !== 'marker') once.set(key, value);
  const kept = new URLSearchParams([...once]);
  if (marker) kept.append('marker', marker);
  const query = kept.toString();
  return query ? `${path}?${query}` : path;
}
