/** Who is asking: the result of authenticating a request, used by every catalog rule. */
import type { IncomingHttpHeaders } from 'node:http';

export interface RequestContext {
  userId: string;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

/** What authentication looks at: the request line and headers, and the body once it has arrived. */
export interface AuthInput {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body, read whole, when authentication waited for it (see `awaitsBody`). */
  body?: Uint8Array;
  /** The body is consumed as it arrives (image data), never read whole first. */
  streamsBody?: boolean;
}

/** Turns a request's credentials into a context, or null when they are missing or not acceptable. */
export interface Authenticator {
  authenticate(request: AuthInput): RequestContext | null | Promise<RequestContext | null>;
  /** True when the credentials cover the body, so they can be checked only once it has all arrived (`body`). */
  awaitsBody?(request: AuthInput): boolean;
}

/** Whether a request sends a body (of any length but zero). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = firstHeader(headers, 'content-length');
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

/** A request header's value, the first one if it was sent twice. */
export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export const authToken = (headers: IncomingHttpHeaders) => firstHeader(headers, 'x-auth-token');
