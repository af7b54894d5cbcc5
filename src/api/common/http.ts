/** Shared Fastify setup of every listener: request ids, raw query parameters, raw bodies, logging. */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { newRequestId } from './request-id.js';

export interface ListenerOptions {
  logger: FastifyServerOptions['loggerInstance'];
  /** Largest request body accepted; larger ones get 413 in the API's own format. */
  bodyLimit?: number;
}

export function createListener(options: ListenerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: newRequestId,
    // Requests are logged at info level: silent at the default level, one line each with --log-level info.
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    // OpenStack APIs never answer HEAD for GET routes by themselves.
    exposeHeadRoutes: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: {
      ignoreTrailingSlash: false,
      maxParamLength: 1000,
      // Repeated keys and their order matter (last value wins, next links echo every parameter).
      querystringParser: (text: string) => new URLSearchParams(text) as unknown as Record<string, unknown>,
    },
  });
  // Each API decides what a body means (and which media types it refuses), so bodies arrive as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  return app;
}

/** The query parameters of a request made through `createListener`. */
export function queryParams(request: { query: unknown }): URLSearchParams {
  return request.query as URLSearchParams;
}

/** `scheme://host[:port]` as the client addressed this listener. */
export function requestOrigin(request: { protocol: string; headers: { host?: string } }): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

/** The host name (without port) the client used, for links to the other listeners. */
export function requestHostname(request: { headers: { host?: string } }): string {
  try {
    return new URL(`http://${request.headers.host ?? 'localhost'}`).hostname;
  } catch {
    return 'localhost';
  }
}

/**
 * Sends JSON with exactly the given media type: the reference answers `application/json` without
 * a charset, which Fastify would otherwise add to any JSON text it sends.
 */
export function sendJson(reply: FastifyReply, body: string | object, contentType = 'application/json'): FastifyReply {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return reply.header('content-type', contentType).send(Buffer.from(text));
}
