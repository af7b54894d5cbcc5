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
export type IntField = 'min_ram' | 'min_disk' | 'size' | 'virtual_size';
export const INT_FIELDS: readonly IntField[] = ['min_ram', 'min_disk', 'size', 'virtual_size'];
export type TimeField = 'created_at' | 'updated_at';
export type TimeOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export type Condition =
  | { kind: 'in'; field: ValueField; values: string[] }
  | { kind: 'int'; field: IntField; value: number }
  | { kind: 'time'; field: TimeField; op: TimeOp; value: string }
  | { kind: 'property'; key: string; value: string }
  | { kind: 'eq'; field: 'owner' | 'visibility' | 'checksum' | 'os_hash_algo' | 'os_hash_value'; value: string }
  | { kind: 'tag'; value: string }
  | { kind: 'bool'; field: 'protected'; value: boolean }
  | { kind: 'range'; field: IntField; op: 'gte' | 'lte'; value: number }
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

/**
 * The end of a quoted value that starts at `from` (the closing quote's index), as the reference's pattern
 * `"([^"\\]*(?:\\.[^"\\]*)*)"` finds it: a backslash takes the next character (a newline aside) with it; -1 if none.
 */
function closingQuote(list: string, from: number): number {
  for (let i = from; i < list.length; i++) {
    if (list[i] === '"') return i;
    if (list[i] === '\\') {
      if (i + 1 >= list.length || list[i + 1] === '\n') return -1;
      i++;
    }
  }
  return -1;
}

/**
 * Splits an `in:` list as the reference does (`utils.split_filter_value_for_quotes`): on commas, a quoted value
 * keeping its commas (and its backslashes), an empty one between two commas, none after a last comma.
 */
export function splitInList(list: string): string[] {
  const values: string[] = [];
  let i = 0;
  while (i < list.length) {
    const close = list[i] === '"' ? closingQuote(list, i + 1) : -1;
    let end: number;
    if (close >= 0) {
      values.push(list.slice(i + 1, close));
      end = close + 1;
    } else if (list[i] === ',') {
      values.push('');
      i++;
      continue;
    } else {
      end = list.indexOf(',', i);
      if (end < 0) end = list.length;
      values.push(list.slice(i, end));
    }
    i = list[end] === ',' ? end + 1 : end;
  }
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

/** `updated_at=gte:<ISO 8601>` and friends; no operator means equality. The time is read before the operator. */
export function timeCondition(field: TimeField, expression: string): Condition {
  const { op, value } = splitFilterOp(expression);
  const time = parseIsoTime(value);
  if (time === null) throw badRequest(`Bad "${field}" query filter format. Use ISO 8601 DateTime notation.`);
  if (!TIME_OPS.has(op)) throw badRequest('Unable to filter on a unknown operator.');
  return { kind: 'time', field, op: op as TimeOp, value: time };
}

/** Whether text reads as an integer the way Python's int() reads it: optional white space around a signed run of digits. */
export function isIntText(text: string): boolean {
  return /^\s*[+-]?\d+\s*$/.test(text);
}

const SQLITE_SPACE = ' \t\n\v\f\r';

/**
 * Text as the reference's database reads it when it compares it with a number column (SQLite's numeric
 * affinity): a decimal number, perhaps signed, with a fraction or an exponent, white space around it; else null.
 */
export function numberText(text: string): number | null {
  let start = 0;
  let end = text.length;
  while (start < end && SQLITE_SPACE.includes(text[start])) start++;
  while (end > start && SQLITE_SPACE.includes(text[end - 1])) end--;
  const number = text.slice(start, end);
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(number) ? Number(number) : null;
}

/** The largest value each integer column holds: 4 bytes for the minimums, 8 (as far as a number is exact) for sizes. */
const INT_LIMIT: Record<IntField, number> = { min_ram: MAX_INT, min_disk: MAX_INT, size: Number.MAX_SAFE_INTEGER, virtual_size: Number.MAX_SAFE_INTEGER };

/** Integer columns compare by equality; a value that is not a whole number, or that no such column holds, matches nothing. */
export function intCondition(field: IntField, text: string): Condition {
  const value = numberText(text);
  if (value === null || !Number.isInteger(value) || Math.abs(value) > INT_LIMIT[field]) return { kind: 'none' };
  return { kind: 'int', field, value };
}

/**
 * `size_min=N` and `size_max=N` (or those of another integer column): N as Python's int() reads it, else refused.
 * Held to sizes a number can name exactly (8 PiB): past them the bound means the same, and a database column of
 * 8-byte integers refuses it.
 */
export function rangeCondition(field: IntField, op: 'gte' | 'lte', text: string): Condition {
  if (!isIntText(text)) throw badRequest('Unable to filter on a range with a non-numeric value.');
  const value = Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.parseInt(text, 10), Number.MAX_SAFE_INTEGER));
  return { kind: 'range', field, op, value };
}
