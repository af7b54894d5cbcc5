/**
 * Whole answers to repeated list requests, kept for one catalog version and sent from the server's
 * request event, before the framework sees the request: a client polling a list pays for
 * authentication, a catalog version check and the write, while routing, hooks and rendering ran once.
 *
 * A kept answer is reused only for a request that the route would answer with the same bytes: the same
 * method and URL, the same caller (project and roles), the same headers that shape links and
 * versions, no body, and the catalog at the version the answer was computed for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VersionedCache } from '../../common/versioned-cache.js';
import { hasBody, type Authenticator, type RequestContext } from '../../identity/context.js';
import { pathOf, type Answered } from './http.js';
import { newRequestId } from './request-id.js';

/** Request headers an answer may depend on besides the caller: links name the host, versions shape the headers. */
const SHAPING_HEADERS = ['host', 'x-openstack-nova-api-version', 'openstack-api-version'];

interface Answer {
  /** Response headers as name, value, name, value…, without the request id headers. */
  headers: string[];
  body: Buffer;
  /** The pattern of the route that computed it. */
  route: string;
}

export interface AnswerCacheOptions {
  auth: Authenticator;
  /** The catalog's version (see `Store.version`). */
  version: () => string | Promise<string>;
  /** The headers that carry the request id in this API's responses. */
  requestIdHeaders: string[];
  /** Whether a request path can have a kept answer; others are left to the framework at once. */
  cacheable: (path: string) => boolean;
}

function keyOf(request: IncomingMessage, ctx: RequestContext): string {
  let key = `${ctx.projectId} ${ctx.roles.join(',')} ${request.url}`;
  for (const name of SHAPING_HEADERS) key += `\n${String(request.headers[name] ?? '')}`;
  return key;
}

export class AnswerCache {
  // 8 MiB for each of the two listeners that keep answers: some hundreds of pages each.
  private readonly answers = new VersionedCache<Answer>(
    { maxEntries: 10_000, maxWeight: 8 * 1024 * 1024, maxItemWeight: 1024 * 1024 },
    (answer) => answer.body.length,
  );
  /** The catalog version a missed lookup read, so the route that answers instead need not read it again. */
  private readonly missed = new WeakMap<IncomingMessage, string>();

  constructor(private readonly options: AnswerCacheOptions) {}

  /**
   * Answers the request with a kept answer (returning the route it is kept for); false (having written
   * nothing) when the framework must.
   * When the caller and the catalog version are known at once (a token that names its caller, SQLite),
   * it answers within the request event: waiting a microtask for each costs a few µs of a kept answer's ~50.
   */
  answer(request: IncomingMessage, response: ServerResponse): Answered | Promise<Answered> {
    if (request.method !== 'GET' || !this.options.cacheable(pathOf(request.url!)) || hasBody(request.headers)) return false;
    const ctx = this.options.auth.authenticate(request as IncomingMessage & { url: string; method: string });
    return ctx instanceof Promise ? ctx.then((known) => this.answerFor(request, response, known)) : this.answerFor(request, response, ctx);
  }

  private answerFor(request: IncomingMessage, response: ServerResponse, ctx: RequestContext | null): Answered | Promise<Answered> {
    if (!ctx) return false;
    const version = this.options.version();
    return typeof version === 'string' ? this.answerAt(request, response, ctx, version) : version.then((known) => this.answerAt(request, response, ctx, known));
  }

  private answerAt(request: IncomingMessage, response: ServerResponse, ctx: RequestContext, version: string): Answered {
    const answer = this.answers.get(keyOf(request, ctx), version);
    if (!answer) {
      this.missed.set(request, version);
      return false;
    }
    const id = newRequestId();
    const headers: string[] = [];
    for (const name of this.options.requestIdHeaders) headers.push(name, id);
    response.writeHead(200, headers.concat(answer.headers));
    response.end(answer.body);
    return answer.route;
  }

  /** The catalog version to answer the request for. */
  versionFor(request: FastifyRequest): Promise<string> | string {
    return this.missed.get(request.raw) ?? this.options.version();
  }

  /** The kept body for the request, for a route reached without the shortcut (e.g. while requests are logged). */
  kept(request: FastifyRequest, version: string): Buffer | undefined {
    // A request the shortcut already looked up has no kept answer.
    if (this.missed.has(request.raw)) return undefined;
    return this.answers.get(keyOf(request.raw, request.ctx!), version)?.body;
  }

  /** Sends a route's 200 JSON answer, computed at `version`, and keeps it for requests like this one. */
  sendJson(request: FastifyRequest, reply: FastifyReply, version: string, body: Buffer): FastifyReply {
    reply.header('content-type', 'application/json');
    const headers: string[] = [];
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value === undefined || this.options.requestIdHeaders.includes(name)) continue;
      for (const each of Array.isArray(value) ? value : [value]) headers.push(name, String(each));
    }
    headers.push('content-length', String(body.length));
    this.answers.put(keyOf(request.raw, request.ctx!), version, { headers, body, route: request.routeOptions.url ?? '' });
    return reply.send(body);
  }
}
