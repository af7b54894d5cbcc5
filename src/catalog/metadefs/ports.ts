/**
 * What the metadata definitions need of storage (Glance's `metadef_api`), as one interface the SQL backends
 * implement. Every change is one transaction. Names are unique where Glance's are (a namespace; an object,
 * property or tag within its namespace; a resource type; a namespace's association with one): a change that
 * would break that changes nothing and says so. A change addressed to a namespace (by its handle) that is gone
 * changes nothing either.
 */
import type { Timestamp } from '../image.js';
import type {
  Association,
  AssociationInput,
  ItemInput,
  ItemKind,
  NamespaceContents,
  NamespaceInput,
  ResourceType,
  StoredItem,
  StoredNamespace,
} from './model.js';

export type SortDir = 'asc' | 'desc';

/**
 * A list's order, as Glance's `paginate_query` makes it: by `key`, then created_at, then the store's handle,
 * all in `dir`; and where a page starts, after `marker` (a row of the list), with paginate_query's criteria
 * (a marker value that is null compares nothing).
 */
export interface Paging<K extends string, Row> {
  key: K;
  dir: SortDir;
  marker?: Row;
  limit?: number;
}

/** The columns a namespace list may be sorted by (Glance's namespace table's). */
export const NAMESPACE_SORT_KEYS = ['id', 'namespace', 'display_name', 'description', 'visibility', 'protected', 'owner', 'created_at', 'updated_at'] as const;
export type NamespaceSortKey = (typeof NAMESPACE_SORT_KEYS)[number];
/** The columns a tag list may be sorted by. */
export const TAG_SORT_KEYS = ['id', 'namespace_id', 'name', 'created_at', 'updated_at'] as const;
export type TagSortKey = (typeof TAG_SORT_KEYS)[number];

export interface NamespaceFilter {
  /** Null: every namespace (an admin); else the public ones and those this project owns. */
  ownerOrPublic: string | null;
  /** As stored: a namespace loaded without one matches no visibility. */
  visibility?: string;
  /** Namespaces associated with any of these resource types. */
  resourceTypes?: string[];
}

/** What a change that must keep a name unique did. */
export type Outcome = 'done' | 'duplicate' | 'gone';

/** How a load treats a namespace the store holds already (glance-manage's options). */
export interface LoadMerge {
  /** Load what is new in the file into the namespace (else the namespace is left alone). */
  merge: boolean;
  /** With merge: what both hold takes the file's attributes. */
  preferNew: boolean;
}

/** When a change happened, and whether it counts as an update (a load sets no `updated_at` on what it makes). */
export interface Stamp {
  created_at: Timestamp;
  updated_at: Timestamp | null;
}

export interface MetadefStore {
  getNamespace(name: string): Promise<StoredNamespace | null>;
  listNamespaces(filter: NamespaceFilter, paging: Paging<NamespaceSortKey, StoredNamespace>): Promise<StoredNamespace[]>;
  /**
   * A namespace and its contents, all or nothing: a name taken twice (the namespace's, or one within the
   * contents) stores nothing. Resource types it names that the store lacks are made, protected if `protect`.
   * With `replacing`, that namespace and all it holds go in the same transaction (a load that overwrites).
   */
  createNamespace(namespace: NamespaceInput, contents: NamespaceContents, stamp: Stamp, options?: { protect?: boolean; replacing?: number }): Promise<Outcome>;
  /** Replaces a namespace's attributes (`updated_at` from the stamp). */
  updateNamespace(id: number, namespace: NamespaceInput, at: Timestamp): Promise<Outcome>;
  /** A namespace and all it holds. */
  deleteNamespace(id: number): Promise<void>;
  /** Adds to a loaded namespace what it lacks of `contents`, and with `preferNew` rewrites what it has. */
  mergeNamespace(id: number, namespace: NamespaceInput | null, contents: NamespaceContents, at: Timestamp, preferNew: boolean): Promise<void>;

  /** A namespace's items of a kind: objects and properties by name, tags newest first. */
  listItems<K extends ItemKind>(kind: K, namespaceId: number): Promise<StoredItem<K>[]>;
  listTags(namespaceId: number, paging: Paging<TagSortKey, StoredItem<'tag'>>): Promise<StoredItem<'tag'>[]>;
  getItem<K extends ItemKind>(kind: K, namespaceId: number, name: string): Promise<StoredItem<K> | null>;
  createItem<K extends ItemKind>(kind: K, namespaceId: number, item: ItemInput<K>, at: Timestamp): Promise<Outcome>;
  /** Replaces an item (found by its handle) with `item`, name included. */
  updateItem<K extends ItemKind>(kind: K, id: number, item: ItemInput<K>, at: Timestamp): Promise<Outcome>;
  deleteItem(kind: ItemKind, id: number): Promise<void>;
  /** Removes every item of a kind from a namespace. */
  clearItems(kind: ItemKind, namespaceId: number): Promise<void>;
  /**
   * Tags by name into a namespace, all or none: after its others (`append`) or in their place. Returns the
   * first name taken twice, if any.
   */
  addTags(namespaceId: number, names: string[], append: boolean, at: Timestamp): Promise<Outcome | { duplicate: string }>;

  /** Every resource type, in the order they were made. */
  listResourceTypes(): Promise<ResourceType[]>;
  /** The associations of each namespace, by namespace handle, in the order they were made. */
  associations(namespaceIds: number[]): Promise<Map<number, Association[]>>;
  /** Associates a namespace with a resource type, making the resource type (unprotected) if need be. */
  associate(namespaceId: number, association: AssociationInput, at: Timestamp): Promise<Outcome>;
  dissociate(namespaceId: number, resourceType: string): Promise<void>;
}
