/**
 * The image API's v2 resources (`glance/api/v2/`): images, their data, actions, tags, members and
 * schemas. Every failure is rendered by the listener's error handler in Glance's webob format.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CatalogError } from '../../catalog/errors.js';
import { StorageFull } from '../../common/storage-full.js';
import type { Image } from '../../catalog/image.js';
import { IMPORT_METHODS } from '../../catalog/imports.js';
import type { CatalogService } from '../../catalog/service.js';
import type { UploadLimits } from '../../catalog/image-data.js';
import type { UploadService } from '../../catalog/uploads.js';
import { UploadTooLarge } from '../../catalog/data-digest.js';
import type { AnswerCache } from '../common/answer-cache.js';
import { ApiError, detailed, unsupportedMediaType } from '../common/errors.js';
import type { ServiceUrl } from '../common/endpoints.js';
import { mediaTypeOf, parseJsonBytes, queryParams, sendJson, unstorable } from '../common/http.js';
import { imageListQuery, listLink } from './filters.js';
import { applyPatch, parsePatch, PATCH_V20, PATCH_V21 } from './patch.js';
import { parseRange } from './range.js';
import { SCHEMAS } from './schemas.js';
import { checkImageSchema } from './schema-check.js';
import { creationFields } from './validation.js';
import { imageListBody, imageView, memberView } from './views.js';

export interface ImageRoutesOptions {
  catalog: CatalogService;
  uploads: UploadService;
  upload: UploadLimits;
  /** This API's base URL, for `Location` headers. */
  origin: ServiceUrl;
  /** Kept list answers. */
  answers: AnswerCache;
}

/** Glance answers bodiless successes with webob's default media type. */
const NO_CONTENT_TYPE = 'text/html; charset=UTF-8';

/** Catalog failures in the image API's words (the listener's error handler renders them). */
export function imageApiError(err: unknown): unknown {
  if (err instanceof UploadTooLarge) return new ApiError(413, err.message);
  // glance_store's StorageFull, as the reference's upload reports it (`image_data.py`).
  if (err instanceof StorageFull && err.storage === 'data') {
    return new ApiError(413, 'Image storage media is full: There is not enough disk space on the image storage media.');
  }
  if (!(err instanceof CatalogError)) return err;
  const status = { bad_request: 400, forbidden: 403, not_found: 404, conflict: 409, gone: 410, over_limit: 413 }[err.kind];
  if (err.policy) return detailed(status, err.message);
  return new ApiError(status, err.message);
}

function jsonBody(request: FastifyRequest): unknown {
  const bytes = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
  try {
    return parseJsonBytes(bytes);
  } catch {
    throw new ApiError(400, 'Malformed JSON in request body.');
  }
}

const noContent = (reply: FastifyReply) => reply.code(204).header('content-type', NO_CONTENT_TYPE).send();

/** The PATCH media types, named in a refusal's `Accept-Patch` as the reference lists them. */
const ACCEPT_PATCH = [PATCH_V20, PATCH_V21].sort().join(', ');

/**
 * The one field of a member request's body (`image_members.py` RequestDeserializer), with the
 * reference's words for a body that is no JSON object and for one without the field.
 */
function memberBodyField(request: FastifyRequest, key: string, notObject: string, missing: string): unknown {
  const body = jsonBody(request);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, notObject);
  if (!Object.hasOwn(body, key)) throw new ApiError(400, missing);
  return (body as Record<string, unknown>)[key];
}

/** Python's falsiness, which the reference tests a member id for: empty strings and containers, null, false and 0. */
const pyFalsy = (value: unknown) => !value || (typeof value === 'object' && Object.keys(value).length === 0);

/** A member id given as a number or `true`, as the reference's text column keeps it (SQLite's text of the value). */
function memberText(member: unknown): string | null {
  if (typeof member === 'string') return member;
  if (typeof member === 'number') return String(member);
  return member === true ? '1' : null;
}

/**
 * A path parameter as the reference's WSGI server hands it over: the URL's bytes, each one a Latin-1 character,
 * so that `ü` sent as UTF-8 arrives as `Ã¼`.
 */
const wsgiText = (param: string) => Buffer.from(param, 'utf8').toString('latin1');

