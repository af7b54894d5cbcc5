/**
 * The catalog both services are given before the generated requests: images of several projects in every
 * visibility and in the statuses a client can bring about (queued, active with data, deactivated, deleted,
 * hidden), with properties, tags and members in every status. Built through each service's own API, the
 * same calls in the same order, in epochs a whole quiet second apart: a time filter at an epoch's boundary
 * then splits both catalogs alike, though their timestamps differ.
 */
import type { Json } from '../conformance/replay.js';
import { Random } from './random.js';

export type MemberStatus = 'pending' | 'accepted' | 'rejected';

/** Who sends a request: a token of the reference's fake auth, `<user>:<project>[:<roles>]`. */
export interface Caller {
  /** How the output names the caller. */
  label: string;
  token: string;
  project: string;
}

export interface Call {
  api: 'image' | 'compute';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, from `/v2/…` or `/v2.1/…`. */
  path: string;
  caller: Caller;
  /** A JSON body, sent as Python's json.dumps writes it. */
  json?: Json;
  /** A body sent as it is. */
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface PlannedImage {
  id: string;
  owner: string;
  epoch: number;
  /** The create request's body (its id included). */
  create: Record<string, Json>;
  data?: Buffer;
  members: { project: string; status: MemberStatus }[];
  /** Made private after its members were added (they stay, unseen). */
  unshared?: boolean;
  deactivated?: boolean;
  deleted?: boolean;
  /** Changed again in the last epoch, so its updated_at moves past its created_at. */
  touched?: boolean;
}

export interface World {
  admin: string;
  /** The projects that own images, share them and list. */
  projects: string[];
  images: PlannedImage[];
  /** A second (ISO 8601, `Z`) between each epoch and the next, in which neither catalog changed. */
  boundaries: string[];
}

export const EPOCHS = 3;
const IMAGES = 48;

export const NAMES: readonly (string | null)[] = ['cirros', 'cirros', 'ubuntu-22.04', 'Ubuntu', 'debian', 'win-2022', 'imagé', 'a,b', 'snap "1"', null, ''];
export const TAGS: readonly string[] = ['prod', 'test', 'gpu', 'big', 'ütf-tag', '标签', 'a b', 'x,y', 'Prod'];
export const DISK_FORMATS: readonly string[] = ['raw', 'qcow2', 'vmdk', 'iso', 'ami', 'vhd'];
export const CONTAINER_FORMATS: readonly string[] = ['bare', 'ovf', 'ami', 'docker'];
export const SIZES: readonly number[] = [1, 10, 10, 512, 512, 1024, 3000];
export const MIN_VALUES: readonly number[] = [0, 0, 0, 512, 1024, 2048];
export const PROPERTY_VALUES: Readonly<Record<string, readonly string[]>> = {
  os_distro: ['ubuntu', 'centos', 'debian', 'cirros'],
  os_version: ['22.04', '9', '12'],
  architecture: ['x86_64', 'aarch64'],
  image_type: ['snapshot', 'image', 'backup'],
  auto_disk_config: ['True', 'false', 'disabled'],
  hw_disk_bus: ['scsi', 'virtio'],
  description: ['plain', 'dès été', 'quote " and \\'],
  block_device_mapping: ['[]', '[{"boot_index": 0, "source_type": "image"}]'],
  'x-team': ['red', 'blue'],
};

/** Projects' ids, as Keystone makes them (32 hex digits); distinct from anyone else's on a shared reference. */
const project = (n: number) => `d1ff${String(n).padStart(28, '0')}`;
export const ADMIN_PROJECT = project(99);

export const admin: Caller = { label: 'admin', token: `admin:${ADMIN_PROJECT}`, project: ADMIN_PROJECT };
/** A project's user, with the roles the reference gives any user (member and reader), or only those named. */
export function userOf(projectId: string, roles?: string): Caller {
  const suffix = roles ? `:${roles}` : '';
  return { label: `project ${projectId.slice(-2)}${roles ? ` (${roles})` : ''}`, token: `user:${projectId}${suffix}`, project: projectId };
}

/** Deterministic bytes of a given length. */
export function dataOf(length: number, salt: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 31 + salt * 7) % 256));
}

