/**
 * Namespace files as `glance-manage db_load_metadefs` reads them (`glance/db/sqlalchemy/metadata.py`): a
 * namespace with its resource type associations, properties, objects and tags, stored as the file states them
 * (a property's definition as written; an object's `required` is not loaded); an owner it does not name is
 * `admin`. Where a name comes twice in a file, the first is loaded.
 */
import type { AssociationInput, ItemInput, NamespaceContents, NamespaceInput } from './model.js';
import type { PropertyType } from './property-type.js';

/** A file that is no namespace: it is not loaded, and the reason is told. */
export class NamespaceFileError extends Error {}

/** How a load treats a namespace the catalog holds already (glance-manage's `--merge`, `--prefer_new`, `--overwrite`). */
export interface LoadOptions {
  merge?: boolean;
  preferNew?: boolean;
  overwrite?: boolean;
}

/** What a load did with one namespace. */
export type LoadOutcome = 'created' | 'skipped' | 'merged' | 'replaced';

export interface NamespaceFile {
  namespace: NamespaceInput;
  contents: NamespaceContents;
}

/** glance-manage's refusal of options that go together only with `--merge`, or not at all (named as `glint` names them). */
export function loadOptionsProblem(options: LoadOptions): string | null {
  if (!options.merge && (options.preferNew || options.overwrite)) {
    return 'To use --prefer-new or --overwrite you need to combine of these options with --merge option.';
  }
  if (options.preferNew && options.overwrite) return 'Please provide no more than one option from this list: --prefer-new, --overwrite';
  return null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function text(record: Record<string, unknown>, key: string, where: string): string | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new NamespaceFileError(`${where}: "${key}" is not a string`);
  return value;
}

function named(record: unknown, where: string): Record<string, unknown> & { name: string } {
  if (!isObject(record) || typeof record.name !== 'string') throw new NamespaceFileError(`${where}: an entry without a "name"`);
  return record as Record<string, unknown> & { name: string };
}

function list(document: Record<string, unknown>, key: string): unknown[] {
  const value = document[key] ?? [];
  if (!Array.isArray(value)) throw new NamespaceFileError(`"${key}" is not a list`);
  return value;
}

/** The first of each name. */
function firstOfEach<T extends { name: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.name) && seen.add(item.name));
}

/** A parsed namespace file as the load stores it. */
export function namespaceFile(document: unknown): NamespaceFile {
  if (!isObject(document)) throw new NamespaceFileError('not a JSON object');
  const name = text(document, 'namespace', 'the namespace');
  if (!name) throw new NamespaceFileError('no "namespace" named');
  const protect = document.protected ?? null;
  if (protect !== null && typeof protect !== 'boolean') throw new NamespaceFileError('"protected" is not true or false');
  const properties = document.properties ?? {};
  if (!isObject(properties)) throw new NamespaceFileError('"properties" is not an object');
  return {
    namespace: {
      namespace: name,
      display_name: text(document, 'display_name', 'the namespace'),
      description: text(document, 'description', 'the namespace'),
      visibility: text(document, 'visibility', 'the namespace'),
      protected: protect,
      owner: text(document, 'owner', 'the namespace') ?? 'admin',
    },
    contents: {
      associations: firstOfEach(
        list(document, 'resource_type_associations').map((entry): AssociationInput => {
          const association = named(entry, 'resource_type_associations');
          const where = `resource type ${association.name}`;
          return { name: association.name, prefix: text(association, 'prefix', where), properties_target: text(association, 'properties_target', where) };
        }),
      ),
      properties: Object.entries(properties).map(([key, schema]): ItemInput<'property'> => ({ name: key, schema: (isObject(schema) ? schema : {}) })),
      objects: firstOfEach(
        list(document, 'objects').map((entry): ItemInput<'object'> => {
          const object = named(entry, 'objects');
          const props = isObject(object.properties) ? (object.properties as Record<string, PropertyType>) : {};
          return { name: object.name, description: text(object, 'description', `object ${object.name}`), required: [], properties: props };
        }),
      ),
      tags: firstOfEach(list(document, 'tags').map((entry): ItemInput<'tag'> => ({ name: named(entry, 'tags').name }))),
    },
  };
}
