/** Who is asking: the result of authenticating a request, used by every catalog rule. */
import type { IncomingHttpHeaders } from 'node:http';

export interface RequestContext {
  userId: string;
  projectId: string;
  roles: string[];
  isAdmin: boolean;
}

/** What authentication looks at: the request line and headers (never the body, which has not arrived yet). */
export interface AuthInput {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
}

/** Turns a request's credentials into a context, or null when they are missing or not acceptable. */
export interface Authenticator {
  authenticate(request: AuthInput): RequestContext | null | Promise<RequestContext | null>;
}

/** A request header's value, the first one if it was sent twice. */
export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export const authToken = (headers: IncomingHttpHeaders) => firstHeader(headers, 'x-auth-token');
