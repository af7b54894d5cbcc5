/** The compute API's version documents (`nova/api/openstack/compute/versions.py`). */
import { formatVersion, MIN_COMPUTE_VERSION, type Version } from '../common/microversion.js';

const DESCRIBED_BY = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

function versions(origin: string, max: Version) {
  return {
    v2: {
      id: 'v2.0',
      status: 'SUPPORTED',
      version: '',
      min_version: '',
      updated: '2011-01-21T11:33:21Z',
      self: `${origin}/v2/`,
      mediaType: 'application/vnd.openstack.compute+json;version=2',
    },
    v21: {
      id: 'v2.1',
      status: 'CURRENT',
      version: formatVersion(max),
      min_version: formatVersion(MIN_COMPUTE_VERSION),
      updated: '2013-07-23T11:33:21Z',
      self: `${origin}/v2.1/`,
      mediaType: 'application/vnd.openstack.compute+json;version=2.1',
    },
  };
}

type VersionEntry = ReturnType<typeof versions>['v2'];

function summary(v: VersionEntry) {
  return { id: v.id, status: v.status, version: v.version, min_version: v.min_version, updated: v.updated, links: [{ rel: 'self', href: v.self }] };
}

function document(v: VersionEntry) {
  return {
    version: {
      ...summary(v),
      links: [{ rel: 'self', href: v.self }, DESCRIBED_BY],
      'media-types': [{ base: 'application/json', type: v.mediaType }],
    },
  };
}

/** `GET /`: every version. */
export function versionList(origin: string, max: Version) {
  const { v2, v21 } = versions(origin, max);
  return { versions: [summary(v2), summary(v21)] };
}

/** `GET /v2` or `GET /v2.1`: one version in detail. */
export function versionDocument(origin: string, max: Version, which: 'v2' | 'v21') {
  return document(versions(origin, max)[which]);
}

/** Any other path of the root application: 300 with each version's link to that path. */
export function multipleChoices(origin: string, max: Version, path: string) {
  const { v2, v21 } = versions(origin, max);
  return {
    choices: [v2, v21].map((v) => ({
      id: v.id,
      status: v.status,
      links: [{ rel: 'self', href: `${v.self.slice(0, -1)}${path}` }],
      'media-types': [{ base: 'application/json', type: v.mediaType }],
    })),
  };
}
