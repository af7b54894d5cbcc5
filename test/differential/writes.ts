/**
 * The write kinds: a scenario on a fresh image, created with a random (sometimes invalid) body, then changed by
 * its owner, an admin, a member project and another project: patches, tags, members, compute metadata, data,
 * deactivation and deletion, with reads between that show what each write left.
 */
import { admin, dataOf, PROPERTY_VALUES, SIZES, userOf, type Call, type Caller, type World } from './catalog.js';
import type { Json } from '../conformance/replay.js';
import type { Kind } from './kinds.js';
import type { Random } from './random.js';
import { containerFormat, diskFormat, imageRef, name, propertyKey, propertyValue, tag } from './values.js';

interface Scene {
  id: string;
  owner: Caller;
  /** A project the owner shares the image with (or tries to). */
  member: Caller;
  other: Caller;
}

const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';

function someCaller(r: Random, s: Scene): Caller {
  return r.weighted([[s.owner, 6], [admin, 2], [s.member, 2], [s.other, 2]] as const);
}

const long = (n: number) => 'x'.repeat(n);

/** Attribute values a create or a patch may carry: valid ones mostly, and each schema rule broken now and then. */
const ATTRIBUTE_VALUES: Record<string, (r: Random, w: World) => Json> = {
  name: (r) => r.weighted<() => Json>([[() => name(r), 8], [() => null, 1], [() => long(256), 1], [() => 5, 1], [() => 'smile 😀', 1]])(),
  visibility: (r) => r.pick(['private', 'shared', 'shared', 'community', 'public', 'bogus', null]),
  min_ram: (r) => r.pick([0, 512, 1024, -1, '512', 2 ** 31, 1.5]),
  min_disk: (r) => r.pick([0, 10, -5, 'x', 2 ** 31 - 1]),
  protected: (r) => r.pick([false, false, true, 'yes', null]),
  os_hidden: (r) => r.pick([false, true, 'no']),
  disk_format: (r) => (r.chance(0.85) ? diskFormat(r) : r.pick([null, 7])),
  container_format: (r) => (r.chance(0.85) ? containerFormat(r) : r.pick([null, 7])),
  owner: (r, w) => r.pick([...w.projects, long(256), null]),
  tags: (r) => r.weighted<() => Json>([[() => r.some(['prod', 'gpu', 'ütf-tag', 'a b'], 3), 6], [() => 'prod', 1], [() => [long(256)], 1], [() => [5], 1]])(),
  kernel_id: (r, w) => r.pick([r.pick(w.images).id, r.uuid(), 'not-a-uuid', null, 5]),
  ramdisk_id: (r, w) => r.pick([r.pick(w.images).id, 'bad', null]),
  cinder_encryption_key_deletion_policy: (r) => r.pick(['on_image_deletion', 'do_not_delete', 'bogus']),
  instance_uuid: (r) => r.pick([r.uuid(), 5]),
  os_distro: (r) => propertyValue(r, 'os_distro'),
  'x-team': (r) => r.pick(['red', 'blue', 7, long(300)]),
  description: (r) => (r.chance(0.9) ? propertyValue(r, 'description') : 'smile 😀'),
};
/** Attributes no client may write, or names the image service keeps for itself. */
const FORBIDDEN_VALUES: Record<string, (r: Random) => Json> = {
  status: (r) => r.pick(['active', 'queued']),
  size: () => 5,
  checksum: () => 'abc',
  virtual_size: () => 10,
  created_at: () => '2020-01-01T00:00:00Z',
  self: () => '/x',
  location: () => 'http://x',
  locations: () => [],
  os_glance_import_task: () => 'x',
  deleted: () => true,
  os_hash_algo: () => 'sha512',
};

function createBody(r: Random, w: World, s: Scene): Record<string, Json> {
  const body: Record<string, Json> = { id: s.id };
  for (const key of ['name', 'disk_format', 'container_format']) if (r.chance(0.7)) body[key] = ATTRIBUTE_VALUES[key](r, w);
  if (r.chance(0.4)) body.visibility = r.pick(['private', 'shared', 'community', 'public']);
  for (const key of r.some(['min_ram', 'min_disk', 'tags', 'os_distro', 'description', 'instance_uuid', 'kernel_id'], 3)) {
    body[key] = ATTRIBUTE_VALUES[key](r, w);
  }
  // Most creates keep to the schema; the others break one or more rules.
  const broken = r.weighted([[0, 14], [1, 4], [2, 2]] as const);
  for (let i = 0; i < broken; i++) {
    if (r.chance(0.6)) {
      const key = r.pick(Object.keys(ATTRIBUTE_VALUES));
      body[key] = ATTRIBUTE_VALUES[key](r, w);
    } else {
      const key = r.pick(Object.keys(FORBIDDEN_VALUES));
      body[key] = FORBIDDEN_VALUES[key](r);
    }
  }
  if (r.chance(0.03)) body.id = r.pick(['not-a-uuid', r.pick(w.images).id]);
  return body;
}

