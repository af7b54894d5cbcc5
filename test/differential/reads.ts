/** The read kinds: lists with random filters, sorts and pages in both APIs, shows, members, metadata, data, schemas. */
import { PROPERTY_VALUES, type Call, type World } from './catalog.js';
import type { Kind } from './kinds.js';
import type { Random } from './random.js';
import {
  anyCaller, containerFormat, diskFormat, hashOf, imageRef, intText, listOf, minText, name, propertyKey, propertyValue,
  sizeText, tag, timeText, withOperator,
} from './values.js';

type Param = [string, string];
type ParamMaker = (r: Random, w: World) => Param[];

const one = (key: string, value: (r: Random, w: World) => string): ParamMaker => (r, w) => [[key, value(r, w)]];

const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'];
const sortKey = (r: Random) => (r.chance(0.92) ? r.pick(SORT_KEYS) : r.pick(['owner', 'min_ram', ' name', 'visibility']));
const sortDir = (r: Random) => (r.chance(0.92) ? r.pick(['asc', 'desc']) : r.pick(['up', 'ASC', '']));
const TIME_OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'];

/** The image service's list parameters, each with the values worth trying. */
const GLANCE_PARAMS: [ParamMaker, number][] = [
  [one('name', (r) => listOf(r, [name(r), name(r)])), 3],
  [one('status', (r) => listOf(r, [r.pick(['active', 'queued', 'deactivated', 'deleted', 'killed', 'ACTIVE']), 'active'])), 3],
  [one('visibility', (r) => r.pick(['public', 'private', 'shared', 'community', 'all', 'all', 'bogus'])), 4],
  [one('member_status', (r) => r.pick(['pending', 'accepted', 'rejected', 'all', 'all', 'bogus'])), 3],
  [one('os_hidden', (r) => r.pick(['true', 'false', 'True', 'yes'])), 2],
  [one('protected', (r) => r.pick(['true', 'false', 'True', '1'])), 1],
  [(r) => r.some(['tag', 'tag'], 2).map(() => ['tag', tag(r)] as Param), 3],
  [one('size_min', sizeText), 2],
  [one('size_max', sizeText), 2],
  [one('size', sizeText), 2],
  [one('min_ram', minText), 2],
  [one('min_disk', minText), 2],
  [one('disk_format', (r) => listOf(r, [diskFormat(r), diskFormat(r)])), 2],
  [one('container_format', (r) => listOf(r, [containerFormat(r), containerFormat(r)])), 2],
  [one('owner', (r, w) => r.pick([...w.projects, w.admin, 'nobody'])), 2],
  [one('checksum', (r, w) => hashOf(r, w, 'md5')), 1],
  [one('os_hash_value', (r, w) => hashOf(r, w, 'sha512')), 1],
  [one('os_hash_algo', (r) => r.pick(['sha512', 'md5'])), 1],
  [one('id', (r, w) => listOf(r, [imageRef(r, w), imageRef(r, w)])), 1],
  [one('created_at', (r, w) => withOperator(r, timeText(r, w), TIME_OPS)), 3],
  [one('updated_at', (r, w) => withOperator(r, timeText(r, w), TIME_OPS)), 3],
  [(r) => {
    const key = propertyKey(r);
    return [[key, propertyValue(r, key)]];
  }, 3],
  [one('changes-since', timeText), 1],
  [one('limit', (r) => intText(r, [1, 2, 3, 5, 10, 25, 1000, 1001])), 6],
  [one('marker', imageRef), 5],
  [(r) => r.some(['k', 'k', 'k'], 3).map(() => ['sort_key', sortKey(r)] as Param), 4],
  [(r) => r.some(['d', 'd'], 2).map(() => ['sort_dir', sortDir(r)] as Param), 3],
  [one('sort', (r) => r.some(['k', 'k', 'k'], 3).map(() => (r.chance(0.7) ? `${sortKey(r)}:${sortDir(r)}` : sortKey(r))).join(',')), 3],
];

/** The compute API's list parameters. */
const COMPUTE_PARAMS: [ParamMaker, number][] = [
  [one('name', name), 3],
  [one('status', (r) => r.pick(['ACTIVE', 'active', 'SAVING', 'queued', 'deactivated', 'DELETED', 'bogus'])), 3],
  [one('changes-since', timeText), 3],
  [one('minRam', minText), 2],
  [one('minDisk', minText), 2],
  [one('type', (r) => propertyValue(r, 'image_type')), 2],
  [one('server', (r, w) => {
    const servers = w.images.map((i) => i.create.instance_uuid).filter((s): s is string => typeof s === 'string');
    const id = servers.length && r.chance(0.8) ? r.pick(servers) : r.uuid();
    return r.chance(0.3) ? `http://127.0.0.1/servers/${id}` : id;
  }), 2],
  [(r) => {
    const key = r.pick([...Object.keys(PROPERTY_VALUES), 'touched']);
    return [[`property-${key}`, propertyValue(r, key)]];
  }, 2],
  [one('limit', (r) => intText(r, [1, 2, 3, 5, 10, 1000])), 5],
  [one('marker', imageRef), 4],
  [one('page_size', (r) => intText(r, [2, 5])), 1],
  [one('offset', (r) => intText(r, [1, 3])), 1],
  [one('sort_key', sortKey), 1],
];

