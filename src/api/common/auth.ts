/** Admitting a request to an API: its credentials become `request.ctx`, or it is refused with a 401. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInput, Authenticator, RequestContext } from '../../identity/context.js';
import { AUTHENTICATION_REQUIRED } from '../../identity/errors.js';
import { keystoneError } from './errors.js';
import { readsBody } from './http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set when the request was admitted. */
    ctx: RequestContext | null;
    /** Its credentials cover its body: admitted only once the body has arrived (see `admitCaller`). */
    awaitingBody: boolean;
  }
}

/** Answers a refused request; the request is not processed further. */
export type Refusal = (request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Authenticates the request; false (after `refuse` has answered) when its credentials are missing or bad. A
 * request whose credentials cover the body its route reads (a signed JSON body) passes on to have the body
 * read, marked `awaitingBody`; called again once the body is there, the body is authenticated with the rest.
 */
export function admitCaller(auth: Authenticator, request: FastifyRequest, reply: FastifyReply, refuse: Refusal): boolean | Promise<boolean> {
  const input: AuthInput = {
    method: request.method,
    url: request.url,
    headers: request.headers,
    // Only routes that read a body stream one (asking the route's options costs an object per request).
    streamsBody: readsBody(request.method) && request.routeOptions.config.streamsBody === true,
  };
  if (request.awaitingBody) {
    input.body = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
  } else if (readsBody(request.method) && auth.awaitsBody?.(input)) {
    request.awaitingBody = true;
    return true;
  }
  const settle = (ctx: RequestContext | null) => {
    request.ctx = ctx;
    if (ctx) return true;
    refuse(request, reply);
    return false;
  };
  const ctx = auth.authenticate(input);
  return ctx instanceof Promise ? ctx.then(settle) : settle(ctx);
}

/** keystonemiddleware's 401, which points the client at the identity service. */
export function keystoneChallenge(identityUri: (request: FastifyRequest) => string): Refusal {
  return (request, reply) => {
    const { contentType, body } = keystoneError(401, AUTHENTICATION_REQUIRED);
    reply
      .code(401)
      .header('WWW-Authenticate', `Keystone uri="${identityUri(request)}"`)
      .header('content-type', contentType)
      .send(Buffer.from(body));
  };
}
