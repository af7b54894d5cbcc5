/** Who is asking: the result of authenticating a request, used by every catalog rule. */

export interface RequestContext {
  userId: string;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

/** A request's headers by lower-case name, a repeated one as a list (as Node's HTTP server gives them). */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/** What authentication looks at: the request line and headers, and the body once it has arrived. */
export interface AuthInput {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: RequestHeaders;
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
export function hasBody(headers: RequestHeaders): boolean {
  const length = firstHeader(headers, 'content-length');
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

/** A request header's value, the first one if it was sent twice. */
export function firstHeader(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export const authToken = (headers: RequestHeaders) => firstHeader(headers, 'x-auth-token');