function query(r: Random, w: World, makers: [ParamMaker, number][], most: number): string {
  const params: Param[] = [];
  const count = r.int(0, most);
  for (let i = 0; i < count; i++) params.push(...r.weighted(makers)(r, w));
  if (!params.length) return '';
  return `?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

/** The compute API's URL for the caller's project; now and then another project's, which it refuses. */
function computeBase(r: Random, w: World, project: string): string {
  return `/v2.1/${r.chance(0.03) ? r.pick(w.projects) : project}`;
}

const image = (path: string, caller: Call['caller']): Call => ({ api: 'image', method: 'GET', path, caller });
const compute = (path: string, caller: Call['caller']): Call => ({ api: 'compute', method: 'GET', path, caller });

export const READ_KINDS: Kind[] = [
  {
    name: 'image list',
    phase: 'read',
    weight: 30,
    make: (r, w) => [image(`/v2/images${query(r, w, GLANCE_PARAMS, 4)}`, anyCaller(r, w))],
  },
  {
    name: 'compute list',
    phase: 'read',
    weight: 20,
    make: (r, w) => {
      const caller = anyCaller(r, w);
      const view = r.pick(['/images', '/images/detail']);
      return [compute(`${computeBase(r, w, caller.project)}${view}${query(r, w, COMPUTE_PARAMS, 3)}`, caller)];
    },
  },
  {
    name: 'image show',
    phase: 'read',
    weight: 8,
    make: (r, w) => [image(`/v2/images/${imageRef(r, w)}`, anyCaller(r, w))],
  },
  {
    name: 'compute show',
    phase: 'read',
    weight: 6,
    make: (r, w) => {
      const caller = anyCaller(r, w);
      return [compute(`${computeBase(r, w, caller.project)}/images/${imageRef(r, w)}`, caller)];
    },
  },
  {
    name: 'compute metadata read',
    phase: 'read',
    weight: 6,
    make: (r, w) => {
      const caller = anyCaller(r, w);
      const key = r.chance(0.5) ? `/${encodeURIComponent(propertyKey(r))}` : '';
      return [compute(`${computeBase(r, w, caller.project)}/images/${imageRef(r, w)}/metadata${key}`, caller)];
    },
  },
  {
    name: 'members read',
    phase: 'read',
    weight: 6,
    make: (r, w) => {
      const member = r.chance(0.5) ? `/${r.pick([...w.projects, w.admin, 'nobody'])}` : '';
      return [image(`/v2/images/${imageRef(r, w)}/members${member}`, anyCaller(r, w))];
    },
  },
  {
    name: 'image data',
    phase: 'read',
    weight: 3,
    make: (r, w) => {
      const call = image(`/v2/images/${imageRef(r, w)}/file`, anyCaller(r, w));
      if (r.chance(0.3)) call.headers = { Range: r.pick(['bytes=0-3', 'bytes=2-', 'bytes=-4', 'bytes=5000-6000', 'bytes=x']) };
      return [call];
    },
  },
  {
    name: 'schemas',
    phase: 'read',
    weight: 1,
    make: (r, w) => [image(`/v2/schemas/${r.pick(['image', 'images', 'member', 'members'])}`, anyCaller(r, w))],
  },
  {
    name: 'metadefs read',
    phase: 'read',
    weight: 6,
    probe: { path: '/v2/metadefs/namespaces' },
    make: (r, w) => {
      const namespace = r.pick(['OS::Compute::Hypervisor', 'OS::Glance::CommonImageProperties', 'OS::Compute::Watchdog', 'nope']);
      const path = r.pick([
        '/v2/metadefs/namespaces',
        `/v2/metadefs/namespaces?${r.pick(['limit=3', 'visibility=public', 'resource_types=OS::Glance::Image', 'sort_key=namespace&sort_dir=asc', 'limit=x'])}`,
        `/v2/metadefs/namespaces/${namespace}`,
        `/v2/metadefs/namespaces/${namespace}/objects`,
        `/v2/metadefs/namespaces/${namespace}/properties`,
        `/v2/metadefs/namespaces/${namespace}/tags`,
        '/v2/metadefs/resource_types',
        `/v2/schemas/metadefs/${r.pick(['namespace', 'namespaces', 'object', 'property', 'tag', 'resource_type'])}`,
      ]);
      return [image(path, anyCaller(r, w))];
    },
  },
];