/** What `/openapi.json` says of the image list's parameters and answers (it validates nothing). */
const LIST_SCHEMA = {
  summary: 'List images',
  querystring: {
    type: 'object',
    properties: Object.fromEntries(
      [
        ['limit', 'at most this many images'],
        ['marker', 'the images after the one of this id'],
        ['sort_key', 'sort by this attribute (created_at by default)'],
        ['sort_dir', 'asc or desc (default)'],
        ['sort', 'key[:dir] pairs, comma-separated'],
        ['visibility', 'public, private, shared, community or all'],
        ['member_status', 'with visibility=shared: pending, accepted, rejected or all'],
        ['os_hidden', 'true lists the hidden images instead'],
        ['protected', 'true or false'],
        ['tag', 'images with this tag (repeatable)'],
        ['name', 'images of this name, or in:a,b'],
        ['status', 'images in this status, or in:a,b'],
        ['owner', 'images of this project'],
        ['size_min', 'images of at least this many bytes'],
        ['size_max', 'images of at most this many bytes'],
        ['created_at', 'an operator (gt, gte, eq, neq, lt, lte) and an ISO 8601 time, e.g. gte:2025-01-01T00:00:00Z'],
        ['updated_at', 'as created_at'],
      ].map(([name, description]) => [name, { type: 'string', description }]),
    ),
  },
  response: {
    200: { description: 'The images, with first, schema and next links' },
    400: { description: 'A parameter that cannot be read' },
    401: { description: 'No valid token' },
  },
};

