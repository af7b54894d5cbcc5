/** The identity API listener (Keystone v3 subset): version discovery, tokens, catalog, read-only listings. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { IdentityError, type IdentityErrorKind } from '../../identity/errors.js';
import type { IdentityServices } from './routes.js';
import type { ServiceUrls } from '../common/endpoints.js';
import { ApiError, commonFailure, errorStatus, keystoneError, RESOURCE_NOT_FOUND } from '../common/errors.js';
import { healthcheckShortcut, type HealthCheck } from '../common/healthcheck.js';
import type { RequestLimits } from '../common/request-limits.js';
import { createListener, logFailure, routedMethods, sendJson, type ListenerMetrics } from '../common/http.js';
import { identityRoutes } from './routes.js';
import { controlRoutes, type ControlRoutesOptions } from './control-routes.js';

export interface IdentityApiDeps {
  limits: RequestLimits;
  logger: Logger;
  /** Answers `/healthcheck`. */
  health: HealthCheck;
  /** Off (undefined) unless `--metrics` is given. */
  metrics?: ListenerMetrics;
  /** Null under `--auth noauth`: only version discovery is served. */
  identity: IdentityServices | null;
  urls: ServiceUrls;
  /** Glint's control API (`/glint/v1/`), served in either auth mode. */
  control: ControlRoutesOptions;
}

/**
 * A 405 as Keystone's resources answer it: flask-restful renders werkzeug's MethodNotAllowed as JSON text,
 * in the media type Flask gives any text. Version discovery is plain Flask, which sends werkzeug's own page.
 */
function methodNotAllowed(path: string): string {
  const message = 'The method is not allowed for the requested URL.';
  if (path.startsWith('/v3/')) return `{"message": "${message}"}\n`;
  return `<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>${message}</p>\n`;
}

const STATUS: Record<IdentityErrorKind, number> = { bad_request: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409 };

function v3(identityUrl: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${identityUrl}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function buildIdentityApi(deps: IdentityApiDeps): FastifyInstance {
  const own = deps.urls.identity;
  const app = createListener({
    logger: deps.logger,
    healthcheck: healthcheckShortcut(deps.health),
    describes: { title: 'Glint identity API (Keystone v3 subset)', version: 'v3' },
    metrics: deps.metrics,
    limits: deps.limits,
    failure: keystoneError,
    requestIdHeaders: ['x-openstack-request-id'],
    notFound: () => keystoneError(404, RESOURCE_NOT_FOUND),
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Vary', 'X-Auth-Token');
  });
  app.get('/', async (request, reply) => {
    const url = own(request);
    return sendJson(reply.code(300).header('Location', `${url}/v3/`), { versions: { values: [v3(url)] } });
  });
  for (const path of ['/v3', '/v3/']) {
    app.get(path, async (request, reply) => sendJson(reply, { version: v3(own(request)) }));
  }
  if (deps.identity) app.register(identityRoutes, { identity: deps.identity, urls: deps.urls });
  app.register(controlRoutes, deps.control);

  app.setNotFoundHandler(async (request, reply) => {
    const routed = routedMethods(app, request);
    // Flask answers HEAD and OPTIONS on every route itself, so only other methods can be refused; its `Allow`
    // adds HEAD wherever GET is routed, and OPTIONS everywhere.
    if (routed.length > 0 && request.method !== 'HEAD' && request.method !== 'OPTIONS') {
      const allow = [...routed, ...(routed.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
      reply.code(405).header('Allow', allow).header('content-type', 'text/html; charset=utf-8');
      return reply.send(methodNotAllowed(request.url));
    }
    const { contentType, body } = keystoneError(404, RESOURCE_NOT_FOUND);
    return reply.code(404).header('content-type', contentType).send(Buffer.from(body));
  });
  app.setErrorHandler(async (raised: Error, request, reply) => {
    const error = commonFailure(raised);
    const status = error instanceof IdentityError ? STATUS[error.kind] : errorStatus(error);
    if (status >= 500 && !(raised instanceof ApiError)) logFailure(deps.logger, request, raised);
    const message = status >= 500 && !(error instanceof ApiError) ? 'An unexpected error prevented the server from fulfilling your request.' : error.message;
    const { contentType, body } = keystoneError(status, message);
    if (status === 401) reply.header('WWW-Authenticate', `Keystone uri="${own(request)}/v3"`);
    return reply.code(status).header('content-type', contentType).send(Buffer.from(body));
  });
  return app;
}
