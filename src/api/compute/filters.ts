/**
 * Compute list parameters → one CatalogQuery (`nova/api/openstack/compute/images.py` `_get_filters`,
 * `nova/image/glance.py` `_extract_query_params_v2`, `common.get_pagination_params`).
 */
import { filterCondition } from '../../catalog/glance-filters.js';
import { isIntText, type CatalogQuery, type Condition } from '../../catalog/query.js';
import { ApiError } from '../common/errors.js';
import { lastValue } from '../common/http.js';

/** Compute filter names and the image-service filters they become (a Map: parameter names are client input). */
const COMPUTE_FILTERS = new Map([
  ['name', 'name'],
  ['status', 'status'],
  ['changes-since', 'changes-since'],
  ['server', 'property-instance_uuid'],
  ['type', 'property-image_type'],
  ['minRam', 'min_ram'],
  ['minDisk', 'min_disk'],
]);

/** Python's `str.lstrip('property-')`: strips leading characters of that set, not the prefix. */
export function lstripPropertyPrefix(key: string): string {
  let i = 0;
  while (i < key.length && 'property-'.includes(key[i])) i++;
  return key.slice(i);
}


function paginationInt(params: URLSearchParams, key: string): number | undefined {
  const text = lastValue(params, key);
  if (text === undefined) return undefined;
  if (!isIntText(text)) throw new ApiError(400, `Invalid input received: ${key} must be an integer`);
  const value = Number.parseInt(text, 10);
  if (value < 0) throw new ApiError(400, `Invalid input received: ${key} must be >= 0`);
  return value;
}

/**
 * The marker as the image service receives it: Nova's image client appends it to its URL unencoded, so it is read
 * as query text there (`%20` and `+` are spaces), and whatever follows an `&` in it is more parameters, filters.
 */
function markerAsSent(marker: string): { marker: string; filters: [string, string][] } {
  const [[, value], ...filters] = [...new URLSearchParams(`marker=${marker}`)];
  return { marker: value, filters };
}

export interface ComputeListRequest {
  query: CatalogQuery;
  /** `min(limit, max_limit)`: a non-empty page that holds exactly this many images gets a next link. */
  pageFill: number;
}

export function computeListQuery(params: URLSearchParams, maxLimit: number): ComputeListRequest {
  const limit = paginationInt(params, 'limit');
  paginationInt(params, 'page_size');
  paginationInt(params, 'offset');

  const filters = new Map<string, string>();
  for (const key of new Set(params.keys())) {
    const mapped = COMPUTE_FILTERS.get(key) ?? (key.startsWith('property-') ? key : undefined);
    if (mapped !== undefined) filters.set(mapped, lastValue(params, key)!);
  }
  const server = filters.get('property-instance_uuid');
  if (server !== undefined && server.includes('/')) {
    filters.set('property-instance_uuid', server.slice(server.lastIndexOf('/') + 1));
  }

  const conditions: Condition[] = [];
  for (const [key, value] of filters) {
    if (key.startsWith('property-')) conditions.push(filterCondition(lstripPropertyPrefix(key), value));
    else if (key === 'changes-since') conditions.push(filterCondition('updated_at', `gte:${value}`));
    else if (key === 'status') conditions.push(filterCondition(key, value.toLowerCase()));
    else conditions.push(filterCondition(key, value));
  }

  const marker = lastValue(params, 'marker');
  const sent = marker === undefined ? undefined : markerAsSent(marker);
  if (sent) conditions.push(...sent.filters.map(([key, value]) => filterCondition(key, value)));
  return {
    // limit=0 lists everything and never gets a next link, as in the reference.
    query: { conditions, marker: sent?.marker || undefined, limit: limit || undefined },
    pageFill: Math.min(limit ?? maxLimit, maxLimit),
  };
}
