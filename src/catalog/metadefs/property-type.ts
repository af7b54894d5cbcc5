/**
 * A property definition as Glance's `PropertyType` model holds it (`glance/api/v2/model/metadef_property_type.py`,
 * through WSME's JSON conversion): its known attributes only, in the model's order, each converted to the
 * model's type. Glance stores what a request states converted so, and converts a stored definition again
 * whenever it shows one, so both go through here.
 */
import { badRequest } from '../errors.js';

/** A definition: JSON, keys in the model's order. */
export type PropertyType = Record<string, unknown>;

type Kind = 'text' | 'texts' | 'bytes' | 'int' | 'bool' | 'items';

/** The model's attributes in its order, with the WSME type of each. */
const ATTRIBUTES: ReadonlyArray<[string, Kind]> = [
  ['name', 'text'], ['type', 'text'], ['title', 'text'], ['description', 'text'], ['operators', 'texts'], ['default', 'bytes'],
  ['readonly', 'bool'], ['minimum', 'int'], ['maximum', 'int'], ['enum', 'texts'], ['pattern', 'text'], ['minLength', 'int'],
  ['maxLength', 'int'], ['confidential', 'bool'], ['items', 'items'], ['uniqueItems', 'bool'], ['minItems', 'int'],
  ['maxItems', 'int'], ['additionalItems', 'bool'],
];
const MANDATORY = ['type', 'title'];
/** An array's item type (`ItemType`). */
const ITEM_ATTRIBUTES: ReadonlyArray<[string, Kind]> = [['type', 'text'], ['enum', 'texts']];

/** A value the model cannot take, in the words WSME's `InvalidInput` uses. */
class Unconvertible extends Error {}

/** WSME's words for a value a model cannot take (`InvalidInput`), and for attributes it does not have. */
export const invalidInput = (attribute: string, value: unknown, reason: string) =>
  `Invalid input for field/attribute ${attribute}. Value: '${JSON.stringify(value)}'. ${reason}`;
export const unknownAttributes = (field: string, names: string[]) => `Unknown attribute for argument ${field}: ${names.join(', ')}`;

const invalid = (attribute: string, value: unknown, reason: string) => new Unconvertible(invalidInput(attribute, value, reason));

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** WSME's strings for a boolean (`ENUM_TRUE`, `ENUM_FALSE`). */
const TRUE_WORDS = ['true', 't', 'yes', 'y', 'on', '1'];
const FALSE_WORDS = ['false', 'f', 'no', 'n', 'off', '0'];

/**
 * Python's `str()` of a JSON number: an integer's digits; a fraction's shortest repr, which Python writes with
 * an exponent below 1e-4 (a double past 2^53 holds no fraction).
 */
export function pythonNumberText(value: number): string {
  if (Number.isInteger(value)) return BigInt(value).toString();
  const [mantissa, exponent] = value.toExponential().split('e');
  const power = Number(exponent);
  return power >= -4 ? String(value) : `${mantissa}e-${String(-power).padStart(2, '0')}`;
}

function convert(kind: Exclude<Kind, 'items'>, attribute: string, value: unknown): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') throw invalid(attribute, value, `Wrong type. Expected 'str', got '${typeof value}'`);
      return value;
    case 'texts':
      if (!Array.isArray(value)) throw invalid(attribute, value, `Value not a valid list: ${JSON.stringify(value)}`);
      return value.map((item) => convert('text', attribute, item));
    case 'bytes':
      // WSME writes text and numbers as their Python `str()`, and anything else as nothing at all.
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return pythonNumberText(value);
      if (typeof value === 'boolean') return value ? 'True' : 'False';
      return null;
    case 'int': {
      const number = typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : typeof value === 'boolean' ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) throw invalid(attribute, value, 'Not an integer.');
      return Math.trunc(number);
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string' && TRUE_WORDS.includes(value)) return true;
      if (typeof value === 'string' && FALSE_WORDS.includes(value)) return false;
      throw invalid(attribute, value, `Value not an unambiguous boolean: ${JSON.stringify(value)}`);
  }
}

/** A WSME complex type from JSON: only its attributes, each converted, the mandatory ones present. */
function convertModel(attributes: ReadonlyArray<[string, Kind]>, mandatory: string[], field: string, value: unknown, strict: boolean): Record<string, unknown> {
  if (!isObject(value)) {
    if (strict) throw invalid(field, value, 'Expected an object.');
    return {};
  }
  const known = new Set(attributes.map(([name]) => name));
  const unknown = Object.keys(value).filter((key) => !known.has(key));
  if (strict && unknown.length > 0) throw new Unconvertible(unknownAttributes(field, unknown));
  const model: Record<string, unknown> = {};
  for (const [name, kind] of attributes) {
    if (!Object.hasOwn(value, name)) {
      if (strict && mandatory.includes(name)) throw invalid(name, null, 'Mandatory field missing.');
      continue;
    }
    try {
      const given = value[name];
      model[name] = given === null ? null : kind === 'items' ? convertModel(ITEM_ATTRIBUTES, ['type'], name, given, strict) : convert(kind, name, given);
    } catch (err) {
      if (strict || !(err instanceof Unconvertible)) throw err;
    }
  }
  return model;
}

/**
 * A definition a request states, as Glance stores it; a 400 for one its model cannot take, where the reference
 * fails with a 500. `field` names where the request holds it, for the refusal.
 */
export function propertyTypeOf(value: unknown, field = 'properties'): PropertyType {
  try {
    return convertModel(ATTRIBUTES, MANDATORY, field, value, true);
  } catch (err) {
    if (err instanceof Unconvertible) throw badRequest(err.message);
    throw err;
  }
}

/**
 * A stored definition as Glance shows it. A loaded file's definition is stored as written, and where the model
 * cannot take some of it the reference's read fails (500): what it cannot take is left out instead.
 */
export function storedPropertyType(value: unknown): PropertyType {
  return convertModel(ATTRIBUTES, MANDATORY, 'properties', value, false);
}
