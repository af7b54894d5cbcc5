/**
 * What differs between objects, properties and tags of a namespace: the rules that guard them, the words their
 * failures take, and what of them Glance's database layer checks for 4-byte characters.
 */
import type { ItemInput, ItemKind } from './model.js';
import type { MetadefRule } from './policy.js';

interface KindRules {
  list: MetadefRule;
  get: MetadefRule;
  add: MetadefRule;
  modify: MetadefRule;
  delete: MetadefRule;
}

interface KindWords {
  rules: KindRules;
  /** The namespace is missing (its objects' calls say so in the database layer's words; the others do not). */
  namespaceMissing: (namespace: string) => string;
  notFound: (name: string) => string;
  duplicate: (name: string, namespace: string) => string;
  /** An update that would take another item's name (`old` is the item's name before). */
  duplicateUpdate: (old: string, name: string, namespace: string) => string;
}

export const namespaceNotFound = (namespace: string) => `Namespace ${namespace} not found`;
export const namespaceMissing = (namespace: string) => `Metadata definition namespace=${namespace} was not found.`;

const duplicateTag = (name: string, namespace: string) =>
  `A metadata tag with name=${name} already exists in namespace=${namespace}. (Please note that metadata tag names are case insensitive).`;

export const KINDS: Record<ItemKind, KindWords> = {
  object: {
    rules: { list: 'get_metadef_objects', get: 'get_metadef_object', add: 'add_metadef_object', modify: 'modify_metadef_object', delete: 'delete_metadef_object' },
    namespaceMissing,
    notFound: (name) => `Could not find metadata object ${name}`,
    duplicate: (name, namespace) => `A metadata definition object with name=${name} already exists in namespace=${namespace}.`,
    duplicateUpdate: (old, _name, namespace) =>
      `Invalid update. It would result in a duplicate metadata definition object with the same name=${old} in namespace=${namespace}.`,
  },
  property: {
    rules: {
      list: 'get_metadef_properties', get: 'get_metadef_property', add: 'add_metadef_property', modify: 'modify_metadef_property',
      delete: 'remove_metadef_property',
    },
    namespaceMissing: namespaceNotFound,
    notFound: (name) => `Could not find property ${name}`,
    duplicate: (name, namespace) => `A metadata definition property with name=${name} already exists in namespace=${namespace}.`,
    duplicateUpdate: (old, _name, namespace) =>
      `Invalid update. It would result in a duplicate metadata definition property with the same name=${old} in namespace=${namespace}.`,
  },
  tag: {
    rules: { list: 'get_metadef_tags', get: 'get_metadef_tag', add: 'add_metadef_tag', modify: 'modify_metadef_tag', delete: 'delete_metadef_tag' },
    namespaceMissing: namespaceNotFound,
    notFound: (name) => `Could not find metadata tag ${name}`,
    duplicate: duplicateTag,
    duplicateUpdate: (_old, name, namespace) => duplicateTag(name, namespace),
  },
};

/** An item as the database layer is handed it, in its order: what the 4-byte check walks. */
export function storedValues<K extends ItemKind>(kind: K, item: ItemInput<K>): Record<string, unknown> {
  switch (kind) {
    case 'object': {
      const object = item as ItemInput<'object'>;
      return { name: object.name, required: object.required.length ? object.required.join(',') : null, description: object.description, json_schema: object.properties };
    }
    case 'property': {
      const property = item as ItemInput<'property'>;
      return { name: property.name, json_schema: property.schema };
    }
    default:
      return { name: item.name };
  }
}
