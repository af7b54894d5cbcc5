/**
 * The metadata definitions service: namespaces and their objects, properties, tags and resource type
 * associations, with the image service's visibility, policy, protection and naming rules, checked in the order
 * its controllers check them (`glance/api/v2/metadef_*.py`), failing in its words. No HTTP in here.
 */
import type { RequestContext } from '../../identity/context.js';
import { badRequest, conflict, forbidden, notFound, unexplainedNotFound } from '../errors.js';
import { now } from '../iso8601.js';
import { refuseFourByte } from './four-byte.js';
import type { LoadOptions, LoadOutcome, NamespaceFile } from './load.js';
import { KINDS, namespaceMissing, namespaceNotFound, storedValues } from './kinds.js';
import type {
  Association,
  AssociationInput,
  ItemInput,
  ItemKind,
  MetadefObject,
  MetadefTag,
  Namespace,
  NamespaceInput,
  ResourceType,
  StoredItem,
  StoredNamespace,
} from './model.js';
import { canSeeNamespace, type MetadefPolicy } from './policy.js';
import { NAMESPACE_SORT_KEYS, TAG_SORT_KEYS, type MetadefStore, type SortDir, type Stamp } from './ports.js';
import { storedPropertyType, type PropertyType } from './property-type.js';

/** A namespace's attributes as a request states them. */
export interface NamespaceRequest {
  namespace: string;
  display_name?: string;
  description?: string;
  visibility?: string;
  protected?: boolean;
  owner?: string;
}

/** An object as a request states it (what it leaves out is empty). */
export interface ObjectRequest {
  name: string;
  description?: string;
  required?: string[];
  properties?: Record<string, PropertyType>;
}

export interface ItemRequests {
  object: ObjectRequest;
  property: ItemInput<'property'>;
  tag: ItemInput<'tag'>;
}

/** What a create or an update of an item answers: what the request stated, and the item's times. */
export type ItemEcho<K extends ItemKind> = ItemRequests[K] & Stamp;

/** What a namespace create states besides the namespace's attributes. */
export interface ContentsRequest {
  associations: AssociationInput[];
  objects: ObjectRequest[];
  properties: ItemInput<'property'>[];
  tags: ItemInput<'tag'>[];
}

export interface ListOrder {
  /** As asked: a key the list cannot be sorted by is refused once the marker is found. */
  key: string;
  dir: SortDir;
  limit?: number;
  marker?: string;
}

export interface NamespaceListQuery extends ListOrder {
  visibility?: string;
  resourceTypes?: string[];
}

export interface ListedNamespace {
  namespace: Namespace;
  associations: Association[];
}

export interface NamespaceDetail extends ListedNamespace {
  properties: Record<string, PropertyType>;
  objects: MetadefObject[];
  tags: MetadefTag[];
}

/** How a namespace lookup fails for a namespace that does not exist, and for one the caller cannot see. */
interface LookupWords {
  missing: (name: string) => Error;
  hidden: (name: string) => Error;
}

const NOT_FOUND: LookupWords = { missing: (n) => notFound(namespaceNotFound(n)), hidden: (n) => notFound(namespaceNotFound(n)) };
const SHOW: LookupWords = { missing: (n) => notFound(namespaceMissing(n)), hidden: () => unexplainedNotFound() };
const MARKER: LookupWords = {
  missing: (n) => notFound(namespaceMissing(n)),
  hidden: (n) => forbidden(`Forbidding request, metadata definition namespace=${n} is not visible.`),
};
const lookupFor = (kind: ItemKind): LookupWords => ({ missing: (n) => notFound(KINDS[kind].namespaceMissing(n)), hidden: NOT_FOUND.hidden });

const protectedNamespace = (name: string) => forbidden(`Metadata definition namespace ${name} is protected and cannot be deleted.`);

/** A sort key the store has no column for: refused in the database layer's words (the reference's answer is a 500). */
const sortKeyOf = <K extends string>(keys: readonly K[], key: string): K => {
  if (!(keys as readonly string[]).includes(key)) throw badRequest(`Sort key supplied is invalid: ${key}`);
  return key as K;
};

const objectInput = (request: ObjectRequest): ItemInput<'object'> => ({
  name: request.name,
  description: request.description ?? null,
  required: request.required ?? [],
  properties: request.properties ?? {},
});

function itemInput<K extends ItemKind>(kind: K, request: ItemRequests[K]): ItemInput<K> {
  return (kind === 'object' ? objectInput(request) : request) as ItemInput<K>;
}