function plannedImage(r: Random, projects: string[], epoch: number, serverIds: string[], earlier: PlannedImage[]): PlannedImage {
  const id = r.uuid();
  const owner = r.chance(0.1) ? ADMIN_PROJECT : r.pick(projects);
  const visibility = r.weighted([['private', 3], ['shared', 4], ['public', 2], ['community', 2]] as const);
  const create: Record<string, Json> = { id };
  const name = r.pick(NAMES);
  if (name !== null || r.chance(0.5)) create.name = name;
  if (r.chance(0.85)) create.disk_format = r.pick(DISK_FORMATS);
  if (r.chance(0.85)) create.container_format = r.pick(CONTAINER_FORMATS);
  create.visibility = visibility;
  if (r.chance(0.5)) create.min_ram = r.pick(MIN_VALUES);
  if (r.chance(0.5)) create.min_disk = r.pick(MIN_VALUES);
  if (r.chance(0.15)) create.os_hidden = true;
  const tags = r.some(TAGS, 3);
  if (tags.length || r.chance(0.3)) create.tags = tags;
  for (const key of r.some(Object.keys(PROPERTY_VALUES), 3)) create[key] = r.pick(PROPERTY_VALUES[key]);
  if (r.chance(0.2)) create.instance_uuid = r.pick(serverIds);
  if (earlier.length && r.chance(0.1)) create.kernel_id = r.pick(earlier).id;
  if (owner !== ADMIN_PROJECT && (visibility === 'public' || r.chance(0.1))) create.owner = owner;

  const image: PlannedImage = { id, owner, epoch, create, members: [] };
  const status = r.weighted([['queued', 3], ['active', 6], ['deactivated', 1], ['deleted', 1]] as const);
  if (status !== 'queued') {
    // Data needs both formats first.
    create.disk_format ??= r.pick(DISK_FORMATS);
    create.container_format ??= r.pick(CONTAINER_FORMATS);
    image.data = dataOf(r.pick(SIZES), r.int(0, 255));
  }
  image.deactivated = status === 'deactivated';
  image.deleted = status === 'deleted';
  if (!image.deleted && r.chance(0.1)) create.protected = true;
  if (visibility === 'shared') {
    for (const member of r.some(projects.filter((p) => p !== owner), 3)) {
      image.members.push({ project: member, status: r.pick(['pending', 'accepted', 'rejected'] as const) });
    }
    image.unshared = image.members.length > 0 && r.chance(0.15);
  }
  image.touched = epoch < EPOCHS - 1 && !image.deleted && r.chance(0.2);
  return image;
}

/** The catalog a seed makes, boundaries aside (they are the run's own seconds). */
export function planWorld(seed: number): World {
  const r = new Random(seed * 7919 + 17);
  const projects = [1, 2, 3, 4].map(project);
  const serverIds = [r.uuid(), r.uuid(), r.uuid()];
  const images: PlannedImage[] = [];
  for (let i = 0; i < IMAGES; i++) images.push(plannedImage(r, projects, Math.floor((i * EPOCHS) / IMAGES), serverIds, images));
  return { admin: ADMIN_PROJECT, projects, images, boundaries: [] };
}

/** Who creates an image: its owner's project, but an admin for what only an admin may do (public, another owner). */
function creator(image: PlannedImage): Caller {
  return image.create.owner !== undefined || image.owner === ADMIN_PROJECT ? admin : userOf(image.owner);
}

/** The calls that make one image as planned. */
export function imageCalls(image: PlannedImage): Call[] {
  const owner = creator(image);
  const path = `/v2/images/${image.id}`;
  const calls: Call[] = [{ api: 'image', method: 'POST', path: '/v2/images', caller: owner, json: image.create }];
  if (image.data) calls.push({ api: 'image', method: 'PUT', path: `${path}/file`, caller: owner, bytes: image.data, contentType: 'application/octet-stream' });
  for (const m of image.members) {
    calls.push({ api: 'image', method: 'POST', path: `${path}/members`, caller: owner, json: { member: m.project } });
    if (m.status !== 'pending') {
      calls.push({ api: 'image', method: 'PUT', path: `${path}/members/${m.project}`, caller: userOf(m.project), json: { status: m.status } });
    }
  }
  if (image.unshared) calls.push(patchCall(image, owner, [{ op: 'replace', path: '/visibility', value: 'private' }]));
  if (image.deactivated) calls.push({ api: 'image', method: 'POST', path: `${path}/actions/deactivate`, caller: owner });
  if (image.deleted) calls.push({ api: 'image', method: 'DELETE', path, caller: owner });
  return calls;
}

/** A later change of an image's properties, which moves its updated_at. */
export function touchCall(image: PlannedImage): Call {
  return patchCall(image, creator(image), [{ op: 'add', path: '/touched', value: 'yes' }]);
}

function patchCall(image: PlannedImage, caller: Caller, ops: Json[]): Call {
  return {
    api: 'image', method: 'PATCH', path: `/v2/images/${image.id}`, caller, json: ops,
    contentType: 'application/openstack-images-v2.1-json-patch',
  };
}