const PATCH_PATHS = [
  ...Object.keys(ATTRIBUTE_VALUES).map((key) => [key, 6] as const),
  ...Object.keys(FORBIDDEN_VALUES).map((key) => [key, 1] as const),
  ['touched', 3], ['a~1b', 1], ['deep/path', 1],
] as const;

/** Operations the patch deserializer refuses, each for its own reason, and pointers it reads in its own way. */
function oddOp(r: Random): Json {
  return r.pick<Json>([
    { path: '/name', value: 'x' },
    { op: null, path: '/name', value: 'x' },
    { op: 5, path: '/name', value: 'x' },
    { op: 'test', path: '/name', value: 'x' },
    { op: 'add', value: 'x' },
    { op: 'add', path: '/name' },
    { op: 'add', path: '//name', value: 'double' },
    { op: 'add', path: '/a//b', value: 'x' },
    { op: 'add', path: '/a/', value: 'x' },
    { op: 'add', path: '/a/b', value: 'x' },
    { op: 'add', path: '/~2', value: 'x' },
    { op: 'add', path: '/ spaced ', value: 'x' },
    { op: 'add', path: '/tags/-', value: 'prod' },
    { op: 'add', path: '/locations', value: [] },
    { op: 'add', path: '/locations/0', value: { url: 'http://example.com/x', metadata: {} } },
    { op: 'add', path: '/locations/0', value: { url: 5 } },
    { op: 'remove', path: '/locations/0' },
    { op: 'replace', path: '/locations', value: [] },
    { op: 'replace', path: '/locations', value: [{ url: 'http://example.com/x', metadata: {} }] },
    { op: 'add', path: '/description', value: 'smile 😀' },
    { op: 'add', path: '/name', value: 'smile 😀' },
    { op: 'replace', path: '/container_format', value: 'bare' },
    'not an object',
  ]);
}

function patchOp(r: Random, w: World): Json {
  if (r.chance(0.08)) return oddOp(r);
  const key = r.weighted(PATCH_PATHS);
  const op = r.weighted([['add', 4], ['replace', 4], ['remove', 2], ['move', 1]] as const);
  const path = r.chance(0.97) ? `/${key}` : key;
  const value = key in ATTRIBUTE_VALUES ? ATTRIBUTE_VALUES[key](r, w) : key in FORBIDDEN_VALUES ? FORBIDDEN_VALUES[key](r) : r.pick(['yes', 'no']);
  return op === 'remove' ? { op, path } : { op, path, value };
}

function patchCall(r: Random, w: World, s: Scene): Call {
  const ops = Array.from({ length: r.int(1, 3) }, () => patchOp(r, w));
  const call: Call = { api: 'image', method: 'PATCH', path: `/v2/images/${s.id}`, caller: someCaller(r, s), json: ops, contentType: PATCH_V21 };
  if (r.chance(0.1)) {
    call.contentType = PATCH_V20;
    call.json = ops.map((op) => {
      const { op: verb, path, value } = op as { op: unknown; path?: Json; value?: Json };
      const v20 = { [typeof verb === 'string' ? verb : 'add']: path, value };
      return Object.fromEntries(Object.entries(v20).filter((entry): entry is [string, Json] => entry[1] !== undefined));
    });
  }
  if (r.chance(0.03)) call.contentType = 'application/json';
  return call;
}

/** Compute metadata keys: properties, schema-checked ones, base attributes' names and keys the schema refuses. */
function metadataKey(r: Random): string {
  return r.weighted([
    [r.pick(['os_distro', 'x-team', 'touched', 'hw_disk_bus']), 6],
    [r.pick(['kernel_id', 'ramdisk_id', 'cinder_encryption_key_deletion_policy', 'instance_uuid']), 3],
    [r.pick(['min_ram', 'name', 'visibility', 'status']), 1],
    [r.pick(['bad key!', '']), 1],
  ] as const);
}

function metadataValue(r: Random, w: World, key: string): Json {
  if (key === 'kernel_id' || key === 'ramdisk_id') return r.pick([r.pick(w.images).id, 'not-a-uuid']);
  if (key === 'cinder_encryption_key_deletion_policy') return r.pick(['do_not_delete', 'bogus']);
  return r.weighted<() => Json>([
    [() => propertyValue(r, key in PROPERTY_VALUES ? key : 'x-team'), 8], [() => long(256), 1], [() => 5, 1], [() => 'smile 😀', 1], [() => 'none', 1],
  ])();
}

