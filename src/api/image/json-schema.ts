/**
 * Request bodies checked against the image service's JSON schemas as the reference checks them
 * (`glance/schema.py` calls `jsonschema.validate`: jsonschema 4.10, draft 2020-12): the keywords those schemas
 * use, every failure found in the order jsonschema finds them, the one `best_match` picks, worded as
 * `str(ValidationError)` under Glance's own sentence.
 */
import { ApiError } from '../common/errors.js';
import { pyPformat, pyRepr } from '../common/python-repr.js';

export type JsonSchema = Record<string, unknown>;
type Path = Array<string | number>;

/** One failure, as jsonschema's ValidationError holds it. */
export interface SchemaFailure {
  message: string;
  /** The keyword that failed. */
  keyword: string;
  /** Where the keyword sits in the schema, the keyword last (a `$ref` adds no step, as in jsonschema). */
  schemaPath: Path;
  /** Where the failing value sits in the instance. */
  instancePath: Path;
  /** The (sub)schema holding the keyword. */
  schema: JsonSchema;
  instance: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number';

const TYPES: Record<string, (value: unknown) => boolean> = {
  array: Array.isArray,
  boolean: (value) => typeof value === 'boolean',
  integer: (value) => isNumber(value) && Number.isInteger(value),
  null: (value) => value === null,
  number: isNumber,
  object: isObject,
  string: (value) => typeof value === 'string',
};

const isType = (value: unknown, type: unknown) => typeof type === 'string' && TYPES[type]?.(value) === true;

/** Python's `==` on JSON values, where jsonschema keeps booleans apart from the numbers 0 and 1. */
function pyEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => pyEqual(item, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && pyEqual(a[key], b[key]));
  }
  return a === b;
}

/** Python's `re.search`, as jsonschema matches a `pattern`: its `$` also matches just before a final newline. */
function pySearch(pattern: string, text: string): boolean {
  const re = new RegExp(pattern, 'u');
  return re.test(text) || (text.endsWith('\n') && re.test(text.slice(0, -1)));
}

/** Resolves a `#/definitions/…` reference against the schema it belongs to. */
function resolve(root: JsonSchema, ref: string): JsonSchema {
  let target: unknown = root;
  for (const step of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) target = (target as Record<string, unknown>)[step];
  if (!isObject(target)) throw new Error(`unresolvable schema reference ${ref}`);
  return target;
}

/** Every failure of `instance` against `schema`, in jsonschema's order: the schema's keywords as it lists them. */
function* failures(root: JsonSchema, schema: JsonSchema, instance: unknown, instancePath: Path, schemaPath: Path): Generator<SchemaFailure> {
  const fail = (keyword: string, message: string): SchemaFailure => ({ message, keyword, schemaPath: [...schemaPath, keyword], instancePath, schema, instance });
  for (const [keyword, value] of Object.entries(schema)) {
    switch (keyword) {
      case '$ref':
        yield* failures(root, resolve(root, value as string), instance, instancePath, schemaPath);
        break;
      case 'allOf':
        for (const [i, sub] of (value as JsonSchema[]).entries()) yield* failures(root, sub, instance, instancePath, [...schemaPath, keyword, i]);
        break;
      case 'type': {
        const types = ([] as unknown[]).concat(value);
        if (!types.some((type) => isType(instance, type))) yield fail(keyword, `${pyRepr(instance)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`);
        break;
      }
      case 'enum':
        if (!(value as unknown[]).some((item) => pyEqual(item, instance))) yield fail(keyword, `${pyRepr(instance)} is not one of ${pyRepr(value)}`);
        break;
      case 'maxLength':
        if (typeof instance === 'string' && [...instance].length > (value as number)) yield fail(keyword, `${pyRepr(instance)} is too long`);
        break;
      case 'minLength':
        if (typeof instance === 'string' && [...instance].length < (value as number)) yield fail(keyword, `${pyRepr(instance)} is too short`);
        break;
      case 'pattern':
        if (typeof instance === 'string' && !pySearch(value as string, instance)) yield fail(keyword, `${pyRepr(instance)} does not match ${pyRepr(value)}`);
        break;
      case 'minimum':
        if (isNumber(instance) && instance < (value as number)) yield fail(keyword, `${pyRepr(instance)} is less than the minimum of ${pyRepr(value)}`);
        break;
      case 'minItems':
        if (Array.isArray(instance) && instance.length < (value as number)) yield fail(keyword, `${pyRepr(instance)} is too short`);
        break;
      case 'uniqueItems':
        if (value === true && Array.isArray(instance) && instance.some((item, i) => instance.slice(i + 1).some((other) => pyEqual(item, other)))) {
          yield fail(keyword, `${pyRepr(instance)} has non-unique elements`);
        }
        break;
      case 'items':
        if (Array.isArray(instance)) {
          for (const [i, item] of instance.entries()) yield* failures(root, value as JsonSchema, item, [...instancePath, i], [...schemaPath, keyword]);
        }
        break;
      case 'required':
        if (isObject(instance)) {
          for (const name of value as string[]) if (!Object.hasOwn(instance, name)) yield fail(keyword, `${pyRepr(name)} is a required property`);
        }
        break;
      case 'properties':
        if (isObject(instance)) {
          for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) {
            if (Object.hasOwn(instance, name)) yield* failures(root, sub, instance[name], [...instancePath, name], [...schemaPath, keyword, name]);
          }
        }
        break;
      case 'additionalProperties': {
        if (!isObject(instance)) break;
        const declared = isObject(schema.properties) ? schema.properties : {};
        const extras = Object.keys(instance).filter((key) => !Object.hasOwn(declared, key));
        if (isObject(value)) {
          for (const extra of extras) yield* failures(root, value, instance[extra], [...instancePath, extra], [...schemaPath, keyword]);
        } else if (value === false && extras.length > 0) {
          yield fail(keyword, `Additional properties are not allowed (${extras.map((e) => pyRepr(e)).join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)`);
        }
        break;
      }
    }
  }
}

