/** Shared Fastify setup of every listener: request ids, raw query parameters, raw bodies, bad requests, logging. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerFactory,
  type HTTPMethods,
  type onResponseHookHandler,
  type onSendHookHandler,
  type preHandlerHookHandler,
} from 'fastify';
import type { Logger } from 'pino';
import { hasBody } from '../../identity/context.js';
import { webobPage, type ErrorBody } from './errors.js';
import { RouteDescriptions, type ApiTitle } from './openapi.js';
import { newRequestId } from './request-id.js';
import { lingerOnClose, MAX_HEADER_BYTES, watchBody, type RequestLimits } from './request-limits.js';

export interface ListenerOptions {
  logger: Logger;
  /** The headers that carry the request id in this API's responses. */
  requestIdHeaders: string[];
  /** What this API answers for a URL that cannot be decoded: it names no resource, so a 404 in its own format. */
  notFound: (method: string, accept: string | undefined) => ErrorBody;
  /** An error body in this API's format, for the failures the listener answers itself (408). */
  failure: (status: number, message: string) => ErrorBody;
  limits: RequestLimits;
  /**
   * Runs first for every request (after its request id is set): returns false when it has answered
   * the request itself, e.g. with a 401.
   */
  admit?: (request: FastifyRequest, reply: FastifyReply) => boolean | Promise<boolean>;
  /** Largest request body accepted; larger ones get 413 in the API's own format. */
  bodyLimit?: number;
  /**
   * Meets every request before the framework does (see `AnswerCache`); true when it has answered.
   * Requests are then not logged, so it is left out when requests are.
   */
  shortcut?: Shortcut;
  /**
   * Answers `/healthcheck` before anything else sees the request (see `healthcheck.ts`), whether requests are
   * logged or not: a load balancer's poll every second would drown the log.
   */
  healthcheck?: Shortcut;
  /** Off (undefined) unless `--metrics` is given: then every request is observed. */
  metrics?: ListenerMetrics;
  /** The API `/openapi.json` describes. */
  describes: ApiTitle;
}

/** The route pattern a shortcut answered the request as (for metrics), or false when it left it to others. */
export type Answered = string | false;

export type Shortcut = (request: IncomingMessage, response: ServerResponse) => Answered | Promise<Answered>;

/** Told of every answered request: its route pattern (`UNMATCHED` for none), method, status and time taken. */
export type RequestObserver = (route: string, method: string, status: number, seconds: number) => void;

/** The route label of a request no route matched: the raw URL would make a series of each. */
export const UNMATCHED = 'unmatched';

/** What a listener does for metrics, when they are on. */
export interface ListenerMetrics {
  observe: RequestObserver;
  /** Told of each connection, whose bytes it counts. */
  connected(socket: Socket): void;
  /** The Prometheus text, when this listener serves `/metrics`. */
  scrape?: () => Promise<{ contentType: string; body: string }>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route consumes its body as it arrives (image data): only the body's idleness is limited. */
    streamsBody?: boolean;
  }
}

const SERVER_OPTIONS = { maxHeaderSize: MAX_HEADER_BYTES };

/**
 * A server whose requests meet `shortcut` first; those it does not answer (or fails on) go to the framework.
 * `observe` is told of those it answers (the framework's own hook tells it of the others).
 */
function shortcutServer(shortcut: Shortcut, observe: RequestObserver | undefined): FastifyServerFactory {
  return (handler, options) => {
    const server = createServer(SERVER_OPTIONS, (request, response) => {
      const start = observe ? performance.now() : 0;
      let answered: Answered | Promise<Answered>;
      try {
        answered = shortcut(request, response);
      } catch {
        // The framework meets the same failure again and answers it in the API's own format.
        answered = false;
      }
      if (answered === false) handler(request, response);
      else if (typeof answered === 'string') observe?.(answered, request.method!, response.statusCode, (performance.now() - start) / 1000);
      else {
        answered.then(
          (done) => (done === false ? handler(request, response) : observe?.(done, request.method!, response.statusCode, (performance.now() - start) / 1000)),
          () => handler(request, response),
        );
      }
    });
    // What Fastify sets on a server it makes itself (from its options, defaults filled in).
    const timeouts = options as { keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number };
    server.keepAliveTimeout = timeouts.keepAliveTimeout;
    server.requestTimeout = timeouts.requestTimeout;
    server.setTimeout(timeouts.connectionTimeout);
    return server;
  };
}

/** The first shortcut, then the second for the requests the first leaves to others. */
function inTurn(first: Shortcut, second: Shortcut): Shortcut {
  return (request, response) => {
    const answered = first(request, response);
    if (answered === false) return second(request, response);
    if (typeof answered === 'string') return answered;
    return answered.then((done) => done || second(request, response));
  };
}

/** The shortcuts a listener has: the health check always, kept answers unless requests are logged (see `shortcut`). */
function shortcutOf(options: ListenerOptions, logRequests: boolean): Shortcut | undefined {
  const shortcuts = [options.healthcheck, logRequests ? undefined : options.shortcut].filter((each) => each !== undefined);
  return shortcuts.length === 0 ? undefined : shortcuts.reduce(inTurn);
}

