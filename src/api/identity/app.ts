/** The identity API listener (Keystone v3 subset). This first step serves version discovery. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errorStatus, keystoneError } from '../common/errors.js';
import { createListener, logFailure, requestOrigin, sendJson } from '../common/http.js';

export interface IdentityApiDeps {
  logger: Logger;
}

function v3(origin: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${origin}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function buildIdentityApi(deps: IdentityApiDeps): FastifyInstance {
  const app = createListener({
    logger: deps.logger,
    requestIdHeaders: ['x-openstack-request-id'],
    notFound: () => keystoneError(404, 'The resource could not be found.'),
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Vary', 'X-Auth-Token');
  });
  app.get('/', async (request, reply) => {
    const origin = requestOrigin(request);
    return sendJson(reply.code(300).header('Location', `${origin}/v3/`), { versions: { values: [v3(origin)] } });
  });
  for (const path of ['/v3', '/v3/']) {
    app.get(path, async (request, reply) => sendJson(reply, { version: v3(requestOrigin(request)) }));
  }
  app.setNotFoundHandler(async (_request, reply) => {
    const { contentType, body } = keystoneError(404, 'The resource could not be found.');
    return reply.code(404).header('content-type', contentType).send(Buffer.from(body));
  });
  app.setErrorHandler(async (error: Error, request, reply) => {
    const status = errorStatus(error);
    if (status >= 500) logFailure(deps.logger, request, error);
    const { contentType, body } = keystoneError(status, status >= 500 ? 'An unexpected error prevented the server from fulfilling your request.' : error.message);
    return reply.code(status).header('content-type', contentType).send(Buffer.from(body));
  });
  return app;
}