/**
 * jsonschema's `relevance`: failures higher up in the instance first, then those whose value is not even of
 * the schema's type. No schema here uses anyOf or oneOf, whose failures weigh less.
 */
function relevance(failure: SchemaFailure): [number, number] {
  const type = failure.schema.type;
  const matchesType = type !== undefined && ([] as unknown[]).concat(type).some((t) => isType(failure.instance, t));
  return [-failure.instancePath.length, matchesType ? 0 : 1];
}

/** The failure `jsonschema.validate` raises: `best_match`, the first of the most relevant; null when valid. */
export function bestFailure(schema: JsonSchema, instance: unknown): SchemaFailure | null {
  let best: SchemaFailure | null = null;
  let bestKey: [number, number] = [-Infinity, 0];
  for (const failure of failures(schema, schema, instance, [], [])) {
    const key = relevance(failure);
    if (key[0] > bestKey[0] || (key[0] === bestKey[0] && key[1] > bestKey[1])) [best, bestKey] = [failure, key];
  }
  return best;
}

/** Python's `format_as_index`: `schema['properties']['name']`. */
const asIndex = (container: string, path: Path) => container + path.map((step) => `[${pyRepr(step)}]`).join('');

/** `str(ValidationError)`: the message, the failing part of the schema and the instance, pretty-printed. */
export function describeFailure(failure: SchemaFailure): string {
  const pretty = (value: unknown) => pyPformat(value, 72).split('\n').join('\n    ');
  return (
    `${failure.message}\n\nFailed validating ${pyRepr(failure.keyword)} in ${asIndex('schema', failure.schemaPath.slice(0, -1))}:\n` +
    `    ${pretty(failure.schema)}\n\nOn ${asIndex('instance', failure.instancePath)}:\n    ${pretty(failure.instance)}`
  );
}

/** Glance's refusal of a body that fails schema `name` (`InvalidObject`), newlines flattened as its page shows them. */
export function schemaRefusal(name: string, failure: SchemaFailure): ApiError {
  return new ApiError(400, `Provided object does not match schema '${name}': ${describeFailure(failure).replace(/\n/g, ' ')}`);
}

/** Refuses `instance` unless it satisfies `schema` (whose `name` names it in the refusal). */
export function validateAgainst(schema: JsonSchema, instance: unknown): void {
  const failure = bestFailure(schema, instance);
  if (failure) throw schemaRefusal(schema.name as string, failure);
}