/** A namespace's attributes as a request states them, what it leaves out taking the domain's defaults. */
const namespaceInput = (request: NamespaceRequest, owner: string): NamespaceInput & Pick<Namespace, 'visibility' | 'protected'> => ({
  namespace: request.namespace,
  display_name: request.display_name ?? null,
  description: request.description ?? null,
  visibility: request.visibility || 'private',
  protected: request.protected || false,
  owner,
});

/** A namespace's attributes as the database layer writes them, in its order: what the 4-byte check walks. */
const namespaceValues = (ns: NamespaceInput) => ({
  namespace: ns.namespace, display_name: ns.display_name, description: ns.description, visibility: ns.visibility, protected: ns.protected, owner: ns.owner,
});

/** Stored objects and properties as the reference shows them: their definitions read through `PropertyType`. */
const SHOWN: { [K in ItemKind]: (item: StoredItem<K>) => StoredItem<K> } = {
  object: (o) => ({ ...o, properties: Object.fromEntries(Object.entries(o.properties).map(([name, type]) => [name, storedPropertyType(type)])) }),
  property: (p) => ({ ...p, schema: storedPropertyType(p.schema) }),
  tag: (t) => t,
};
const shown = <K extends ItemKind>(kind: K, item: StoredItem<K>) => (SHOWN[kind] as (item: StoredItem<K>) => StoredItem<K>)(item);

const prefixed = <T>(prefix: string, record: Record<string, T>) => Object.fromEntries(Object.entries(record).map(([key, value]) => [prefix + key, value]));

export class MetadefService {
  constructor(
    private readonly store: MetadefStore,
    private readonly policy: MetadefPolicy,
  ) {}

  /** A namespace the caller can see, or the lookup's failure. */
  private async lookup(ctx: RequestContext, name: string, words: LookupWords): Promise<StoredNamespace> {
    const namespace = await this.store.getNamespace(name);
    if (!namespace) throw words.missing(name);
    if (!canSeeNamespace(ctx, namespace)) throw words.hidden(name);
    return namespace;
  }

  async listNamespaces(ctx: RequestContext, query: NamespaceListQuery): Promise<{ namespaces: ListedNamespace[]; next: string | null }> {
    this.policy.enforce(ctx, 'get_metadef_namespaces', null);
    this.policy.enforce(ctx, 'list_metadef_resource_types', null);
    const marker = query.marker ? await this.lookup(ctx, query.marker, MARKER) : undefined;
    const key = sortKeyOf(NAMESPACE_SORT_KEYS, query.key);
    const found = await this.store.listNamespaces(
      { ownerOrPublic: ctx.isAdmin ? null : ctx.projectId, visibility: query.visibility, resourceTypes: query.resourceTypes },
      { key, dir: query.dir, limit: query.limit, marker },
    );
    const listed = found.filter((ns) => this.policy.allows(ctx, 'get_metadef_namespace', ns));
    const associations = await this.store.associations(listed.map((ns) => ns.id));
    const last = listed[listed.length - 1];
    return {
      namespaces: listed.map((ns) => ({ namespace: ns, associations: associations.get(ns.id) ?? [] })),
      next: listed.length > 0 && listed.length === query.limit ? last.namespace : null,
    };
  }

  /** Creates a namespace with what it holds, all or nothing; answers the namespace as made. */
  async createNamespace(ctx: RequestContext, request: NamespaceRequest, contents: ContentsRequest): Promise<Namespace> {
    this.policy.enforce(ctx, 'add_metadef_namespace', null);
    if (contents.associations.length) this.policy.enforce(ctx, 'add_metadef_resource_type_association', null);
    if (contents.objects.length) this.policy.enforce(ctx, 'add_metadef_object', null);
    if (contents.properties.length) this.policy.enforce(ctx, 'add_metadef_property', null);
    if (contents.tags.length) this.policy.enforce(ctx, 'add_metadef_tag', null);
    const namespace = namespaceInput(request, request.owner ?? ctx.projectId);
    const operation = "Couldn't create metadata namespace";
    refuseFourByte(namespaceValues(namespace), operation);
    const name = namespace.namespace;
    const duplicateNamespace = () => conflict(`The metadata definition namespace=${name} already exists.`);
    if (await this.store.getNamespace(name)) throw duplicateNamespace();
    // The reference makes the contents one by one in this order, each failing in its own words.
    const objects = contents.objects.map(objectInput);
    const unique = <T>(items: T[], nameOf: (item: T) => string, fail: (name: string) => Error, check: (item: T) => void = () => undefined) => {
      const seen = new Set<string>();
      for (const item of items) {
        check(item);
        if (seen.has(nameOf(item))) throw fail(nameOf(item));
        seen.add(nameOf(item));
      }
    };
    unique(contents.associations, (a) => a.name, (type) =>
      conflict(`The metadata definition resource-type association of resource-type=${type} to namespace=${name} already exists.`));
    unique(objects, (o) => o.name, (o) => conflict(KINDS.object.duplicate(o, name)), (o) => refuseFourByte(storedValues('object', o), operation));
    unique(contents.tags, (t) => t.name, (t) => conflict(KINDS.tag.duplicate(t, name)), (t) => refuseFourByte(storedValues('tag', t), operation));
    for (const property of contents.properties) refuseFourByte(storedValues('property', property), operation);
    const at = now();
    const outcome = await this.store.createNamespace(namespace, { ...contents, objects }, { created_at: at, updated_at: at });
    if (outcome === 'duplicate') throw duplicateNamespace();
    return { ...namespace, created_at: at, updated_at: at };
  }

