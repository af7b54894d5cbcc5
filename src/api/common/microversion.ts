/**
 * Compute microversions (`nova/api/openstack/api_version_request.py`, microversion-parse):
 * the standard header names a service, the legacy one does not; the standard one wins.
 */
import type { Version } from '../../profile.js';
import { ApiError } from './errors.js';

export type { Version };

export const MIN_COMPUTE_VERSION: Version = { major: 2, minor: 1 };

export function parseVersion(text: string): Version | null {
  const m = /^([1-9]\d*)\.([1-9]\d*|0)$/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor;
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}`;
}

/** The version headers every v2.1 response carries, for the version actually used. */
export function versionHeaders(v: Version): Record<string, string> {
  const text = formatVersion(v);
  return { 'OpenStack-API-Version': `compute ${text}`, 'X-OpenStack-Nova-API-Version': text };
}

export const VERSION_VARY = ['OpenStack-API-Version', 'X-OpenStack-Nova-API-Version'];

/**
 * White space as Python's str.split()/strip() see it in a Latin-1 header value: ASCII's, the separators
 * U+001C-U+001F, U+0085 and U+00A0. Header values are read character by character, never by a regular
 * expression: a client controls up to the header size limit of them, and scanning stays linear in it.
 */
function isPySpace(code: number): boolean {
  return (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x20) || code === 0x85 || code === 0xa0;
}

/** Python's str.strip(). */
function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpace(text.charCodeAt(start))) start++;
  while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Python's str.split(None, 1) of stripped text, when it splits in two: the service and its version. */
function serviceAndVersion(item: string): [string, string] | null {
  let end = 0;
  while (end < item.length && !isPySpace(item.charCodeAt(end))) end++;
  if (end === item.length) return null;
  let version = end;
  while (isPySpace(item.charCodeAt(version))) version++;
  return [item.slice(0, end), item.slice(version)];
}

/**
 * microversion-parse's `get_version`: repeated headers arrive joined by commas; the last compute
 * entry of the standard header wins, else the last value of the legacy header, which is taken whole.
 */
function requestedVersion(headers: Record<string, string | string[] | undefined>): string | undefined {
  const standard = headers['openstack-api-version'];
  if (standard !== undefined) {
    for (const item of String(standard).split(',').reverse()) {
      const entry = serviceAndVersion(pyStrip(item));
      if (entry?.[0].toLowerCase() === 'compute') return entry[1];
    }
  }
  const legacy = headers['x-openstack-nova-api-version'];
  return legacy === undefined ? undefined : pyStrip(String(legacy).split(',').pop()!);
}

/**
 * The version a request asks for. A malformed version is a 400 without version headers; a
 * well-formed one outside [2.1, max] is a 406 that carries them, as the reference answers.
 */
export function negotiateVersion(headers: Record<string, string | string[] | undefined>, max: Version): Version {
  const text = requestedVersion(headers);
  if (text === undefined) return MIN_COMPUTE_VERSION;
  if (text === 'latest') return max;
  const version = parseVersion(text);
  if (!version) {
    throw new ApiError(400, `API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`);
  }
  if (compareVersions(version, MIN_COMPUTE_VERSION) < 0 || compareVersions(version, max) > 0) {
    throw new ApiError(
      406,
      `Version ${formatVersion(version)} is not supported by the API. Minimum is ${formatVersion(MIN_COMPUTE_VERSION)} and maximum is ${formatVersion(max)}.`,
      { ...versionHeaders(version) },
    );
  }
  return version;
}