function metadataObject(r: Random, w: World, most: number): Record<string, Json> {
  const metadata: Record<string, Json> = {};
  for (let i = r.int(most > 1 ? 0 : 1, most); i > 0; i--) {
    const key = metadataKey(r);
    metadata[key] = metadataValue(r, w, key);
  }
  return metadata;
}

function computeCall(s: Scene, caller: Caller, method: Call['method'], rest: string, json?: Json): Call {
  return { api: 'compute', method, path: `/v2.1/${caller.project}/images/${s.id}${rest}`, caller, ...(json === undefined ? {} : { json }) };
}

/** One step of a scenario after the create. */
function step(r: Random, w: World, s: Scene): Call {
  const path = `/v2/images/${s.id}`;
  const caller = someCaller(r, s);
  const glance = (method: Call['method'], rest = '', json?: Json): Call => ({
    api: 'image', method, path: `${path}${rest}`, caller, ...(json === undefined ? {} : { json }),
  });
  const memberId = () => r.weighted([[s.member.project, 6], [s.other.project, 2], [s.owner.project, 1], ['nobody', 1]] as const);
  return r.weighted<() => Call>([
    [() => patchCall(r, w, s), 8],
    [() => glance('PUT', `/tags/${encodeURIComponent(tag(r))}`), 4],
    [() => glance('DELETE', `/tags/${encodeURIComponent(tag(r))}`), 2],
    [() => glance('POST', '/members', r.chance(0.95) ? { member: memberId() } : r.pick<Json>([{}, { member: '' }, { member: 5 }, []])), 5],
    [() => glance('PUT', `/members/${memberId()}`, { status: r.pick(['accepted', 'rejected', 'pending', 'bogus']) }), 4],
    [() => glance('DELETE', `/members/${memberId()}`), 2],
    [() => glance('GET', `/members${r.chance(0.5) ? `/${memberId()}` : ''}`), 2],
    [() => computeCall(s, caller, 'POST', '/metadata', { metadata: metadataObject(r, w, 3) }), 4],
    [() => computeCall(s, caller, 'PUT', '/metadata', { metadata: metadataObject(r, w, 3) }), 2],
    [() => {
      const key = metadataKey(r);
      const meta = r.chance(0.9) ? { [key]: metadataValue(r, w, key) } : { [key]: 'v', other: 'w' };
      return computeCall(s, caller, 'PUT', `/metadata/${encodeURIComponent(r.chance(0.9) ? key : 'mismatch')}`, { meta });
    }, 3],
    [() => computeCall(s, caller, 'DELETE', `/metadata/${encodeURIComponent(metadataKey(r))}`), 2],
    [() => computeCall(s, caller, 'GET', r.pick(['', '/metadata'])), 3],
    [() => {
      const call = glance('PUT', '/file');
      call.bytes = dataOf(r.pick(SIZES), r.int(0, 255));
      call.contentType = r.chance(0.95) ? 'application/octet-stream' : 'application/json';
      return call;
    }, 4],
    [() => glance('POST', `/actions/${r.pick(['deactivate', 'reactivate'])}`), 3],
    [() => glance('GET'), 4],
    [() => (r.chance(0.5) ? glance('DELETE') : computeCall(s, caller, 'DELETE', '')), 1],
  ])();
}

export const WRITE_KINDS: Kind[] = [
  {
    name: 'write scenario',
    phase: 'write',
    weight: 8,
    make: (r, w) => {
      const [owner, member, other] = r.some(w.projects, w.projects.length).concat(w.projects).slice(0, 3).map((p) => userOf(p));
      const s: Scene = { id: r.uuid(), owner: r.chance(0.1) ? admin : owner, member, other };
      const calls: Call[] = [{ api: 'image', method: 'POST', path: '/v2/images', caller: s.owner, json: createBody(r, w, s) }];
      for (let i = r.int(3, 12); i > 0; i--) calls.push(step(r, w, s));
      if (r.chance(0.3)) calls.push({ api: 'image', method: 'GET', path: `/v2/images/${s.id}`, caller: s.owner });
      return calls;
    },
  },
  {
    name: 'write to the catalog',
    phase: 'write',
    weight: 1,
    make: (r, w) => {
      // A write to an image of the catalog by anyone: most are refused, which is what is looked at.
      const id = imageRef(r, w);
      const caller = r.pick([admin, ...w.projects.map((p) => userOf(p))]);
      return [r.pick<Call>([
        { api: 'image', method: 'PUT', path: `/v2/images/${id}/tags/${encodeURIComponent(tag(r))}`, caller },
        { api: 'image', method: 'POST', path: `/v2/images/${id}/members`, caller, json: { member: r.pick(w.projects) } },
        { api: 'image', method: 'PATCH', path: `/v2/images/${id}`, caller, json: [{ op: 'add', path: `/${propertyKey(r)}`, value: 'v' }], contentType: PATCH_V21 },
      ])];
    },
  },
];
