/**
 * The image service's list filters by key: base columns compare by their own rules, every other
 * key is a custom-property equality. Both APIs end here (the compute API after renaming its filters).
 */
import { badRequest } from './errors.js';
import { INT_FIELDS, intCondition, isIntText, rangeCondition, splitFilterOp, timeCondition, valueCondition, type Condition, type IntField } from './query.js';

/**
 * The reference refuses an `in:` list whose double quotes it cannot pair (`glance/common/utils.py`
 * validate_quotes): a quote must open after a comma (or at the start), close before one (or at the
 * end), and be closed; a backslash before a quote makes it no quote.
 */
function checkQuotes(expression: string): void {
  const { op, value } = splitFilterOp(expression);
  if (op !== 'in') return;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '"' || (i > 0 && value[i - 1] === '\\')) continue;
    if (!quoted && i > 0 && value[i - 1] !== ',') {
      throw badRequest(`Invalid filter value ${value}. There is no comma before opening quotation mark.`);
    }
    if (quoted && i + 1 < value.length && value[i + 1] !== ',') {
      throw badRequest(`Invalid filter value ${value}. There is no comma after closing quotation mark.`);
    }
    quoted = !quoted;
  }
  if (quoted) throw badRequest(`Invalid filter value ${value}. The quote is not closed.`);
}

/** `<column>_min` and `<column>_max` of an integer column: the column and the comparison; null for any other key. */
function rangeOf(key: string): { field: IntField; op: 'gte' | 'lte' } | null {
  const field = key.slice(0, -4);
  if (!(INT_FIELDS as readonly string[]).includes(field)) return null;
  if (key.endsWith('_min')) return { field: field as IntField, op: 'gte' };
  return key.endsWith('_max') ? { field: field as IntField, op: 'lte' } : null;
}

export function filterCondition(key: string, value: string): Condition {
  const range = rangeOf(key);
  if (range) return rangeCondition(range.field, range.op, value);
  // The reference reads every such bound as a number first, whatever the column (one it lacks fails there).
  if ((key.endsWith('_min') || key.endsWith('_max')) && !isIntText(value)) {
    throw badRequest('Unable to filter on a range with a non-numeric value.');
  }
  switch (key) {
    case 'id':
    case 'name':
    case 'status':
    case 'container_format':
    case 'disk_format':
      checkQuotes(value);
      return valueCondition(key, value);
    case 'created_at':
    case 'updated_at':
      return timeCondition(key, value);
    case 'min_ram':
    case 'min_disk':
    case 'size':
    case 'virtual_size':
      return intCondition(key, value);
    case 'owner':
    case 'visibility':
    case 'checksum':
    case 'os_hash_algo':
    case 'os_hash_value':
      return { kind: 'eq', field: key, value };
    default:
      return { kind: 'property', key, value };
  }
}
