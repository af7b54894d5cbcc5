/**
 * The image schema's check of a request, as the reference makes it (`glance/schema.py` Schema.validate, which is
 * jsonschema's `validate`): every failure of the object is found, in the order jsonschema meets them, and the one
 * its `best_match` picks is reported. Only the keywords the image schema uses are known.
 */
import { ApiError } from '../common/errors.js';
import { pyPformat, pyRepr } from '../common/python-repr.js';
import { SCHEMAS } from './schemas.js';

type Schema = Record<string, unknown>;
type Path = Array<string | number>;

interface Failure {
  message: string;
  keyword: string;
  /** Where the failing keyword's schema sits in the image schema. */
  schemaPath: Path;
  schema: Schema;
  /** Where the failing value sits in the object checked. */
  path: Path;
  instance: unknown;
}

const IMAGE_SCHEMA = SCHEMAS.image as Schema;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON Schema's types as jsonschema's checker tells them (a whole float is an integer, a boolean is no number). */
function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null': return value === null;
    case 'boolean': return typeof value === 'boolean';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'string': return typeof value === 'string';
    case 'array': return Array.isArray(value);
    case 'object': return isObject(value);
    default: return false;
  }
}

const typesOf = (schema: Schema) => ([] as string[]).concat(schema.type as string | string[]);

/** Python's `re.search`: `$` also matches just before a newline that ends the text. */
function searches(pattern: string, text: string): boolean {
  const re = new RegExp(pattern, 'u');
  return re.test(text) || (text.endsWith('\n') && re.test(text.slice(0, -1)));
}

/** Python's `==` between JSON values, as `enum` compares them (a boolean is no number). */
function equal(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a) || isObject(a)) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** The failures of `instance` against `schema`, in jsonschema's order: the schema's keywords as written. */
function* failures(instance: unknown, schema: Schema, schemaPath: Path, path: Path): Generator<Failure> {
  const fail = (keyword: string, message: string): Failure => ({ message, keyword, schemaPath, schema, path, instance });
  for (const [keyword, value] of Object.entries(schema)) {
    switch (keyword) {
      case 'type': {
        const types = typesOf(schema);
        if (!types.some((type) => hasType(instance, type))) yield fail(keyword, `${pyRepr(instance)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`);
        break;
      }
      case 'enum':
        if (!(value as unknown[]).some((item) => equal(item, instance))) yield fail(keyword, `${pyRepr(instance)} is not one of ${pyRepr(value)}`);
        break;
      case 'pattern':
        if (typeof instance === 'string' && !searches(value as string, instance)) yield fail(keyword, `${pyRepr(instance)} does not match ${pyRepr(value)}`);
        break;
      case 'maxLength':
        if (typeof instance === 'string' && [...instance].length > (value as number)) yield fail(keyword, `${pyRepr(instance)} is too long`);
        break;
      case 'minLength':
        if (typeof instance === 'string' && [...instance].length < (value as number)) yield fail(keyword, `${pyRepr(instance)} is too short`);
        break;
      case 'items':
        if (Array.isArray(instance)) {
          for (const [i, item] of instance.entries()) yield* failures(item, value as Schema, [...schemaPath, keyword], [...path, i]);
        }
        break;
      case 'properties':
        if (isObject(instance)) {
          for (const [key, sub] of Object.entries(value as Schema)) {
            if (Object.hasOwn(instance, key)) yield* failures(instance[key], sub as Schema, [...schemaPath, keyword, key], [...path, key]);
          }
        }
        break;
      case 'additionalProperties':
        if (isObject(instance)) {
          const declared = (schema.properties ?? {}) as Schema;
          const extras = Object.keys(instance).filter((key) => !Object.hasOwn(declared, key));
          if (value === false && extras.length) {
            yield fail(keyword, `Additional properties are not allowed (${extras.map((k) => pyRepr(k)).join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)`);
          } else if (isObject(value)) {
            for (const key of extras) yield* failures(instance[key], value, [...schemaPath, keyword], [...path, key]);
          }
        }
        break;
      case 'required':
        if (isObject(instance)) {
          for (const key of value as string[]) if (!Object.hasOwn(instance, key)) yield fail(keyword, `${pyRepr(key)} is a required property`);
        }
        break;
    }
  }
}

/** jsonschema's `relevance`: shallower failures first, then those of a value that is not even of the schema's type. */
function relevance(failure: Failure): [number, number] {
  const type = failure.schema.type;
  const ofType = type !== undefined && typesOf(failure.schema).some((t) => hasType(failure.instance, t));
  return [-failure.path.length, ofType ? 0 : 1];
}

/** jsonschema's `best_match`: the most relevant failure, the first met among equals. */
function bestMatch(all: Iterable<Failure>): Failure | null {
  let best: Failure | null = null;
  let bestKey: [number, number] = [0, 0];
  for (const failure of all) {
    const key = relevance(failure);
    if (!best || key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) [best, bestKey] = [failure, key];
  }
  return best;
}

/** Python's `format_as_index`: `schema['properties']['name']`. */
const asIndex = (container: string, path: Path) => container + path.map((p) => `[${pyRepr(p)}]`).join('');

/**
 * A failure worded as jsonschema's `str(ValidationError)`, with the failing part of the image schema and the
 * value pretty-printed, newlines flattened as the reference's page shows them.
 */
function schemaFailure(failure: Failure): ApiError {
  const pretty = (value: unknown) => pyPformat(value, 72).split('\n').join('\n    ');
  const text =
    `${failure.message}\n\nFailed validating ${pyRepr(failure.keyword)} in ${asIndex('schema', failure.schemaPath)}:\n    ${pretty(failure.schema)}\n\n` +
    `On ${asIndex('instance', failure.path)}:\n    ${pretty(failure.instance)}`;
  return new ApiError(400, `Provided object does not match schema 'image': ${text.replace(/\n/g, ' ')}`);
}

/** Refuses an object (a create's body, or the part of an image a patch operation writes) the image schema refuses. */
export function checkImageSchema(object: Record<string, unknown>): void {
  const failure = bestMatch(failures(object, IMAGE_SCHEMA, [], []));
  if (failure) throw schemaFailure(failure);
}

/** Why the image schema refuses an object, in a sentence; null when it does not (what the schema's clients check). */
export function schemaRefusal(object: Record<string, unknown>): string | null {
  return bestMatch(failures(object, IMAGE_SCHEMA, [], []))?.message ?? null;
}