  /** A namespace with all it holds; with `resourceType`, its properties named as they apply to that type. */
  async namespace(ctx: RequestContext, name: string, resourceType?: string): Promise<NamespaceDetail> {
    const namespace = await this.lookup(ctx, name, SHOW);
    this.policy.enforce(ctx, 'get_metadef_namespace', namespace);
    for (const rule of ['list_metadef_resource_types', 'get_metadef_objects', 'get_metadef_properties', 'get_metadef_tags'] as const) {
      this.policy.enforce(ctx, rule, namespace);
    }
    const [objects, associations, properties, tags] = await Promise.all([
      this.store.listItems('object', namespace.id).then((items) => items.map((item) => shown('object', item))),
      this.store.associations([namespace.id]),
      this.store.listItems('property', namespace.id).then((items) => items.map((item) => shown('property', item))),
      this.store.listItems('tag', namespace.id),
    ]);
    const applied = associations.get(namespace.id) ?? [];
    const detail: NamespaceDetail = {
      namespace,
      associations: applied,
      objects,
      properties: Object.fromEntries(properties.map((p) => [p.name, p.schema])),
      tags,
    };
    const prefix = resourceType ? applied.find((a) => a.name === resourceType)?.prefix : null;
    if (!prefix) return detail;
    return {
      ...detail,
      properties: prefixed(prefix, detail.properties),
      objects: objects.map((o) => ({ ...o, properties: prefixed(prefix, o.properties), required: o.required.map((r) => prefix + r) })),
    };
  }

  /**
   * Replaces a namespace's attributes (what the request leaves out takes its default, the owner the caller's
   * project); answers the namespace with its times as they were.
   */
  async updateNamespace(ctx: RequestContext, name: string, request: NamespaceRequest): Promise<Namespace> {
    const old = await this.lookup(ctx, name, NOT_FOUND);
    this.policy.enforce(ctx, 'modify_metadef_namespace', old);
    // An empty owner is none here, unlike in a create.
    const namespace = namespaceInput(request, request.owner || ctx.projectId);
    refuseFourByte(namespaceValues(namespace), "Couldn't update metadata namespace");
    const outcome = await this.store.updateNamespace(old.id, namespace, now());
    if (outcome === 'gone') throw notFound(namespaceNotFound(name));
    if (outcome === 'duplicate') {
      throw conflict(`Invalid update. It would result in a duplicate metadata definition namespace with the same name of ${namespace.namespace}`);
    }
    return { ...namespace, created_at: old.created_at, updated_at: old.updated_at };
  }

  /** A namespace the caller may delete, or empty of one kind of item (whether it is protected is the caller's to see). */
  private async deletable(ctx: RequestContext, name: string): Promise<StoredNamespace> {
    const namespace = await this.lookup(ctx, name, NOT_FOUND);
    this.policy.enforce(ctx, 'delete_metadef_namespace', namespace);
    return namespace;
  }

  async deleteNamespace(ctx: RequestContext, name: string): Promise<void> {
    const namespace = await this.deletable(ctx, name);
    if (namespace.protected) throw protectedNamespace(name);
    await this.store.deleteNamespace(namespace.id);
  }

  /** Removes every object, property or tag of a namespace. */
  async clearNamespace(ctx: RequestContext, name: string, kind: ItemKind): Promise<void> {
    const namespace = await this.deletable(ctx, name);
    if (kind === 'tag') this.policy.enforce(ctx, 'delete_metadef_tags', namespace);
    if (namespace.protected) throw protectedNamespace(name);
    await this.store.clearItems(kind, namespace.id);
  }