export function imageRoutes(app: FastifyInstance, opts: ImageRoutesOptions, done: () => void) {
  const { catalog, answers } = opts;
  const ctxOf = (request: FastifyRequest) => request.ctx!;
  const idOf = (request: FastifyRequest) => (request.params as { image_id: string }).image_id;

  app.get('/v2/images', { schema: LIST_SCHEMA }, async (request, reply) => {
    const version = await answers.versionFor(request);
    const kept = answers.kept(request, version);
    if (kept) return sendJson(reply, kept);
    const params = queryParams(request);
    const { query, limit } = imageListQuery(params);
    const images: Image[] = [];
    for await (const batch of catalog.list(ctxOf(request), query)) images.push(...batch);
    const next = limit > 0 && images.length === limit ? listLink(params, images[images.length - 1].id) : undefined;
    return answers.sendJson(request, reply, version, imageListBody(images, listLink(params), next));
  });

  app.post('/v2/images', async (request, reply) => {
    const { fields, refusal } = creationFields(jsonBody(request));
    const image = await catalog.createImage(ctxOf(request), fields, () => {
      if (refusal) throw refusal;
    });
    reply.code(201).header('Location', `${opts.origin(request)}/v2/images/${image.id}`).header('OpenStack-image-import-methods', IMPORT_METHODS.join(','));
    return sendJson(reply, imageView(image));
  });

  app.get('/v2/images/:image_id(^.+$)', async (request, reply) =>
    sendJson(reply, imageView(await catalog.image(ctxOf(request), idOf(request)))),
  );

  app.patch('/v2/images/:image_id(^.+$)', async (request, reply) => {
    const type = mediaTypeOf(request.headers);
    if (type !== PATCH_V21 && type !== PATCH_V20) {
      throw unsupportedMediaType(request.headers['content-type'], { 'Accept-Patch': ACCEPT_PATCH });
    }
    const changes = parsePatch(jsonBody(request), type);
    const saved = await catalog.saveImage(ctxOf(request), idOf(request), (image, authorize) => applyPatch(image, changes, authorize));
    return sendJson(reply, imageView(saved));
  });

  app.delete('/v2/images/:image_id(^.+$)', async (request, reply) => {
    await catalog.deleteImage(ctxOf(request), idOf(request));
    return noContent(reply);
  });

  // Upload bodies are streamed, never buffered. Only here: any other request's body is JSON to the
  // reference whatever its media type, octet-stream included.
  app.register(async (uploads) => {
    uploads.addContentTypeParser('application/octet-stream', (_request, payload, parsed) => parsed(null, payload));
    const imageData = (request: FastifyRequest): AsyncIterable<Uint8Array> => {
      if (mediaTypeOf(request.headers) !== 'application/octet-stream') throw unsupportedMediaType(request.headers['content-type']);
      return (request.body as Readable | undefined) ?? Readable.from([]);
    };
    uploads.put('/v2/images/:image_id(^.+$)/file', { config: { streamsBody: true } }, async (request, reply) => {
      await opts.uploads.upload(ctxOf(request), idOf(request), imageData(request), opts.upload);
      return noContent(reply);
    });
    uploads.put('/v2/images/:image_id(^.+$)/stage', { config: { streamsBody: true } }, async (request, reply) => {
      await opts.uploads.stage(ctxOf(request), idOf(request), imageData(request), opts.upload);
      return noContent(reply);
    });
  });

  app.get('/v2/images/:image_id(^.+$)/file', async (request, reply) => {
    const image = await catalog.downloadable(ctxOf(request), idOf(request));
    // The range is read before the data is looked for, as the reference reads it; one it can read of an image
    // without data fails there (a 500), where Glint answers that there is no data.
    const range = parseRange(request.headers.range, image.size ?? Number.POSITIVE_INFINITY);
    if (!image.has_data || image.size === null) return reply.code(204).send();
    const stream = await catalog.openData(image, range ?? undefined);
    if (!stream) return reply.code(204).send();
    reply.header('content-type', 'application/octet-stream').header('Content-MD5', image.checksum ?? '');
    if (range) {
      reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${image.size}`);
      reply.header('content-length', String(range.end - range.start + 1));
    } else {
      reply.header('content-length', String(image.size));
    }
    return reply.send(stream);
  });

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(`/v2/images/:image_id(^.+$)/actions/${action}`, async (request, reply) => {
      await catalog.setActive(ctxOf(request), idOf(request), action === 'reactivate');
      return noContent(reply);
    });
  }

  const tagOf = (request: FastifyRequest) => wsgiText((request.params as { tag: string }).tag);
  app.put('/v2/images/:image_id(^.+$)/tags/:tag(^.+$)', async (request, reply) => {
    checkImageSchema({ tags: [tagOf(request)] });
    if (unstorable(tagOf(request))) throw new ApiError(400, 'A tag cannot contain the NUL character.');
    await catalog.addTag(ctxOf(request), idOf(request), tagOf(request));
    return noContent(reply);
  });
  app.delete('/v2/images/:image_id(^.+$)/tags/:tag(^.+$)', async (request, reply) => {
    await catalog.removeTag(ctxOf(request), idOf(request), tagOf(request));
    return noContent(reply);
  });

  const memberOf = (request: FastifyRequest) => wsgiText((request.params as { member_id: string }).member_id);
  app.get('/v2/images/:image_id(^.+$)/members', async (request, reply) => {
    const { image, members } = await catalog.members(ctxOf(request), idOf(request));
    return sendJson(reply, { members: members.map((m) => memberView(image.id, m)), schema: '/v2/schemas/members' });
  });
  app.post('/v2/images/:image_id(^.+$)/members', async (request, reply) => {
    const member = memberBodyField(request, 'member', 'Expected a member in the form: {"member": "image_id"}', 'Member to be added not specified');
    if (pyFalsy(member)) throw new ApiError(400, "Member can't be empty");
    // The reference fails with a 500 on a list or an object.
    const text = memberText(member);
    if (text === null) throw new ApiError(400, 'Member to be added not specified');
    // The width of the reference's member column.
    if ([...text].length > 255) throw new ApiError(400, 'Member can not be longer than 255 characters.');
    const added = await catalog.addMember(ctxOf(request), idOf(request), text);
    // The answer names the member as the request gave it; the record, as text.
    return sendJson(reply, { ...memberView(idOf(request), added), member_id: member });
  });
  app.get('/v2/images/:image_id(^.+$)/members/:member_id(^.+$)', async (request, reply) => {
    const member = await catalog.member(ctxOf(request), idOf(request), memberOf(request));
    return sendJson(reply, memberView(idOf(request), member));
  });
  app.put('/v2/images/:image_id(^.+$)/members/:member_id(^.+$)', async (request, reply) => {
    const status = memberBodyField(request, 'status', 'Expected a status in the form: {"status": "status"}', 'Status not specified');
    const member = await catalog.setMemberStatus(ctxOf(request), idOf(request), memberOf(request), status);
    return sendJson(reply, memberView(idOf(request), member));
  });
  app.delete('/v2/images/:image_id(^.+$)/members/:member_id(^.+$)', async (request, reply) => {
    await catalog.removeMember(ctxOf(request), idOf(request), memberOf(request));
    // A bare webob Response: no media type at all.
    return reply.code(204).send();
  });

  for (const [name, schema] of Object.entries(SCHEMAS)) {
    app.get(`/v2/schemas/${name}`, async (_request, reply) => sendJson(reply, schema));
  }

  done();
}
