/**
 * CatalogQuery: what a list asks of the catalog, independent of the API it came through.
 * Both APIs translate their parameters into this one shape; the filter operators of the
 * reference image service (`in:`, `eq:`, time comparisons) are parsed here, once.
 */
import { badRequest } from './errors.js';
import { MAX_INT } from './image.js';
import { parseIsoTime } from './iso8601.js';
import type { MemberStatus, Visibility } from './image.js';

/**
 * Whose list this is, and which of the images that project may see it covers: by default the
 * reference image service's default list (public, own, shares accepted by the project).
 */
export interface ListScope {
  projectId: string;
  isAdmin: boolean;
  /** Only images of this visibility; 'all' widens the default list to community images too. */
  visibility?: Visibility | 'all';
  /** Which of the project's shares count (default: accepted ones). */
  memberStatus?: MemberStatus | 'all';
  /** Hidden images instead of the visible ones (default: not hidden). */
  hidden?: boolean;
}

export type ValueField = 'id' | 'name' | 'status' | 'container_format' | 'disk_format';
export type IntField = 'min_ram' | 'min_disk';
export type TimeField = 'created_at' | 'updated_at';
export type TimeOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export type Condition =
  | { kind: 'in'; field: ValueField; values: string[] }
  | { kind: 'int'; field: IntField; value: number }
  | { kind: 'time'; field: TimeField; op: TimeOp; value: string }
  | { kind: 'property'; key: string; value: string }
  | { kind: 'eq'; field: 'owner' | 'checksum' | 'os_hash_algo' | 'os_hash_value'; value: string }
  | { kind: 'tag'; value: string }
  | { kind: 'bool'; field: 'protected'; value: boolean }
  | { kind: 'size'; op: 'gte' | 'lte'; value: number }
  /** A filter no image can satisfy (e.g. a non-integer min_ram, as the reference answers). */
  | { kind: 'none' };

export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface SortOrder {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export interface CatalogQuery {
  conditions: Condition[];
  /** A sort order other than the default (created_at, then id, newest first). */
  order?: SortOrder[];
  /** Which of the visible images the list covers; by default the image service's default list. */
  scope?: Omit<ListScope, 'projectId' | 'isAdmin'>;
  /** Id of the last image of the previous page; the list starts strictly after it. */
  marker?: string;
  /** Maximum number of images; undefined means all of them. */
  limit?: number;
}

/** Splits `op:value` as the reference does: a colon that belongs to an ISO 8601 time is not an operator. */
export function splitFilterOp(expression: string): { op: string; value: string } {
  const colon = expression.indexOf(':');
  if (colon < 0 || parseIsoTime(expression) !== null) return { op: 'eq', value: expression };
  return { op: expression.slice(0, colon), value: expression.slice(colon + 1) };
}

/** Splits an `in:` list on commas; double quotes protect commas inside a value. */
export function splitInList(list: string): string[] {
  const values: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of list) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      values.push(current);
      current = '';
    } else current += ch;
  }
  values.push(current);
  return values;
}

/** `name=in:a,b`, `name=eq:a`, `name=a`; any other operator is refused. */
export function valueCondition(field: ValueField, expression: string): Condition {
  const { op, value } = splitFilterOp(expression);
  if (op === 'in') return { kind: 'in', field, values: splitInList(value) };
  if (op === 'eq') return { kind: 'in', field, values: [value] };
  throw badRequest(`Unable to filter by unknown operator '${op}'.`);
}

const TIME_OPS: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte', 'eq', 'neq']);

/** `updated_at=gte:<ISO 8601>` and friends; no operator means equality. */
export function timeCondition(field: TimeField, expression: string): Condition {
  const { op, value } = splitFilterOp(expression);
  if (!TIME_OPS.has(op)) throw badRequest('Unable to filter on a unknown operator.');
  const time = parseIsoTime(value);
  if (time === null) throw badRequest(`Bad "${field}" query filter format. Use ISO 8601 DateTime notation.`);
  return { kind: 'time', field, op: op as TimeOp, value: time };
}

/** Whether text reads as an integer the way Python's int() reads it: optional white space around a signed run of digits. */
export function isIntText(text: string): boolean {
  return /^\s*[+-]?\d+\s*$/.test(text);
}

/** Integer columns compare by equality; a value that is not an integer, or that no such column holds, matches nothing. */
export function intCondition(field: IntField, text: string): Condition {
  if (!isIntText(text)) return { kind: 'none' };
  const value = Number.parseInt(text, 10);
  return Math.abs(value) <= MAX_INT ? { kind: 'int', field, value } : { kind: 'none' };
}
