/**
 * A web-download URI read as the reference reads it (Python's `urllib.parse.urlsplit`, then `hostname` and
 * `port`), not as a WHATWG parser would: that one turns `http://2130706433/` into `http://127.0.0.1/`, which
 * the reference refuses as an encoded address.
 */

export interface ExternalUri {
  /** Lower case; empty when the text has none. */
  scheme: string;
  /** The authority as written (`user@host:port`), empty when there is none. */
  netloc: string;
  /** Lower case, IPv6 without its brackets; null when there is none. */
  hostname: string | null;
  /** The port written, null when none is. */
  port: number | null;
  /** What is asked of the host: the path (`/` when empty) and the query, without the fragment. */
  target: string;
}

export class UriError extends Error {}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const TAB_OR_NEWLINE = /[\t\r\n]/g;

/** Python strips C0 controls and spaces from the start (`_WHATWG_C0_CONTROL_OR_SPACE`). */
function stripLeading(text: string): string {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 0x20) start++;
  return text.slice(start);
}

export function parseExternalUri(text: string): ExternalUri {
  let rest = stripLeading(text).replace(TAB_OR_NEWLINE, '');
  let scheme = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && SCHEME.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? '' : rest.slice(end + 2);
    if (netloc.includes('[') !== netloc.includes(']')) throw new UriError('Invalid IPv6 URL');
  }
  const hash = rest.indexOf('#');
  const target = hash < 0 ? rest : rest.slice(0, hash);
  const { hostname, port } = hostInfo(netloc);
  return { scheme, netloc, hostname, port, target: target.startsWith('/') ? target : `/${target}` };
}

/** Python's `SplitResult._hostinfo`, `hostname` and `port`. */
function hostInfo(netloc: string): { hostname: string | null; port: number | null } {
  const info = netloc.slice(netloc.lastIndexOf('@') + 1);
  let host: string;
  let port: string;
  const open = info.indexOf('[');
  if (open >= 0) {
    const close = info.indexOf(']', open);
    host = info.slice(open + 1, close);
    const after = info.slice(close + 1);
    port = after.includes(':') ? after.slice(after.indexOf(':') + 1) : '';
  } else {
    const at = info.indexOf(':');
    host = at < 0 ? info : info.slice(0, at);
    port = at < 0 ? '' : info.slice(at + 1);
  }
  if (port !== '' && !/^[0-9]+$/.test(port)) throw new UriError(`Port could not be cast to integer value as '${port}'`);
  const number = port === '' ? null : Number(port);
  if (number !== null && number > 65535) throw new UriError('Port out of range 0-65535');
  return { hostname: host === '' ? null : host.toLowerCase(), port: number };
}

/** The Host header a request for the URI sends: its authority without credentials. */
export function hostHeader(uri: ExternalUri): string {
  return uri.netloc.slice(uri.netloc.lastIndexOf('@') + 1);
}

/**
 * Where a redirect's Location leads from `base` (`urljoin`): an absolute URI as it is, one without a scheme
 * under the base's, a path under the base's authority. Characters a request line cannot carry are escaped,
 * as urllib's redirect handler quotes them.
 */
export function redirectTarget(base: string, location: string): string {
  const quoted = location.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
  const colon = quoted.indexOf(':');
  if (colon > 0 && SCHEME.test(quoted.slice(0, colon))) return quoted;
  const from = parseExternalUri(base);
  if (quoted.startsWith('//')) return `${from.scheme}:${quoted}`;
  // Resolved on a placeholder origin, so only the path is resolved: the base's authority stays as written.
  const resolved = new URL(quoted, `http://placeholder${from.target}`);
  return `${from.scheme}://${from.netloc}${resolved.pathname}${resolved.search}`;
}
