/**
 * The image API listener (Glance v2). This first step serves version discovery and answers
 * every other path as the reference does for an unknown resource; the v2 resources come next.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Authenticator } from '../../identity/context.js';
import { errorStatus, webobPage } from '../common/errors.js';
import { createListener, logFailure, requestOrigin, sendJson } from '../common/http.js';
import { imageVersions } from './versions.js';

export interface ImageApiDeps {
  auth: Authenticator;
  logger: Logger;
}

const UNAUTHORIZED_TEXT =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied ' +
  'the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

export function buildImageApi(deps: ImageApiDeps): FastifyInstance {
  const app = createListener({
    logger: deps.logger,
    requestIdHeaders: ['x-openstack-request-id'],
    notFound: () => webobPage(404, 'The resource could not be found.'),
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (!/^\/v2(\/|$)/.test(path)) return;
    const token = request.headers['x-auth-token'];
    if (!deps.auth.authenticate(Array.isArray(token) ? token[0] : token)) {
      const { contentType, body } = webobPage(401, UNAUTHORIZED_TEXT);
      return reply.code(401).header('content-type', contentType).send(Buffer.from(body));
    }
  });

  app.get('/versions', async (request, reply) => sendJson(reply, imageVersions(requestOrigin(request))));
  app.get('/v2', async (request, reply) =>
    reply.code(302).header('Location', `${requestOrigin(request)}/v2/`).header('content-type', 'text/plain; charset=utf8').send(''),
  );

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (path.startsWith('/v2/')) {
      const { contentType, body } = webobPage(404, 'The resource could not be found.');
      return reply.code(404).header('content-type', contentType).send(Buffer.from(body));
    }
    return sendJson(reply.code(300), imageVersions(requestOrigin(request)));
  });

  app.setErrorHandler(async (error: Error, request, reply) => {
    const status = errorStatus(error);
    if (status >= 500) logFailure(deps.logger, request, error);
    const { contentType, body } = webobPage(status, status >= 500 ? 'The server has either erred or is incapable of performing the requested operation.' : error.message);
    return reply.code(status).header('content-type', contentType).send(Buffer.from(body));
  });

  return app;
}
