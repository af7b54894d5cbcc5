/**
 * The image API's metadata definition calls (`/v2/metadefs`, routed as `glance/api/v2/router.py` routes them):
 * namespaces, their objects, properties, tags and resource type associations, and resource types. Every failure
 * is rendered by the listener's error handler in Glance's webob format.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ItemKind } from '../../../catalog/metadefs/model.js';
import type { MetadefService } from '../../../catalog/metadefs/service.js';
import { ApiError } from '../../common/errors.js';
import type { ServiceUrl } from '../../common/endpoints.js';
import { lastValue, queryParams, sendJson, unstorable } from '../../common/http.js';
import { listLink } from '../filters.js';
import {
  associationBody,
  checkObjectListQuery,
  checkTagName,
  namespaceBody,
  namespaceListQuery,
  namespaceShowQuery,
  objectBody,
  propertyBody,
  refuseBody,
  refuseUnusedBody,
  saysYes,
  tagBody,
  tagListQuery,
  tagsBody,
} from './requests.js';
import {
  associationView,
  listedNamespaceView,
  namespaceDetailView,
  namespaceHref,
  namespaceView,
  objectView,
  propertyView,
  resourceTypeView,
  tagView,
} from './views.js';

export interface MetadefRoutesOptions {
  metadefs: MetadefService;
  /** This API's base URL, for `Location` headers. */
  origin: ServiceUrl;
}

const NAMESPACES = '/v2/metadefs/namespaces';
const NAMESPACE = `${NAMESPACES}/:namespace(^.+$)`;

/** Glance answers bodiless successes with webob's default media type. */
const noContent = (reply: FastifyReply) => reply.code(204).header('content-type', 'text/html; charset=UTF-8').send();

/** The kinds a namespace holds, by the path segment that names them. */
const KIND_PATHS: Array<[ItemKind, string]> = [['object', 'objects'], ['property', 'properties'], ['tag', 'tags']];

