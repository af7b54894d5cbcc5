/**
 * The compute image API (`nova/api/openstack/compute/images.py`, `image_metadata.py`): list,
 * detail, show, delete and the six metadata calls, mounted under each of Nova's URL forms.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CatalogError } from '../../catalog/errors.js';
import type { Image, Properties } from '../../catalog/image.js';
import type { CatalogService } from '../../catalog/service.js';
import type { AnswerCache } from '../common/answer-cache.js';
import { ApiError, htmlEscape, RESOURCE_NOT_FOUND } from '../common/errors.js';
import { queryParams, sendJson } from '../common/http.js';
import { parseVersion, type Version } from '../common/microversion.js';
import { beginComputeCall, type ComputeCall, type ComputeRouteOptions, type ComputeSettings } from './context.js';
import { computeListQuery } from './filters.js';
import { validateMetadataBody } from './metadata-schema.js';
import { sentProperties } from './sent-image.js';
import { ListBody } from './list-body.js';
import { imageJson, linkPieces, metadataView, type ListView } from './views.js';

/** `[api] max_limit`: a page of this many images (or of `limit`, if smaller) gets a next link. */
const MAX_LIMIT = 1000;
/** `metadata_items` quota. */
const METADATA_LIMIT = 128;

const IMAGE_OPEN = Buffer.from('{"image":');
const OBJECT_CLOSE = Buffer.from('}');

const IMAGE_PROXY_MAX = parseVersion('2.35')!;
const IMAGE_METADATA_MAX = parseVersion('2.38')!;

const IMAGE_NOT_FOUND = 'Image not found.';

const JSON_TYPE = 'application/json';

/** The image service's own refusals reach compute clients quoted, as glanceclient words them. */
function quotedImageServiceError(err: unknown): unknown {
  if (!(err instanceof CatalogError)) return err;
  if (err.kind === 'forbidden') return new ApiError(403, `HTTP 403 Forbidden: ${htmlEscape(err.message)}`);
  return new ApiError(400, `HTTP 400 Bad Request: ${htmlEscape(err.message)}`);
}

/**
 * The reference sends an image back as a JSON patch computed by its image client, which turns "drop key A, add key
 * B with A's value" into a `move` that the image service refuses; nothing changes. Glint keeps that outcome (so
 * clients see the same state) but answers 400 where the reference fails with 500.
 */
function refuseMoves(current: Properties, sent: Properties): void {
  const dropped = new Set(Object.keys(current).filter((key) => !Object.hasOwn(sent, key)).map((key) => current[key]));
  const moved = Object.keys(sent).some((key) => !Object.hasOwn(current, key) && dropped.has(sent[key]));
  if (moved) throw new ApiError(400, 'HTTP 400 Bad Request: Invalid operation: `move`. It must be one of the following: add, remove, replace.');
}

export interface ComputeRoutesDeps {
  catalog: CatalogService;
  settings: ComputeSettings;
  /** Kept list answers, shared by every mount of the routes. */
  answers: AnswerCache;
}

/** What `/openapi.json` says of the list routes' parameters and answers (it validates nothing). */
const LIST_SCHEMA = {
  querystring: {
    type: 'object',
    properties: Object.fromEntries(
      [
        ['name', 'images of this name'],
        ['status', 'images in this status'],
        ['changes-since', 'images changed since this ISO 8601 time, deleted ones included'],
        ['server', 'snapshots of this server'],
        ['type', 'images of this image_type property (snapshot)'],
        ['minRam', 'images needing at least this much RAM (MiB)'],
        ['minDisk', 'images needing at least this much disk (GiB)'],
        ['limit', 'at most this many images'],
        ['marker', 'the images after the one of this id'],
      ].map(([name, description]) => [name, { type: 'string', description }]),
    ),
  },
  response: {
    200: { description: 'A page of images, with a next link when more follow' },
    400: { description: 'A parameter that cannot be read' },
    401: { description: 'No valid token' },
  },
};