  /** The objects, properties or tags of a namespace (tags newest first). */
  async items<K extends ItemKind>(ctx: RequestContext, kind: K, name: string): Promise<StoredItem<K>[]> {
    const namespace = await this.lookup(ctx, name, lookupFor(kind));
    this.policy.enforce(ctx, KINDS[kind].rules.list, namespace);
    const items = await this.store.listItems(kind, namespace.id);
    return this.policy.allows(ctx, KINDS[kind].rules.get, namespace) ? items.map((item) => shown(kind, item)) : [];
  }

  /** A page of a namespace's tags, continuing after the tag named `marker`. */
  async tags(ctx: RequestContext, name: string, order: ListOrder): Promise<StoredItem<'tag'>[]> {
    const namespace = await this.lookup(ctx, name, NOT_FOUND);
    this.policy.enforce(ctx, 'get_metadef_tags', namespace);
    const marker = order.marker ? await this.found('tag', namespace, order.marker) : undefined;
    const key = sortKeyOf(TAG_SORT_KEYS, order.key);
    return this.store.listTags(namespace.id, { key, dir: order.dir, limit: order.limit, marker });
  }

  private async found<K extends ItemKind>(kind: K, namespace: StoredNamespace, name: string): Promise<StoredItem<K>> {
    const item = await this.store.getItem(kind, namespace.id, name);
    if (!item) throw notFound(KINDS[kind].notFound(name));
    return shown(kind, item);
  }

  async item<K extends ItemKind>(ctx: RequestContext, kind: K, namespaceName: string, name: string): Promise<StoredItem<K>> {
    const namespace = await this.lookup(ctx, namespaceName, lookupFor(kind));
    this.policy.enforce(ctx, KINDS[kind].rules.get, namespace);
    return this.found(kind, namespace, name);
  }

  /**
   * A property; with `resourceType`, named as it applies there: the name must begin with the association's
   * prefix, which is taken off.
   */
  async property(ctx: RequestContext, namespaceName: string, name: string, resourceType?: string): Promise<StoredItem<'property'>> {
    const namespace = await this.lookup(ctx, namespaceName, NOT_FOUND);
    this.policy.enforce(ctx, 'get_metadef_property', namespace);
    let unprefixed = name;
    if (resourceType) {
      this.policy.enforce(ctx, 'get_metadef_resource_type', namespace);
      if (!(await this.store.listResourceTypes()).some((type) => type.name === resourceType)) {
        throw notFound(`The metadata definition resource-type with name=${resourceType}, was not found.`);
      }
      const association = (await this.store.associations([namespace.id])).get(namespace.id)?.find((a) => a.name === resourceType);
      if (!association) {
        throw notFound(`The metadata definition resource-type association of resource-type=${resourceType} to namespace=${namespaceName}, was not found.`);
      }
      const prefix = association.prefix;
      if (!prefix || !name.startsWith(prefix)) {
        throw notFound(`Property ${name} does not start with the expected resource type association prefix of '${prefix ?? 'None'}'.`);
      }
      unprefixed = name.slice(prefix.length);
    }
    return this.found('property', namespace, unprefixed);
  }

  /** Adds an object, property or tag; `check` runs once the namespace is found (the reference checks a tag's name then). */
  async createItem<K extends ItemKind>(ctx: RequestContext, kind: K, namespaceName: string, request: ItemRequests[K], check?: () => void): Promise<ItemEcho<K>> {
    const namespace = await this.lookup(ctx, namespaceName, lookupFor(kind));
    check?.();
    this.policy.enforce(ctx, KINDS[kind].rules.add, namespace);
    const item = itemInput(kind, request);
    refuseFourByte(storedValues(kind, item), `Couldn't create metadata ${kind}`);
    const at = now();
    const outcome = await this.store.createItem(kind, namespace.id, item, at);
    if (outcome === 'gone') throw notFound(KINDS[kind].namespaceMissing(namespaceName));
    if (outcome === 'duplicate') throw conflict(KINDS[kind].duplicate(item.name, namespaceName));
    return { ...request, created_at: at, updated_at: at };
  }

  /** Replaces an object, property or tag, name included; answers what the request stated, with the item's times as they were. */
  async updateItem<K extends ItemKind>(ctx: RequestContext, kind: K, namespaceName: string, name: string, request: ItemRequests[K]): Promise<ItemEcho<K>> {
    const namespace = await this.lookup(ctx, namespaceName, lookupFor(kind));
    this.policy.enforce(ctx, KINDS[kind].rules.modify, namespace);
    const old = await this.found(kind, namespace, name);
    const item = itemInput(kind, request);
    refuseFourByte(storedValues(kind, item), `Couldn't update metadata ${kind}`);
    const outcome = await this.store.updateItem(kind, old.id, item, now());
    if (outcome === 'gone') throw notFound(KINDS[kind].notFound(name));
    if (outcome === 'duplicate') throw conflict(KINDS[kind].duplicateUpdate(old.name, item.name, namespaceName));
    return { ...request, created_at: old.created_at, updated_at: old.updated_at };
  }

