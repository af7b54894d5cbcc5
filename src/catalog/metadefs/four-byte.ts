/**
 * Glance's database layer refuses characters outside the Basic Multilingual Plane in what it writes of
 * namespaces, objects, properties and tags (`no_4byte_params`: MySQL's `utf8` holds none), looking into nested
 * dictionaries but not into lists, in these words.
 */
import { badRequest } from '../errors.js';

const FOUR_BYTE = /[\u{10000}-\u{10FFFF}]/u;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Python's `str.title()` of a key: each run of letters capitalised (`display_name` → `Display_Name`). */
const title = (key: string) => key.replace(/[a-z]+/gi, (word) => word[0].toUpperCase() + word.slice(1).toLowerCase());

function refusal(values: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(values)) {
    if (isObject(value)) {
      const nested = refusal(value);
      if (nested) return nested;
    } else if (FOUR_BYTE.test(key)) {
      return "Property names can't contain 4 byte unicode.";
    } else if (typeof value === 'string' && FOUR_BYTE.test(value)) {
      return `${title(key)} can't contain 4 byte unicode characters.`;
    }
  }
  return null;
}

/** Refuses `values` (as the database layer would write them) under the operation's own sentence (`Couldn't …: `). */
export function refuseFourByte(values: Record<string, unknown>, operation: string): void {
  const reason = refusal(values);
  if (reason) throw badRequest(`${operation}: ${reason}`);
}
