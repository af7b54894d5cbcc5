/**
 * Metadata definitions as the reference answers them (`glance/api/v2/model/metadef_*.py` through WSME): each
 * model's attributes in its order, those it holds no value for left out, times to the second.
 */
import { isoSeconds } from '../../../catalog/iso8601.js';
import type { Association, MetadefObject, MetadefTag, Namespace, ResourceType } from '../../../catalog/metadefs/model.js';
import type { PropertyType } from '../../../catalog/metadefs/property-type.js';
import type { ListedNamespace, NamespaceDetail, ObjectRequest } from '../../../catalog/metadefs/service.js';

type Json = Record<string, unknown>;

/** `to_wsme_model`: what is null (or was never stated) is not shown. */
const stated = (view: Json): Json => Object.fromEntries(Object.entries(view).filter(([, value]) => value !== null && value !== undefined));

const times = (item: { created_at: string; updated_at: string | null }) => ({
  created_at: isoSeconds(item.created_at),
  updated_at: item.updated_at === null ? null : isoSeconds(item.updated_at),
});

export const namespaceHref = (name: string) => `/v2/metadefs/namespaces/${name}`;

/** What a namespace holds, as its view shows it after its own attributes. */
interface Held {
  resource_type_associations?: unknown[];
  properties?: Record<string, PropertyType>;
  objects?: unknown[];
  tags?: unknown[];
}

export function namespaceView(namespace: Namespace, held: Held = {}): Json {
  return stated({
    namespace: namespace.namespace,
    display_name: namespace.display_name,
    description: namespace.description,
    visibility: namespace.visibility,
    protected: namespace.protected,
    owner: namespace.owner,
    ...times(namespace),
    ...held,
    self: namespaceHref(namespace.namespace),
    schema: '/v2/schemas/metadefs/namespace',
  });
}

export const associationView = (association: Association): Json =>
  stated({ name: association.name, prefix: association.prefix, properties_target: association.properties_target, ...times(association) });

export const resourceTypeView = (type: ResourceType): Json => stated({ name: type.name, ...times(type) });

/** A stored object, or one as a request stated it (what it left out is not shown). */
type ObjectLike = Omit<ObjectRequest, 'description'> & Partial<Pick<MetadefObject, 'description'>> & { created_at: string; updated_at: string | null };

export function objectView(namespace: string, object: ObjectLike): Json {
  return stated({
    name: object.name,
    required: object.required,
    description: object.description,
    properties: object.properties,
    ...times(object),
    self: `/v2/metadefs/namespaces/${namespace}/objects/${object.name}`,
    schema: '/v2/schemas/metadefs/object',
  });
}

/** A property as its own call shows it: named first, then its definition. */
export function propertyView(name: string, schema: PropertyType): Json {
  const { name: _stored, ...definition } = schema;
  return { name, ...definition };
}

export const tagView = (tag: Pick<MetadefTag, 'name' | 'created_at' | 'updated_at'>): Json => stated({ name: tag.name, ...times(tag) });

/** A namespace with all it holds; what it holds none of is not shown. */
export function namespaceDetailView(detail: NamespaceDetail): Json {
  const some = <T>(items: T[]) => (items.length ? items : undefined);
  return namespaceView(detail.namespace, {
    resource_type_associations: some(detail.associations.map(associationView)),
    properties: Object.keys(detail.properties).length ? detail.properties : undefined,
    objects: some(detail.objects.map((object) => objectView(detail.namespace.namespace, object))),
    tags: some(detail.tags.map((tag) => ({ name: tag.name }))),
  });
}

/** A listed namespace: with its resource type associations, if it has any. */
export const listedNamespaceView = (listed: ListedNamespace): Json =>
  namespaceView(listed.namespace, { resource_type_associations: listed.associations.length ? listed.associations.map(associationView) : undefined });