export function metadefRoutes(app: FastifyInstance, opts: MetadefRoutesOptions, done: () => void) {
  const { metadefs } = opts;
  const ctxOf = (request: FastifyRequest) => request.ctx!;
  const param = (request: FastifyRequest, name: string) => (request.params as Record<string, string>)[name];
  const ns = (request: FastifyRequest) => param(request, 'namespace');

  app.get(NAMESPACES, async (request, reply) => {
    const params = queryParams(request);
    const query = namespaceListQuery(params);
    const { namespaces, next } = await metadefs.listNamespaces(ctxOf(request), query);
    // The reference's key order: namespaces, next, schema, first.
    return sendJson(reply, {
      namespaces: namespaces.map(listedNamespaceView),
      ...(next === null ? {} : { next: listLink(params, next, NAMESPACES) }),
      schema: '/v2/schemas/metadefs/namespaces',
      first: listLink(params, undefined, NAMESPACES),
    });
  });

  app.post(NAMESPACES, async (request, reply) => {
    const { namespace, contents, echo } = namespaceBody(request);
    const created = await metadefs.createNamespace(ctxOf(request), namespace, contents);
    const location = `${opts.origin(request)}${namespaceHref(created.namespace)}`;
    return sendJson(reply.code(201).header('Location', encodeURI(location)), namespaceView(created, echo));
  });

  app.get(NAMESPACE, async (request, reply) => {
    refuseBody(request);
    const resourceType = namespaceShowQuery(queryParams(request));
    return sendJson(reply, namespaceDetailView(await metadefs.namespace(ctxOf(request), ns(request), resourceType)));
  });

  app.put(NAMESPACE, async (request, reply) => {
    const { namespace } = namespaceBody(request);
    return sendJson(reply, namespaceView(await metadefs.updateNamespace(ctxOf(request), ns(request), namespace)));
  });

  app.delete(NAMESPACE, async (request, reply) => {
    refuseBody(request);
    await metadefs.deleteNamespace(ctxOf(request), ns(request));
    return noContent(reply);
  });

  for (const [kind, path] of KIND_PATHS) {
    app.delete(`${NAMESPACE}/${path}`, async (request, reply) => {
      refuseUnusedBody(request);
      await metadefs.clearNamespace(ctxOf(request), ns(request), kind);
      return noContent(reply);
    });
  }

  const OBJECT = `${NAMESPACE}/objects/:object(^.+$)`;
  app.get(`${NAMESPACE}/objects`, async (request, reply) => {
    checkObjectListQuery(queryParams(request));
    const objects = await metadefs.items(ctxOf(request), 'object', ns(request));
    // The reference's collection schema link has no leading slash.
    return sendJson(reply, { objects: objects.map((object) => objectView(ns(request), object)), schema: 'v2/schemas/metadefs/objects' });
  });
  app.post(`${NAMESPACE}/objects`, async (request, reply) => {
    const object = objectBody(request, true);
    return sendJson(reply.code(201), objectView(ns(request), await metadefs.createItem(ctxOf(request), 'object', ns(request), object)));
  });
  app.get(OBJECT, async (request, reply) => {
    refuseBody(request);
    return sendJson(reply, objectView(ns(request), await metadefs.item(ctxOf(request), 'object', ns(request), param(request, 'object'))));
  });
  app.put(OBJECT, async (request, reply) => {
    const object = objectBody(request, false);
    return sendJson(reply, objectView(ns(request), await metadefs.updateItem(ctxOf(request), 'object', ns(request), param(request, 'object'), object)));
  });
  app.delete(OBJECT, async (request, reply) => {
    refuseBody(request);
    await metadefs.deleteItem(ctxOf(request), 'object', ns(request), param(request, 'object'));
    return noContent(reply);
  });

  const PROPERTY = `${NAMESPACE}/properties/:property(^.+$)`;
  app.get(`${NAMESPACE}/properties`, async (request, reply) => {
    refuseBody(request);
    const properties = await metadefs.items(ctxOf(request), 'property', ns(request));
    return sendJson(reply, { properties: Object.fromEntries(properties.map((p) => [p.name, p.schema])) });
  });
  app.post(`${NAMESPACE}/properties`, async (request, reply) => {
    const created = await metadefs.createItem(ctxOf(request), 'property', ns(request), propertyBody(request));
    return sendJson(reply.code(201), propertyView(created.name, created.schema));
  });
  app.get(PROPERTY, async (request, reply) => {
    const resourceType = lastValue(queryParams(request), 'resource_type') || undefined;
    const property = await metadefs.property(ctxOf(request), ns(request), param(request, 'property'), resourceType);
    return sendJson(reply, propertyView(property.name, property.schema));
  });
  app.put(PROPERTY, async (request, reply) => {
    const updated = await metadefs.updateItem(ctxOf(request), 'property', ns(request), param(request, 'property'), propertyBody(request));
    return sendJson(reply, propertyView(updated.name, updated.schema));
  });
  app.delete(PROPERTY, async (request, reply) => {
    refuseUnusedBody(request);
    await metadefs.deleteItem(ctxOf(request), 'property', ns(request), param(request, 'property'));
    return noContent(reply);
  });

  const TAG = `${NAMESPACE}/tags/:tag(^.+$)`;
  app.get(`${NAMESPACE}/tags`, async (request, reply) => {
    const tags = await metadefs.tags(ctxOf(request), ns(request), tagListQuery(queryParams(request)));
    return sendJson(reply, { tags: tags.map((tag) => ({ name: tag.name })) });
  });
  app.post(`${NAMESPACE}/tags`, async (request, reply) => {
    const names = tagsBody(request);
    await metadefs.addTags(ctxOf(request), ns(request), names, saysYes(request.headers['x-openstack-append']));
    return sendJson(reply.code(201), { tags: names.map((name) => ({ name })) });
  });
  app.get(TAG, async (request, reply) => {
    refuseBody(request);
    return sendJson(reply, tagView(await metadefs.item(ctxOf(request), 'tag', ns(request), param(request, 'tag'))));
  });
  app.post(TAG, async (request, reply) => {
    refuseBody(request);
    const name = param(request, 'tag');
    if (unstorable(name)) throw new ApiError(400, 'A tag cannot contain the NUL character.');
    return sendJson(reply.code(201), tagView(await metadefs.createItem(ctxOf(request), 'tag', ns(request), { name }, checkTagName(name))));
  });
  app.put(TAG, async (request, reply) => {
    const tag = tagBody(request);
    return sendJson(reply, tagView(await metadefs.updateItem(ctxOf(request), 'tag', ns(request), param(request, 'tag'), tag)));
  });
  app.delete(TAG, async (request, reply) => {
    refuseBody(request);
    await metadefs.deleteItem(ctxOf(request), 'tag', ns(request), param(request, 'tag'));
    return noContent(reply);
  });

  app.get('/v2/metadefs/resource_types', async (request, reply) => {
    refuseBody(request);
    return sendJson(reply, { resource_types: (await metadefs.resourceTypes(ctxOf(request))).map(resourceTypeView) });
  });
  app.get(`${NAMESPACE}/resource_types`, async (request, reply) => {
    refuseBody(request);
    return sendJson(reply, { resource_type_associations: (await metadefs.associations(ctxOf(request), ns(request))).map(associationView) });
  });
  app.post(`${NAMESPACE}/resource_types`, async (request, reply) => {
    const association = associationBody(request);
    return sendJson(reply.code(201), associationView(await metadefs.associate(ctxOf(request), ns(request), association)));
  });
  app.delete(`${NAMESPACE}/resource_types/:resource_type(^.+$)`, async (request, reply) => {
    refuseBody(request);
    await metadefs.dissociate(ctxOf(request), ns(request), param(request, 'resource_type'));
    return noContent(reply);
  });

  done();
}
