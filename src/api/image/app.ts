/** The image API listener (Glance v2): version discovery, then the v2 resources behind a token. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CatalogService, UploadLimits } from '../../catalog/service.js';
import type { Authenticator } from '../../identity/context.js';
import { imageApiError, imageRoutes } from './routes.js';
import { ApiError, errorStatus, webobError, webobPage } from '../common/errors.js';
import { createListener, logFailure, requestOrigin, sendJson } from '../common/http.js';
import { imageVersions } from './versions.js';

export interface ImageApiDeps {
  catalog: CatalogService;
  auth: Authenticator;
  logger: Logger;
  upload: UploadLimits;
}

const UNAUTHORIZED_TEXT =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied ' +
  'the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

export function buildImageApi(deps: ImageApiDeps): FastifyInstance {
  const app = createListener({
    logger: deps.logger,
    requestIdHeaders: ['x-openstack-request-id'],
    notFound: () => webobPage(404, 'The resource could not be found.'),
    admit: (request, reply) => {
      if (!/^\/v2(\/|$)/.test(request.url.split('?', 1)[0])) return true;
      const token = request.headers['x-auth-token'];
      request.ctx = deps.auth.authenticate(Array.isArray(token) ? token[0] : token);
      if (request.ctx) return true;
      const { contentType, body } = webobPage(401, UNAUTHORIZED_TEXT);
      reply.code(401).header('content-type', contentType).send(Buffer.from(body));
      return false;
    },
  });
  app.decorateRequest('ctx', null);

  app.get('/versions', async (request, reply) => sendJson(reply, imageVersions(requestOrigin(request))));
  app.get('/v2', async (request, reply) =>
    reply.code(302).header('Location', `${requestOrigin(request)}/v2/`).header('content-type', 'text/plain; charset=utf8').send(''),
  );

  app.register(imageRoutes, { catalog: deps.catalog, upload: deps.upload });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (path.startsWith('/v2/')) {
      const { contentType, body } = webobPage(404, 'The resource could not be found.');
      return reply.code(404).header('content-type', contentType).send(Buffer.from(body));
    }
    return sendJson(reply.code(300), imageVersions(requestOrigin(request)));
  });

  app.setErrorHandler(async (error: Error, request, reply) => {
    const known = imageApiError(error);
    const status = errorStatus(known as Error);
    if (status >= 500) logFailure(deps.logger, request, error);
    const failure =
      known instanceof ApiError
        ? known
        : new ApiError(status, status >= 500 ? 'The server has either erred or is incapable of performing the requested operation.' : error.message);
    const { contentType, body } = webobError(failure);
    return reply.code(status).headers(failure.headers).header('content-type', contentType).send(Buffer.from(body));
  });

  return app;
}