export function computeImageRoutes(app: FastifyInstance, opts: ComputeRouteOptions & ComputeRoutesDeps, done: () => void) {
  const { catalog, settings, answers } = opts;
  const route: ComputeRouteOptions = { legacy: opts.legacy, withProject: opts.withProject };
  const begin = (request: FastifyRequest, reply: FastifyReply, max: Version) =>
    beginComputeCall(request, reply, settings, route, max);

  async function visibleImage(call: ComputeCall, id: string): Promise<Image> {
    const image = await catalog.findReadable(call.ctx, id);
    if (!image) throw new ApiError(404, IMAGE_NOT_FOUND);
    return image;
  }

  async function list(request: FastifyRequest, reply: FastifyReply, view: ListView) {
    const call = begin(request, reply, IMAGE_PROXY_MAX);
    const version = await answers.versionFor(request);
    const kept = answers.kept(request, version);
    if (kept) return sendJson(reply, kept);
    const params = queryParams(request);
    let listing;
    try {
      listing = computeListQuery(params, MAX_LIMIT);
    } catch (err) {
      throw quotedImageServiceError(err);
    }
    const { query, pageFill } = listing;
    const pages = catalog.list(call.ctx, query);
    let first: IteratorResult<Image[]>;
    try {
      first = await pages.next();
    } catch (err) {
      throw quotedImageServiceError(err);
    }
    const body = await new ListBody(view, call.links, params, pageFill).assemble(pages, first);
    if (!Buffer.isBuffer(body)) return reply.header('content-type', JSON_TYPE).send(body);
    return answers.sendJson(request, reply, version, body);
  }

  app.get('/images', { schema: { summary: 'List images (id, name, links)', ...LIST_SCHEMA } }, (request, reply) => list(request, reply, 'basic'));
  app.get('/images/detail', { schema: { summary: 'List images with their details', ...LIST_SCHEMA } }, (request, reply) => list(request, reply, 'detailed'));

  app.get('/images/:image_id(^.+$)', async (request, reply) => {
    const call = begin(request, reply, IMAGE_PROXY_MAX);
    const image = await visibleImage(call, (request.params as { image_id: string }).image_id);
    return sendJson(reply, Buffer.concat([IMAGE_OPEN, imageJson(image, 'detailed', linkPieces(call.links)), OBJECT_CLOSE]));
  });

  app.delete('/images/:image_id(^.+$)', async (request, reply) => {
    const call = begin(request, reply, IMAGE_PROXY_MAX);
    try {
      await catalog.deleteImage(call.ctx, (request.params as { image_id: string }).image_id);
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      if (err.kind === 'not_found') throw new ApiError(404, IMAGE_NOT_FOUND);
      if (err.kind === 'forbidden') throw new ApiError(403, 'You are not allowed to delete the image.');
      throw new ApiError(409, err.message);
    }
    return reply.code(204).header('content-type', JSON_TYPE).send();
  });

  /**
   * Sends the image back with the properties `wanted` makes of the current ones, after the quota check that the
   * reference makes first. `wanted` may run again, on newer properties, when another writer changed the image meanwhile.
   */
  async function sendBack(call: ComputeCall, image: Image, wanted: (properties: Properties) => Properties): Promise<Image> {
    const sent = (current: Properties) => {
      const properties = wanted(current);
      if (Object.keys(properties).length > METADATA_LIMIT) throw new ApiError(403, 'Image metadata limit exceeded');
      const result = sentProperties(current, properties, settings.imageSchema);
      refuseMoves(current, result);
      return result;
    };
    try {
      return await catalog.sendBack(call.ctx, image, sent);
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      // Nova words any refusal of the image service's as the image not being its caller's to change.
      if (err.kind === 'forbidden') throw new ApiError(403, `Not authorized for image ${image.id}.`);
      // Deleted while the change was being written.
      if (err.kind === 'not_found') throw new ApiError(404, IMAGE_NOT_FOUND);
      throw quotedImageServiceError(err);
    }
  }

  const metadataJson = (metadata: Record<string, unknown>) => JSON.stringify({ metadata });
  const imageId = (request: FastifyRequest) => (request.params as { image_id: string }).image_id;
  const metaKey = (request: FastifyRequest) => (request.params as { key: string }).key;

  app.get('/images/:image_id(^.+$)/metadata', async (request, reply) => {
    const call = begin(request, reply, IMAGE_METADATA_MAX);
    const image = await visibleImage(call, imageId(request));
    return sendJson(reply, metadataJson(metadataView(image.properties)));
  });

  app.post('/images/:image_id(^.+$)/metadata', async (request, reply) => {
    const call = begin(request, reply, IMAGE_METADATA_MAX);
    const changes = validateMetadataBody(call.body, 'metadata');
    const image = await visibleImage(call, imageId(request));
    const written = await sendBack(call, image, (properties) => ({ ...properties, ...changes }));
    return sendJson(reply, metadataJson(metadataView(written.properties)));
  });

  app.put('/images/:image_id(^.+$)/metadata', async (request, reply) => {
    const call = begin(request, reply, IMAGE_METADATA_MAX);
    const metadata = validateMetadataBody(call.body, 'metadata');
    const image = await visibleImage(call, imageId(request));
    await sendBack(call, image, () => metadata);
    return sendJson(reply, metadataJson(metadata));
  });

  app.get('/images/:image_id(^.+$)/metadata/:key(^.+$)', async (request, reply) => {
    const call = begin(request, reply, IMAGE_METADATA_MAX);
    const image = await visibleImage(call, imageId(request));
    const key = metaKey(request);
    if (!Object.hasOwn(image.properties, key)) throw new ApiError(404, RESOURCE_NOT_FOUND);
    return sendJson(reply, JSON.stringify({ meta: { [key]: metadataView(image.properties)[key] } }));
  });

  app.put('/images/:image_id(^.+$)/metadata/:key(^.+$)', async (request, reply) => {
    const call = begin(request, reply, IMAGE_METADATA_MAX);
    const meta = validateMetadataBody(call.body, 'meta');
    const key = metaKey(request);
    if (!Object.hasOwn(meta, key)) throw new ApiError(400, 'Request body and URI mismatch');
    const image = await visibleImage(call, imageId(request));
    await sendBack(call, image, (properties) => ({ ...properties, [key]: meta[key] }));
    return sendJson(reply, JSON.stringify({ meta }));
  });

  app.delete('/images/:image_id(^.+$)/metadata/:key(^.+$)', async (request, reply) => {
    const call = begin(request, reply, IMAGE_METADATA_MAX);
    const image = await visibleImage(call, imageId(request));
    const key = metaKey(request);
    // Looked up in the image as read, before anything is written (and so before the image service decides).
    const invalidKey = () => new ApiError(404, 'Invalid metadata key');
    if (!Object.hasOwn(image.properties, key)) throw invalidKey();
    await sendBack(call, image, (properties) => {
      if (!Object.hasOwn(properties, key)) throw invalidKey();
      const remaining = { ...properties };
      delete remaining[key];
      return remaining;
    });
    return reply.code(204).header('content-type', JSON_TYPE).send();
  });

  done();
}
