/**
 * The one place that builds links: per-image self/bookmark/alternate links, server links and
 * next-page links, following `nova/api/openstack/common.py` ViewBuilder.
 */

export interface LinkBase {
  /** scheme://host[:port] of the API as the client reached it (or as configured). */
  origin: string;
  /** `/v2.1` or `/v2`: the version segment the request used. */
  versionPrefix: string;
  /** `/<project_id>` when the request URL carried one, else empty. */
  projectSegment: string;
  /** The image API's endpoint, without any version segment. */
  imageEndpoint: string;
  /** Huawei's documented form puts the project into the alternate link too. */
  alternateWithProject: boolean;
}

export interface LinkPrefixes {
  self: string;
  bookmark: string;
  alternate: string;
  /** Server links, for images taken from a server. */
  serverSelf: string;
  serverBookmark: string;
}

/** Prefixes to which an image or server id is appended; the same for every image of a request. */
export function linkPrefixes(base: LinkBase): LinkPrefixes {
  const p = base.projectSegment;
  return {
    self: `${base.origin}${base.versionPrefix}${p}/images/`,
    bookmark: `${base.origin}${p}/images/`,
    alternate: `${base.imageEndpoint}${base.alternateWithProject ? p : ''}/images/`,
    serverSelf: `${base.origin}${base.versionPrefix}${p}/servers/`,
    serverBookmark: `${base.origin}${p}/servers/`,
  };
}

/** Python's `urllib.parse.quote_plus`: everything but `A-Za-z0-9_.-~` is escaped, space becomes `+`. */
export function quotePlus(text: string): string {
  if (/^[A-Za-z0-9_.~-]*$/.test(text)) return text;
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * The next-page link: the request's parameters sorted by name (one value each, as Python's
 * `OrderedDict(sorted(params.items()))` keeps them), with `marker` replaced or appended last.
 */
export function nextLink(base: LinkBase, collectionPath: string, params: Iterable<[string, string]>, marker: string): string {
  const sorted = [...params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const merged = new Map<string, string>();
  for (const [key, value] of sorted) merged.set(key, value);
  merged.set('marker', marker);
  const query = [...merged].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
  return `${base.origin}${base.versionPrefix}${base.projectSegment}${collectionPath}?${query}`;
}
