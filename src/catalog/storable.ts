/**
 * What the reference's database layer refuses of an image as it writes it (`glance/db/sqlalchemy/api.py`
 * `_image_update`, under `utils.no_4byte_params`, then `_validate_db_int`, then its tags): text beyond the Basic
 * Multilingual Plane in the name, the owner, a property or a tag, and minimums past a 4-byte integer.
 */
import { badRequest } from './errors.js';
import { MAX_INT, type Image } from './image.js';

const FOUR_BYTE = /[\u{10000}-\u{10FFFF}]/u;

/** Python's `str.title()` of a property name, as the refusal names it: each run of cased letters capitalised. */
function title(text: string): string {
  return text.replace(/[\p{Lu}\p{Ll}\p{Lt}]+/gu, (word) => word[0].toUpperCase() + word.slice(1).toLowerCase());
}

export function checkStorable(image: Pick<Image, 'name' | 'owner' | 'properties' | 'min_disk' | 'min_ram' | 'tags'>): void {
  for (const [key, value] of [['name', image.name], ['owner', image.owner]] as const) {
    if (value !== null && FOUR_BYTE.test(value)) throw badRequest(`${title(key)} can't contain 4 byte unicode characters.`);
  }
  for (const [key, value] of Object.entries(image.properties)) {
    if (FOUR_BYTE.test(key)) throw badRequest("Property names can't contain 4 byte unicode.");
    if (value !== null && FOUR_BYTE.test(value)) throw badRequest(`${title(key)} can't contain 4 byte unicode characters.`);
  }
  for (const key of ['min_disk', 'min_ram'] as const) {
    if (image[key] > MAX_INT) throw badRequest(`'${key}' value out of range, must not exceed ${MAX_INT}.`);
  }
  // The reference writes the tags after the rest, and so refuses such a tag having written the rest; this refuses all.
  if (image.tags.some((tag) => FOUR_BYTE.test(tag))) throw badRequest("Param values can't contain 4 byte unicode.");
}