/**
 * Requests the HTTP parser refuses never reach an API; they get a plain webob-style 400 (431 for headers past
 * the size cap, as Node itself answers) and the connection closes.
 */
function refuseMalformedRequest(error: Error, socket: import('node:net').Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = (error as NodeJS.ErrnoException).code === 'HPE_HEADER_OVERFLOW';
  const { contentType, body } = tooLarge
    ? webobPage(431, 'The request header fields are too large.')
    : webobPage(400, 'The request could not be understood by the server.');
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  // A HEAD request's answer has no body, or the client reads it as the start of a next answer.
  const head = (error as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${head ? '' : body}`,
  );
}

export function createListener(options: ListenerOptions): FastifyInstance {
  const logRequests = options.logger.isLevelEnabled('info');
  const shortcut = shortcutOf(options, logRequests);
  const app = Fastify({
    // Requests are logged at info level, one line each, with their request id. Below that level Fastify
    // gets no logger at all: a per-request child logger that never writes is pure cost.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it Fastify's instance type is inferred from pino's Logger, not the FastifyBaseLogger this function returns
    ...(logRequests ? { loggerInstance: options.logger as FastifyBaseLogger } : {}),
    ...(shortcut ? { serverFactory: shortcutServer(shortcut, options.metrics?.observe) } : {}),
    http: SERVER_OPTIONS,
    genReqId: newRequestId,
    rewriteUrl: (request) => originForm(request.url ?? '/'),
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    // OpenStack APIs never answer HEAD for GET routes by themselves.
    exposeHeadRoutes: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: {
      ignoreTrailingSlash: false,
      // Node's header size limit bounds a URL long before this does; long ids reach the handlers and get their 404.
      maxParamLength: 65536,
      // Repeated keys and their order matter (last value wins, next links echo every parameter).
      querystringParser: (text: string) => new URLSearchParams(text) as unknown as Record<string, unknown>,
    },
    frameworkErrors: (_error, request, reply) => {
      setRequestIdHeaders(reply, request.id, options.requestIdHeaders);
      const { contentType, body } = options.notFound(request.method, request.headers.accept);
      (reply as FastifyReply).code(404).header('content-type', contentType).send(Buffer.from(body));
    },
    clientErrorHandler: refuseMalformedRequest,
  });
  // Route schemas describe routes (`/openapi.json`); they never change how a request is read or answered.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const descriptions = new RouteDescriptions();
  app.addHook('onRoute', (route) => descriptions.add(route));
  if (options.metrics) observeRequests(app, options.metrics);
  let description: Buffer | undefined;
  app.get('/openapi.json', { schema: { summary: 'This document' } }, async (_request, reply) =>
    sendJson(reply, (description ??= Buffer.from(JSON.stringify(descriptions.document(options.describes))))),
  );
  const { admit, limits, failure } = options;
  const admitting = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const admitted = admit ? admit(request, reply) : true;
    if (admitted === true) done();
    else if (admitted !== false) admitted.then((ok) => ok && done(), done);
  };
  app.decorateRequest('awaitingBody', false);
  app.addHook('onRequest', (request, reply, done) => {
    setRequestIdHeaders(reply, request.id, options.requestIdHeaders);
    // A request that declares no body has none to wait for (Node marks it complete only after this hook).
    if (!request.raw.complete && hasBody(request.headers)) watchBody(request.raw, reply.raw, limits, request.routeOptions.config.streamsBody === true, failure);
    admitting(request, reply, done);
  });
  // Only routes that read a body need these, and the others (the lists) are spared their cost.
  app.addHook('onRoute', (route) => {
    if (![route.method].flat().some(readsBody)) return;
    // A request admitted on the condition of its body is admitted again once the body has arrived.
    const readmit: preHandlerHookHandler = (request, reply, done) => (request.awaitingBody ? admitting(request, reply, done) : done());
    // An answer given before the request's body has all arrived (a refused upload) ends the connection: the
    // client would otherwise go on sending the rest for nothing. It lingers a while, so the answer is read.
    const closeEarly: onSendHookHandler = (request, reply, payload, done) => {
      if (!request.raw.complete) {
        reply.header('connection', 'close');
        // Null once the client has gone: there is no one left to answer.
        if (request.raw.socket) lingerOnClose(request.raw.socket);
      }
      done(null, payload);
    };
    route.preHandler = [...[route.preHandler ?? []].flat(), readmit];
    route.onSend = [...[route.onSend ?? []].flat(), closeEarly];
  });
  app.server.maxConnections = limits.maxConnections;
  // Each API decides what a body means (and which media types it refuses), so bodies arrive as bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  return app;
}

/** Counts the listener's requests and connections, and serves `/metrics` if it is to. */
function observeRequests(app: FastifyInstance, metrics: ListenerMetrics): void {
  const { observe, scrape } = metrics;
  // Each route's hook knows its pattern (`request.routeOptions` would build an object per request to tell it).
  app.addHook('onRoute', (route) => {
    const hook: onResponseHookHandler = (request, reply, done) => {
      observe(route.url, request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [...[route.onResponse ?? []].flat(), hook];
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) observe(UNMATCHED, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.server.on('connection', (socket: Socket) => metrics.connected(socket));
  if (scrape) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await scrape();
      return reply.header('content-type', contentType).send(body);
    });
  }
}

/**
 * The request target in origin form (`/path?query`). HTTP/1.1 servers must accept the absolute form
 * (`http://host/path`) too; every route, token check and kept answer reads the origin form.
 */
export function originForm(target: string): string {
  if (target.charCodeAt(0) === 47 /* '/' */) return target;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (!authority) return target;
  const rest = target.slice(authority[0].length);
  return rest.charCodeAt(0) === 47 ? rest : `/${rest}`;
}

function setRequestIdHeaders(reply: FastifyReply, id: string, headers: string[]): void {
  for (const header of headers) reply.header(header, id);
}

/** Whether requests of this method carry a body the API reads (or streams); the APIs read none of others. */
export function readsBody(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** The methods the APIs route, in the order the reference's `Allow` headers name them. */
export const ROUTED_METHODS: readonly HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Which methods have a route for the request's path: when its own method has none but others do, the
 * path names a resource all the same, and the reference APIs answer 405 naming them rather than 404.
 */
export function routedMethods(app: FastifyInstance, request: FastifyRequest): HTTPMethods[] {
  const path = pathOf(request.url);
  return ROUTED_METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
}

/** Bodies that are not valid UTF-8 are malformed, not silently repaired. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON request body; throws on bytes that are not UTF-8 as on text that is not JSON, and on a string
 * that `unstorable` finds (only `\u` escapes write one). A catalog takes the same text on either backend.
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  const text = STRICT_UTF8.decode(bytes);
  const parsed: unknown = JSON.parse(text);
  if (ESCAPED_UNSTORABLE.test(text) && holdsUnstorable(parsed)) throw new SyntaxError('a string holds a character no catalog stores');
  return parsed;
}

const ESCAPED_UNSTORABLE = /\\u(0000|d[89a-f])/i;

/**
 * True when text holds the NUL character, which PostgreSQL text cannot hold, or half of a surrogate pair,
 * which no UTF-8 text can (PostgreSQL's JSON refuses it, and a driver would store a replacement instead).
 */
export function unstorable(text: string): boolean {
  return /[\0\p{Cs}]/u.test(text);
}

function holdsUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return unstorable(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => unstorable(key) || holdsUnstorable(item));
}

/** The path of a request target, without its query. */
export function pathOf(url: string): string {
  return url.split('?', 1)[0];
}

/** The media type a request's body declares, lower-case, without parameters ('' when it declares none). */
export function mediaTypeOf(headers: { 'content-type'?: string }): string {
  return (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The request's path as the router reads it, percent-decoded (`/v2%2e1/` routes as `/v2.1/`), so that what
 * is decided from the path (whether a token is needed) holds for the route that answers; null when it
 * does not decode.
 */
export function routedPath(url: string): string | null {
  try {
    return decodeURIComponent(pathOf(url));
  } catch {
    return null;
  }
}

/** A repeated query parameter's last value, as webob's `params.get` returns it (both APIs read parameters so). */
export function lastValue(params: URLSearchParams, key: string): string | undefined {
  const all = params.getAll(key);
  return all.length ? all[all.length - 1] : undefined;
}

/** The query parameters of a request made through `createListener`. */
export function queryParams(request: { query: unknown }): URLSearchParams {
  return request.query as URLSearchParams;
}

/** `scheme://host[:port]` as the client addressed this listener. */
export function requestOrigin(request: { protocol: string; headers: { host?: string } }): string {
  return `${request.protocol}://${request.headers.host ?? 'localhost'}`;
}

// Clients use few distinct Host headers; parsing one per request would be wasted work.
const hostnames = new Map<string, string>();

/** The host name (without port) the client used, for links to the other listeners. */
export function requestHostname(request: { headers: { host?: string } }): string {
  const host = request.headers.host ?? 'localhost';
  let hostname = hostnames.get(host);
  if (hostname === undefined) {
    try {
      hostname = new URL(`http://${host}`).hostname;
    } catch {
      hostname = 'localhost';
    }
    if (hostnames.size >= 1000) hostnames.clear();
    hostnames.set(host, hostname);
  }
  return hostname;
}

/**
 * Sends JSON with exactly the given media type: the reference answers `application/json` without
 * a charset, which Fastify would otherwise add to any JSON text it sends.
 */
export function sendJson(reply: FastifyReply, body: Buffer | string | object, contentType = 'application/json'): FastifyReply {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return reply.header('content-type', contentType).send(bytes);
}

/**
 * Logs an unexpected failure with the request it broke; such errors are logged at any level. A request whose
 * client left before sending all of its body (an upload cut short) failed for that reason, not the server's.
 */
export function logFailure(logger: Logger, request: FastifyRequest, err: unknown): void {
  const entry = { request_id: request.id, method: request.method, url: request.url, err };
  if (request.raw.destroyed && !request.raw.complete) logger.info(entry, 'client went away');
  else logger.error(entry, 'unexpected error');
}
