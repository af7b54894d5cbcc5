// Property definitions as the reference stored and showed them (asked of the reference deployment).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogError } from '../errors.js';
import { refuseFourByte } from './four-byte.js';
import { propertyTypeOf, pythonNumberText, storedPropertyType } from './property-type.js';

test('a definition keeps the model attributes in the model order, each as the model types it', () => {
  const stated = { title: 'Q', type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['a', 'b'], type: 'string' }, name: 'q4' };
  const converted = propertyTypeOf(stated);
  assert.deepEqual(Object.keys(converted), ['name', 'type', 'title', 'items', 'uniqueItems', 'minItems']);
  assert.deepEqual(Object.keys(converted.items as object), ['type', 'enum']);
  // The reference's answers: a default is text, bounds are whole numbers, cut towards zero.
  assert.deepEqual(propertyTypeOf({ title: 'Q', type: 'integer', default: 1 }), { type: 'integer', title: 'Q', default: '1' });
  assert.deepEqual(propertyTypeOf({ title: 'Q', type: 'boolean', default: true }), { type: 'boolean', title: 'Q', default: 'True' });
  assert.deepEqual(propertyTypeOf({ title: 'Q', type: 'object', default: { a: 1 } }), { type: 'object', title: 'Q', default: null });
  assert.deepEqual(propertyTypeOf({ title: 'Q', type: 'number', minimum: 1.5, maximum: -2.7 }), { type: 'number', title: 'Q', minimum: 1, maximum: -2 });
  assert.deepEqual(propertyTypeOf({ title: 'Q', type: 'string', confidential: 'yes' }), { type: 'string', title: 'Q', confidential: true });
});

test('Python writes numbers as text its own way', () => {
  assert.deepEqual([1.5, 0.0001, 0.00001, 1e15 + 0.5, 1e16, 2 ** 60, -3].map(pythonNumberText), ['1.5', '0.0001', '1e-05', '1000000000000000.5', '10000000000000000', '1152921504606846976', '-3']);
  assert.equal(pythonNumberText(2.5e-7), '2.5e-07');
});

test('what the model cannot take is a bad request when stated, and left out when stored so', () => {
  const refusal = (value: unknown) => {
    try {
      propertyTypeOf(value);
    } catch (err) {
      assert.ok(err instanceof CatalogError && err.kind === 'bad_request');
      return err.message;
    }
    return null;
  };
  assert.equal(refusal({ title: 'P1', type: 'string', extra: 1 }), 'Unknown attribute for argument properties: extra');
  assert.match(refusal({ title: 'Q', type: 'string', enum: [1, 'a'] })!, /^Invalid input for field\/attribute enum/);
  assert.match(refusal({ title: 'Q', type: 'array', items: { enum: ['a'] } })!, /field\/attribute type\. Value: 'null'\. Mandatory field missing\./);
  assert.match(refusal({ type: 'string' })!, /field\/attribute title\. .*Mandatory field missing\./);
  assert.deepEqual(storedPropertyType({ title: 'P', type: 'string', extra: 1, enum: [1], items: 'x', operators: ['<or>'] }), {
    type: 'string', title: 'P', operators: ['<or>'], items: {},
  });
  assert.deepEqual(storedPropertyType(null), {});
});

test('4-byte characters are refused in the words of the database layer, nested dictionaries looked into, lists not', () => {
  const refusal = (values: Record<string, unknown>) => {
    try {
      refuseFourByte(values, "Couldn't create metadata object");
    } catch (err) {
      return (err as Error).message;
    }
    return null;
  };
  assert.equal(refusal({ namespace: 'n', display_name: 'a😀' }), "Couldn't create metadata object: Display_Name can't contain 4 byte unicode characters.");
  assert.equal(refusal({ name: 'o', json_schema: { p: { title: '😀', type: 'string' } } }), "Couldn't create metadata object: Title can't contain 4 byte unicode characters.");
  assert.equal(refusal({ name: 'o', json_schema: { p: { enum: ['😀'] } } }), null);
  assert.equal(refusal({ name: 'o', json_schema: { '😀': 'x' } }), "Couldn't create metadata object: Property names can't contain 4 byte unicode.");
});
