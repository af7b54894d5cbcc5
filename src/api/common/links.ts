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

export interface ImageLinkPrefixes {
  self: string;
  bookmark: string;
  alternate: string;
}

/** Prefixes to which an image id is appended; computed once per request, used for every image. */
export function imageLinkPrefixes(base: LinkBase): ImageLinkPrefixes {
  const p = base.projectSegment;
  return {
    self: `${base.origin}${base.versionPrefix}${p}/images/`,
    bookmark: `${base.origin}${p}/images/`,
    alternate: `${base.imageEndpoint}${base.alternateWithProject ? p : ''}/images/`,
  };
}

export function serverLinks(base: LinkBase, serverId: string): Array<{ rel: string; href: string }> {
  const p = base.projectSegment;
  return [
    { rel: 'self', href: `${base.origin}${base.versionPrefix}${p}/servers/${serverId}` },
    { rel: 'bookmark', href: `${base.origin}${p}/servers/${serverId}` },
  ];
}

/** Python's `urllib.parse.quote_plus`: everything but `A-Za-z0-9_.-~` is escaped, space becomes `+`. */
export function quotePlus(text: string): string {
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
