/** The compute API listener: auth and request ids, version documents, image routes, error rendering. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CatalogService } from '../../catalog/service.js';
import type { Authenticator } from '../../identity/context.js';
import { AnswerCache } from '../common/answer-cache.js';
import { admitCaller, keystoneChallenge } from '../common/auth.js';
import type { ServiceUrl } from '../common/endpoints.js';
import { ApiError, commonFailure, errorStatus, novaFault, webobNotFound } from '../common/errors.js';
import { healthcheckShortcut, type HealthCheck } from '../common/healthcheck.js';
import type { RequestLimits } from '../common/request-limits.js';
import { createListener, logFailure, pathOf, routedPath, sendJson, type ListenerMetrics } from '../common/http.js';
import { negotiateVersion, VERSION_VARY, versionHeaders } from '../common/microversion.js';
import type { ComputeSettings } from './context.js';
import { computeImageRoutes } from './routes.js';
import { multipleChoices, versionDocument, versionList } from './versions.js';

export interface ComputeApiDeps {
  limits: RequestLimits;
  catalog: CatalogService;
  auth: Authenticator;
  settings: ComputeSettings;
  /** Where clients authenticate, for `WWW-Authenticate` on 401s. */
  identityEndpoint: ServiceUrl;
  logger: Logger;
  /** Answers `/healthcheck`. */
  health: HealthCheck;
  /** Off (undefined) unless `--metrics` is given. */
  metrics?: ListenerMetrics;
}

/** Nova's project segment: hex and dashes only; anything else falls through to a routing 404. */
const PROJECT = ':project_id(^[0-9a-f-]+$)';

const REQUEST_ID_HEADERS = ['x-openstack-request-id', 'x-compute-request-id'];

/** The list routes (under every mount), whose answers are kept. */
const LIST_PATH = /^\/v2(\.1)?\/(.+\/)?images(\/detail)?$/;

/** Version documents are public; everything else under a version prefix needs a token, and so does a path that does not decode. */
function needsToken(url: string): boolean {
  const path = routedPath(url);
  return path === null || /^\/v2(\.1)?\/./.test(path);
}

export function buildComputeApi(deps: ComputeApiDeps): FastifyInstance {
  const challenge = keystoneChallenge(deps.identityEndpoint);
  const origin = deps.settings.origin;
  const answers = new AnswerCache({
    auth: deps.auth,
    version: () => deps.catalog.revision(),
    requestIdHeaders: REQUEST_ID_HEADERS,
    cacheable: (path) => LIST_PATH.test(path),
  });
  const app = createListener({
    logger: deps.logger,
    healthcheck: healthcheckShortcut(deps.health),
    describes: { title: 'Glint compute API (Nova-compatible images)', version: 'v2.1' },
    metrics: deps.metrics,
    limits: deps.limits,
    failure: novaFault,
    requestIdHeaders: REQUEST_ID_HEADERS,
    shortcut: (request, response) => answers.answer(request, response),
    notFound: webobNotFound,
    admit: (request, reply) => !needsToken(request.url) || admitCaller(deps.auth, request, reply, challenge),
  });
  const max = deps.settings.profile.maxComputeVersion;
  app.decorateRequest('ctx', null);

  app.get('/', async (request, reply) => sendJson(reply, versionList(origin(request), max)));
  for (const path of ['/v2.1', '/v2.1/']) {
    app.get(path, async (request, reply) => {
      const version = negotiateVersion(request.headers, max);
      reply.headers(versionHeaders(version)).header('Vary', VERSION_VARY);
      return sendJson(reply, versionDocument(origin(request), max, 'v21'));
    });
  }
  for (const path of ['/v2', '/v2/']) {
    app.get(path, async (request, reply) =>
      sendJson(reply, versionDocument(origin(request), max, 'v2')),
    );
  }

  const mounts = [
    { prefix: `/v2.1/${PROJECT}`, legacy: false, withProject: true },
    { prefix: '/v2.1', legacy: false, withProject: false },
    { prefix: `/v2/${PROJECT}`, legacy: true, withProject: true },
    { prefix: '/v2', legacy: true, withProject: false },
  ];
  for (const mount of mounts) {
    app.register(computeImageRoutes, { ...mount, catalog: deps.catalog, settings: deps.settings, answers });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const path = pathOf(request.url);
    if (/^\/v2(\.1)?\//.test(path)) {
      const { contentType, body } = webobNotFound(request.method, request.headers.accept);
      return reply.code(404).header('content-type', contentType).send(Buffer.from(body));
    }
    return sendJson(reply.code(300), multipleChoices(origin(request), max, path));
  });

  app.setErrorHandler(async (raised: Error, request, reply) => {
    const error = commonFailure(raised);
    const status = errorStatus(error);
    let message = error.message;
    if (status >= 500 && !(raised instanceof ApiError)) logFailure(deps.logger, request, raised);
    if (!(error instanceof ApiError)) {
      if (status >= 500) {
        message = 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.';
      } else if (status === 413) message = 'Request is too large.';
    }
    const { contentType, body } = novaFault(status, message);
    if (error instanceof ApiError) reply.headers(error.headers);
    return reply.code(status).header('content-type', contentType).send(Buffer.from(body));
  });

  return app;
}
