import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifier for Huawei Cloud's `SDK-HMAC-SHA256` request signing, matching the
 * signer of `@huaweicloud/huaweicloud-sdk-core` (auth/AKSKSigner.js). Canonical form:
 *
 *   METHOD \n CANONICAL_URI \n CANONICAL_QUERY \n (name:value \n)* \n SIGNED_HEADERS \n PAYLOAD_HASH
 *
 * signed with HMAC-SHA256(SK, "SDK-HMAC-SHA256\n" + X-Sdk-Date + "\n" + hex(sha256(canonical))).
 */

const ALGORITHM = 'SDK-HMAC-SHA256';
const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
// Node's legacy url.parse(), which the signer runs over the path before encoding it,
// escapes these although the WHATWG URL the HTTP client sends with leaves some as-is
// (notably `'`, which encodeURIComponent keeps in path parameters).
const LEGACY_AUTO_ESCAPED = /['"<>^`{|} ]/g;
// The signer orders the canonical header lines with localeCompare but the SignedHeaders
// list by code unit; they differ only around punctuation such as `_` vs `-`. Pinned to
// 'en' so the server's own locale cannot reorder them.
const HEADER_LINE_ORDER = new Intl.Collator('en');

export const EMPTY_PAYLOAD_HASH = sha256Hex('');

export type SdkAuthorization = { access: string; signedHeaders: string[]; signature: string };
export type SdkVerdict = 'ok' | 'malformed' | 'stale' | 'signature';
export type SdkHeaders = Record<string, string | string[] | undefined>;

export interface SdkRequest {
  method: string;
  /** Raw request-target (path plus optional `?query`) exactly as received. */
  url: string;
  headers: SdkHeaders;
  /** Hex sha256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
  secret: string;
  now: Date;
  maxSkewMs?: number;
}

export function parseSdkAuthorization(header: string | undefined): SdkAuthorization | null {
  const prefix = `${ALGORITHM} `;
  if (!header?.startsWith(prefix)) return null;
  const fields = parseFields(header.slice(prefix.length));
  const access = fields?.get('Access');
  const signature = fields?.get('Signature');
  const signedHeaders = fields?.get('SignedHeaders')?.split(';');
  if (fields?.size !== 3 || !access || !signature || !signedHeaders) return null;
  if (signedHeaders.includes('') || !/^[0-9a-fA-F]+$/.test(signature)) return null;
  return { access, signedHeaders, signature };
}

/**
 * The body hash the client declared in place of hashing the body, if any. The signature
 * covers only this declaration: a caller given a hex hash must still check the body matches.
 */
export function payloadHashOf(headers: SdkHeaders): string | null {
  const declared = headers['x-sdk-content-sha256'];
  return typeof declared === 'string' ? declared : null;
}

export function verifySdkRequest(input: SdkRequest): SdkVerdict {
  const auth = parseSdkAuthorization(single(input.headers.authorization));
  const date = single(input.headers['x-sdk-date']);
  const signedAt = date === undefined ? null : parseSdkDate(date);
  if (!auth || date === undefined || !signedAt) return 'malformed';
  if (Math.abs(input.now.getTime() - signedAt.getTime()) > (input.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return 'stale';
  }
  const canonical = canonicalRequest(input, auth.signedHeaders);
  if (canonical === null) return 'malformed';
  const stringToSign = [ALGORITHM, date, sha256Hex(canonical)].join('\n');
  const expected = createHmac('sha256', input.secret).update(stringToSign).digest('hex');
  return sameText(expected, auth.signature) ? 'ok' : 'signature';
}

function parseFields(text: string): Map<string, string> | null {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq < 0 || fields.has(name)) return null;
    fields.set(name, part.slice(eq + 1).trim());
  }
  return fields;
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseSdkDate(text: string): Date | null {
  const m = SDK_DATE.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 20240231 over into March; the round trip rejects such dates.
  return date.toISOString().startsWith(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`) ? date : null;
}

function canonicalRequest(input: SdkRequest, signedHeaders: string[]): string | null {
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-sdk-date')) return null;
  const headerLines = canonicalHeaders(input.headers, signedHeaders);
  const queryAt = input.url.indexOf('?');
  const path = queryAt < 0 ? input.url : input.url.slice(0, queryAt);
  const query = canonicalQuery(queryAt < 0 ? '' : input.url.slice(queryAt + 1));
  if (headerLines === null || query === null) return null;
  return [
    input.method,
    canonicalUri(path),
    query,
    headerLines,
    signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
}

function canonicalHeaders(headers: SdkHeaders, signedHeaders: string[]): string | null {
  let lines = '';
  for (const name of [...signedHeaders].sort(HEADER_LINE_ORDER.compare)) {
    const value = single(headers[name]);
    if (value === undefined) return null;
    lines += `${name}:${value}\n`;
  }
  return lines;
}

// Segments are encoded as received, so a percent-escape the client sent is encoded
// again (`%20` becomes `%2520`), just as the signer does with its already-escaped path.
function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => sdkEncode(segment.replace(LEGACY_AUTO_ESCAPED, percentEscape)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

// The signer sees the query as decoded parameters: names sorted, the values of a
// repeated name sorted, each re-encoded. `+` decodes to a space as the route's query
// parser reads it, so the signature covers the values the handler acts on.
function canonicalQuery(query: string): string | null {
  const params = new Map<string, string[]>();
  for (const pair of query.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const name = formDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = formDecode(eq < 0 ? '' : pair.slice(eq + 1));
    if (name === null || value === null) return null;
    params.set(name, [...(params.get(name) ?? []), value]);
  }
  return [...params]
    .sort(([a], [b]) => byCodeUnit(a, b))
    .flatMap(([name, values]) => values.sort(byCodeUnit).map((value) => `${sdkEncode(name)}=${sdkEncode(value)}`))
    .join('&');
}

// Array.prototype.sort's default order, which the signer uses for names and values.
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function formDecode(text: string): string | null {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

// RFC 3986 unreserved characters only: the signer also escapes ! ' ( ) *.
function sdkEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, percentEscape);
}

function percentEscape(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
