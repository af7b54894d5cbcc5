/** The image schema the image service publishes, as its request deserializer checks an object against it. */
import { bestFailure, validateAgainst, type JsonSchema } from './json-schema.js';
import { SCHEMAS } from './schemas.js';

const IMAGE_SCHEMA = SCHEMAS.image as JsonSchema;

/** Refuses an object (a create's body, or the part of an image a patch operation writes) the image schema refuses. */
export function checkImageSchema(object: Record<string, unknown>): void {
  validateAgainst(IMAGE_SCHEMA, object);
}

/** Why the image schema refuses an object, in a sentence; null when it does not (what the schema's clients check). */
export function imageSchemaRefusal(object: Record<string, unknown>): string | null {
  return bestFailure(IMAGE_SCHEMA, object)?.message ?? null;
}