  async deleteItem(ctx: RequestContext, kind: ItemKind, namespaceName: string, name: string): Promise<void> {
    const namespace = await this.lookup(ctx, namespaceName, lookupFor(kind));
    this.policy.enforce(ctx, KINDS[kind].rules.delete, namespace);
    const item = await this.found(kind, namespace, name);
    if (namespace.protected) throw forbidden(`Metadata definition ${kind} ${name} is protected and cannot be deleted.`);
    await this.store.deleteItem(kind, item.id);
  }

  /** Tags by name, after the namespace's others (`append`) or in their place; none given changes nothing. */
  async addTags(ctx: RequestContext, namespaceName: string, names: string[], append: boolean): Promise<void> {
    const namespace = await this.lookup(ctx, namespaceName, NOT_FOUND);
    this.policy.enforce(ctx, 'add_metadef_tags', namespace);
    if (names.length === 0) return;
    const outcome = await this.store.addTags(namespace.id, names, append, now());
    if (outcome === 'gone') throw notFound(namespaceNotFound(namespaceName));
    if (typeof outcome === 'object') throw conflict(KINDS.tag.duplicate(outcome.duplicate, namespaceName));
  }

  async resourceTypes(ctx: RequestContext): Promise<ResourceType[]> {
    this.policy.enforce(ctx, 'list_metadef_resource_types', null);
    return this.store.listResourceTypes();
  }

  async associations(ctx: RequestContext, name: string): Promise<Association[]> {
    const namespace = await this.lookup(ctx, name, NOT_FOUND);
    this.policy.enforce(ctx, 'list_metadef_resource_types', namespace);
    const associations = (await this.store.associations([namespace.id])).get(namespace.id) ?? [];
    return this.policy.allows(ctx, 'get_metadef_resource_type', namespace) ? associations : [];
  }

  /** Associates a namespace with a resource type (made if new); answers the association. */
  async associate(ctx: RequestContext, name: string, association: AssociationInput): Promise<Association> {
    const namespace = await this.lookup(ctx, name, NOT_FOUND);
    this.policy.enforce(ctx, 'add_metadef_resource_type_association', namespace);
    const at = now();
    const outcome = await this.store.associate(namespace.id, association, at);
    if (outcome === 'gone') throw notFound(namespaceNotFound(name));
    if (outcome === 'duplicate') {
      throw conflict(`The metadata definition resource-type association of resource-type=${association.name} to namespace=${name} already exists.`);
    }
    return { ...association, created_at: at, updated_at: at };
  }

  async dissociate(ctx: RequestContext, name: string, resourceType: string): Promise<void> {
    const namespace = await this.lookup(ctx, name, NOT_FOUND);
    this.policy.enforce(ctx, 'remove_metadef_resource_type_association', namespace);
    const associations = (await this.store.associations([namespace.id])).get(namespace.id) ?? [];
    if (!associations.some((a) => a.name === resourceType)) throw notFound(`Failed to find resource type ${resourceType} to delete`);
    if (namespace.protected) throw forbidden(`Metadata definition resource-type-association ${resourceType} is protected and cannot be deleted.`);
    await this.store.dissociate(namespace.id, resourceType);
  }

  /**
   * Loads a namespace file as glance-manage does: a namespace the catalog lacks is made with all the file holds;
   * one it has is left alone, or (`merge`) given what it lacks of the file, and (`preferNew`) what both hold
   * takes the file's attributes; `overwrite` makes it again from the file. What a load makes has no
   * `updated_at`, and the resource types it makes are protected.
   */
  async load(file: NamespaceFile, options: LoadOptions): Promise<LoadOutcome> {
    const existing = await this.store.getNamespace(file.namespace.namespace);
    if (existing && !options.merge) return 'skipped';
    const stamp = { created_at: now(), updated_at: null };
    if (!existing || options.overwrite) {
      const outcome = await this.store.createNamespace(file.namespace, file.contents, stamp, { protect: true, replacing: existing?.id });
      return outcome === 'duplicate' ? 'skipped' : existing ? 'replaced' : 'created';
    }
    await this.store.mergeNamespace(existing.id, options.preferNew ? file.namespace : null, file.contents, stamp.created_at, options.preferNew === true);
    return 'merged';
  }
}
