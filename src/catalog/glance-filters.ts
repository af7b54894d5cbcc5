/**
 * The image service's list filters by key: base columns compare by their own rules, every other
 * key is a custom-property equality. Both APIs end here (the compute API after renaming its filters).
 */
import { badRequest } from './errors.js';
import { intCondition, splitFilterOp, timeCondition, valueCondition, type Condition } from './query.js';

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

export function filterCondition(key: string, value: string): Condition {
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
      return intCondition(key, value);
    case 'owner':
    case 'checksum':
    case 'os_hash_algo':
    case 'os_hash_value':
      return { kind: 'eq', field: key, value };
    default:
      return { kind: 'property', key, value };
  }
}
