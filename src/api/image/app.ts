/** The image API listener (Glance v2): version discovery, then the v2 resources behind a token. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CatalogService } from '../../catalog/service.js';
import type { MetadefService } from '../../catalog/metadefs/service.js';
import type { UploadLimits } from '../../catalog/image-data.js';
import type { ImportService } from '../../catalog/imports.js';
import type { UploadService } from '../../catalog/uploads.js';
import type { Authenticator } from '../../identity/context.js';
import { discoveryRoutes } from './discovery.js';
import { importRoutes } from './import-routes.js';
import { imageApiError, imageRoutes } from './routes.js';
import { ApiError, commonFailure, errorStatus, RESOURCE_NOT_FOUND, webobError, webobMethodNotAllowed, webobPage } from '../common/errors.js';
import { AnswerCache } from '../common/answer-cache.js';
import { admitCaller, keystoneChallenge, type Refusal } from '../common/auth.js';
import type { ServiceUrl } from '../common/endpoints.js';
import { healthcheckShortcut, type HealthCheck } from '../common/healthcheck.js';
import type { RequestLimits } from '../common/request-limits.js';
import { createListener, logFailure, pathOf, routedMethods, routedPath, sendJson, type ListenerMetrics } from '../common/http.js';
import { imageVersions } from './versions.js';
import { metadefRoutes } from './metadefs/routes.js';

export interface ImageApiDeps {
  limits: RequestLimits;
  catalog: CatalogService;
  metadefs: MetadefService;
  uploads: UploadService;
  imports: ImportService;
  auth: Authenticator;
  logger: Logger;
  /** Answers `/healthcheck`. */
  health: HealthCheck;
  /** Off (undefined) unless `--metrics` is given. */
  metrics?: ListenerMetrics;
  upload: UploadLimits;
  /** This API's own base URL, for its links. */
  origin: ServiceUrl;
  /**
   * Where clients authenticate: with Keystone, a refused request gets keystonemiddleware's 401 naming
   * it; without (noauth), the plain 401 page the reference's image service answers.
   */
  identityEndpoint: ServiceUrl | null;
}

const UNAUTHORIZED_TEXT =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied ' +
  'the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

const plainUnauthorized: Refusal = (_request, reply) => {
  const { contentType, body } = webobPage(401, UNAUTHORIZED_TEXT);
  reply.code(401).header('content-type', contentType).send(Buffer.from(body));
};

const REQUEST_ID_HEADERS = ['x-openstack-request-id'];

/** Everything under `/v2` needs a token, and so does a path that does not decode; version discovery does not. */
function needsToken(url: string): boolean {
  const path = routedPath(url);
  return path === null || /^\/v2(\/|$)/.test(path);
}

export function buildImageApi(deps: ImageApiDeps): FastifyInstance {
  const refuse = deps.identityEndpoint ? keystoneChallenge(deps.identityEndpoint) : plainUnauthorized;
  const origin = deps.origin;
  const answers = new AnswerCache({
    auth: deps.auth,
    version: () => deps.catalog.revision(),
    requestIdHeaders: REQUEST_ID_HEADERS,
    cacheable: (path) => path === '/v2/images',
  });
  const app = createListener({
    logger: deps.logger,
    healthcheck: healthcheckShortcut(deps.health),
    describes: { title: 'Glint image API (Glance-compatible)', version: 'v2' },
    metrics: deps.metrics,
    limits: deps.limits,
    failure: (status, message) => webobPage(status, message),
    requestIdHeaders: REQUEST_ID_HEADERS,
    shortcut: (request, response) => answers.answer(request, response),
    notFound: () => webobPage(404, RESOURCE_NOT_FOUND),
    admit: (request, reply) => !needsToken(request.url) || admitCaller(deps.auth, request, reply, refuse),
  });
  app.decorateRequest('ctx', null);

  app.get('/versions', async (request, reply) => sendJson(reply, imageVersions(origin(request))));
  app.get('/v2', async (request, reply) =>
    reply.code(302).header('Location', `${origin(request)}/v2/`).header('content-type', 'text/plain; charset=utf8').send(''),
  );

  app.register(imageRoutes, { catalog: deps.catalog, uploads: deps.uploads, upload: deps.upload, origin, answers });
  app.register(metadefRoutes, { metadefs: deps.metadefs, origin });
  app.register(importRoutes, { imports: deps.imports, upload: deps.upload });
  app.register(discoveryRoutes);

  app.setNotFoundHandler(async (request, reply) => {
    const path = pathOf(request.url);
    if (path.startsWith('/v2/')) {
      // Glance connects every resource's other methods to `RejectMethodController` (router.py).
      const allowed = routedMethods(app, request);
      if (allowed.length > 0) {
        const allow = { Allow: allowed.join(', ') };
        if (request.method === 'HEAD') return reply.code(405).headers(allow).header('content-type', 'text/html; charset=UTF-8').send();
        const { contentType, body } = webobMethodNotAllowed(request.method);
        return reply.code(405).headers(allow).header('content-type', contentType).send(Buffer.from(body));
      }
      const { contentType, body } = webobPage(404, RESOURCE_NOT_FOUND);
      return reply.code(404).header('content-type', contentType).send(Buffer.from(body));
    }
    return sendJson(reply.code(300), imageVersions(origin(request)));
  });

  app.setErrorHandler(async (error: Error, request, reply) => {
    const known = commonFailure(imageApiError(error) as Error);
    const status = errorStatus(known);
    if (status >= 500 && !(error instanceof ApiError)) logFailure(deps.logger, request, error);
    const failure =
      known instanceof ApiError
        ? known
        : new ApiError(status, status >= 500 ? 'The server has either erred or is incapable of performing the requested operation.' : error.message);
    const { contentType, body } = webobError(failure);
    return reply.code(status).headers(failure.headers).header('content-type', contentType).send(Buffer.from(body));
  });

  return app;
}
