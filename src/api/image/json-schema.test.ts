// The reference's refusals of metadata definition bodies, word for word (asked of the reference deployment).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestFailure, validateAgainst, type JsonSchema } from './json-schema.js';
import { SCHEMAS } from './schemas.js';

const NAMESPACE = SCHEMAS['metadefs/namespace'] as JsonSchema;
const refusal = (schema: JsonSchema, body: unknown) => {
  try {
    validateAgainst(schema, body);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
};

test('a valid body passes, with the keywords the schemas only describe (format, default) ignored', () => {
  assert.equal(bestFailure(NAMESPACE, { namespace: 'n', properties: { p: { title: 't', type: 'string', pattern: '(', default: [1] } } }), null);
  // The top level has no type: jsonschema lets a list through (the reference then fails converting it).
  assert.equal(bestFailure(NAMESPACE, [1]), null);
});

test('a failure through a reference names the schema it resolved to, and no $ref step in the path', () => {
  assert.equal(
    refusal(NAMESPACE, { namespace: 'glint-md-z', properties: { a: { type: 'string', title: 'x', minLength: -1 } } }),
    "Provided object does not match schema 'namespace': -1 is less than the minimum of 0  Failed validating 'minimum' in " +
      "schema['properties']['properties']['additionalProperties']['properties']['minLength']['allOf'][0]:     {'minimum': 0, 'type': 'integer'}  " +
      "On instance['properties']['a']['minLength']:     -1",
  );
});

test('of several failures, the one highest in the body is told, the first found among equals', () => {
  assert.equal(
    refusal(NAMESPACE, { namespace: 'glint-md-z', objects: [{ name: 1 }], visibility: 'x' }),
    "Provided object does not match schema 'namespace': 'x' is not one of ['public', 'private']  Failed validating 'enum' in " +
      "schema['properties']['visibility']:     {'description': 'Scope of namespace accessibility.',      'enum': ['public', 'private'],      " +
      "'type': 'string'}  On instance['visibility']:     'x'",
  );
  assert.equal(
    refusal(NAMESPACE, { namespace: 5, protected: 'yes', properties: { a: { type: 'strin', title: 'x' } } }),
    "Provided object does not match schema 'namespace': 5 is not of type 'string'  Failed validating 'type' in schema['properties']['namespace']:     " +
      "{'description': 'The unique namespace text.',      'maxLength': 80,      'type': 'string'}  On instance['namespace']:     5",
  );
});

test('at equal depth, a value not even of the expected type is told before another failure', () => {
  assert.equal(
    refusal(NAMESPACE, { namespace: 'glint-md-z', objects: [{ name: 'o', required: ['a', 'a'] }], tags: [{ name: 5 }] }),
    "Provided object does not match schema 'namespace': 5 is not of type 'string'  Failed validating 'type' in " +
      "schema['properties']['tags']['items']['properties']['name']:     {'type': 'string'}  On instance['tags'][0]['name']:     5",
  );
  assert.match(refusal(NAMESPACE, { namespace: 'n', objects: [{ name: 'o', required: ['a', 'a'] }] })!, /\['a', 'a'\] has non-unique elements/);
});
