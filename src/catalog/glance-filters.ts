/**
 * The image service's list filters by key: base columns compare by their own rules, every other
 * key is a custom-property equality. Both APIs end here (the compute API after renaming its filters).
 */
import { intCondition, timeCondition, valueCondition, type Condition } from './query.js';

export function filterCondition(key: string, value: string): Condition {
  switch (key) {
    case 'id':
    case 'name':
    case 'status':
    case 'container_format':
    case 'disk_format':
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
