/**
 * Where each service is reached, for links, `Location` headers, the identity catalog and
 * `WWW-Authenticate`: the configured public URL when there is one (Glint behind a proxy), else
 * the host name the client used with the service's own port.
 */
import { requestHostname, requestOrigin } from './http.js';

export type HttpRequestLike = { protocol: string; headers: { host?: string } };

/** The base URL of a service (no version segment, no trailing slash). */
export type ServiceUrl = (request: HttpRequestLike) => string;

export interface ServiceUrls {
  compute: ServiceUrl;
  image: ServiceUrl;
  identity: ServiceUrl;
}

/** A service's URL as seen from a request to another listener. */
export function serviceUrl(configured: string | undefined, port: () => number): ServiceUrl {
  if (configured) return () => configured;
  return (request) => `${request.protocol}://${requestHostname(request)}:${port()}`;
}

/** A listener's own URL, as the client addressed it unless one is configured. */
export function ownUrl(configured: string | undefined): ServiceUrl {
  return configured ? () => configured : requestOrigin;
}
