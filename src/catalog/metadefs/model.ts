/**
 * Metadata definitions (Glance's metadefs): namespaces of property definitions, objects and tags that describe
 * what may be set on images, volumes, flavors and other resource types, and which resource types each namespace
 * applies to (with the prefix its properties take there).
 */
import type { Timestamp } from '../image.js';
import type { PropertyType } from './property-type.js';

/** A namespace's own attributes, as Glance's domain reads them (a missing visibility is private, protection false). */
export interface Namespace {
  namespace: string;
  display_name: string | null;
  description: string | null;
  /** `public` or `private`, as the API accepts them; a loaded file's own word otherwise. */
  visibility: string;
  protected: boolean;
  owner: string;
  created_at: Timestamp;
  /** Null for what a load made: glance-manage sets none. */
  updated_at: Timestamp | null;
}

/** A stored namespace and the store's handle on it. */
export interface StoredNamespace extends Namespace {
  id: number;
}

/** A resource type (`OS::Glance::Image`, …); those a load makes are protected. */
export interface ResourceType {
  name: string;
  protected: boolean;
  created_at: Timestamp;
  updated_at: Timestamp | null;
}

/** That a namespace applies to a resource type, and how its properties are named there. */
export interface Association {
  name: string;
  prefix: string | null;
  properties_target: string | null;
  created_at: Timestamp;
  updated_at: Timestamp | null;
}

export interface MetadefObject {
  name: string;
  description: string | null;
  required: string[];
  properties: Record<string, PropertyType>;
  created_at: Timestamp;
  updated_at: Timestamp | null;
}

export interface MetadefProperty {
  name: string;
  /** The definition as stored (see `property-type.ts` for how it reads). */
  schema: PropertyType;
  created_at: Timestamp;
  updated_at: Timestamp | null;
}

export interface MetadefTag {
  name: string;
  created_at: Timestamp;
  updated_at: Timestamp | null;
}

/** What a namespace holds besides its own attributes, by kind. */
export interface Items {
  object: MetadefObject;
  property: MetadefProperty;
  tag: MetadefTag;
}
export type ItemKind = keyof Items;

/** A stored item and the store's handle on it. */
export type StoredItem<K extends ItemKind> = Items[K] & { id: number };

/** What a new item states; the store stamps it. */
export type ItemInput<K extends ItemKind> = Omit<Items[K], 'created_at' | 'updated_at'>;

export type AssociationInput = Pick<Association, 'name' | 'prefix' | 'properties_target'>;

/** A namespace and everything in it, as a create or a load states them. */
export interface NamespaceContents {
  associations: AssociationInput[];
  objects: ItemInput<'object'>[];
  properties: ItemInput<'property'>[];
  tags: ItemInput<'tag'>[];
}

/** A namespace's attributes as a create, an update or a load states them. */
export type NamespaceInput = Omit<Namespace, 'created_at' | 'updated_at' | 'visibility' | 'protected'> & {
  /** Null only from a load whose file names none. */
  visibility: string | null;
  protected: boolean | null;
};
