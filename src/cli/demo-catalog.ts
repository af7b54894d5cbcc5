/**
 * The catalog `glint serve --demo` starts with: a small, believable cloud for someone trying Glint
 * for the first time, built from `demo-catalog.json`. Everything is fixed (ids, timestamps, bytes), so
 * two demo runs answer alike and examples in the docs stay valid.
 */
import { createHash } from 'node:crypto';
import type { GlanceStatus, ImageMember, Visibility } from '../catalog/image.js';
import { REFERENCE_CATALOG_FORMAT, type ReferenceCatalog, type ReferenceImage } from '../catalog/reference-catalog.js';
import demoData from './demo-catalog.json' with { type: 'json' };

// Lower-case hex without dashes: Nova's router only accepts `[0-9a-f-]` in the project segment.
export const DEMO_PROJECTS: { demo: string; admin: string; other: string } = {
  demo: 'b435f5909e4542e9b8de59caf87b51d1',
  admin: 'bf04309cceea40bca893b89a51ef6df9',
  other: 'cbe7d02bc79246eeb83b16ffbe4a0289',
};

interface OsSpec {
  /** Properties an OpenStack operator would set (they also carry over into snapshots). */
  openstack: Record<string, string>;
  /** Huawei Cloud's documented `__os_version` string and `__platform` family. */
  osVersion: string;
  osType: 'Linux' | 'Windows';
  platform: string;
}

/** An image of `demo-catalog.json`: owners and members by project name, the OS by its key in the file's `os`. */
interface DemoImageSpec {
  /** Why the image is there as it is; not part of the image. */
  note?: string;
  id: string;
  name: string;
  owner: keyof typeof DEMO_PROJECTS;
  visibility: Visibility;
  status: GlanceStatus;
  protected?: boolean;
  os: string;
  disk_format: 'qcow2' | 'raw' | 'vhd';
  min_ram: number;
  min_disk: number;
  /** The size of the disk the stand-in bytes pretend to be; null for images without data. */
  virtual_size: number | null;
  /** Length of the stand-in bytes; null for an image that has no data yet. */
  data_length: number | null;
  created_at: string;
  updated_at: string;
  tags?: string[];
  properties?: Record<string, string>;
  members?: (Omit<ImageMember, 'member'> & { member: keyof typeof DEMO_PROJECTS })[];
}

/** The demo's operating systems and images, in creation order (which is also the order an export keeps). */
const DATA = demoData as unknown as { os: Record<string, OsSpec>; images: DemoImageSpec[] };

/**
 * Stand-in disk bytes: readable text (so `GET .../file` shows what it is) padded with numbered
 * lines to the wanted length. Deterministic, so checksums never change between runs.
 */
function demoBytes(name: string, length: number): Buffer {
  const lines = [`Glint demo image: ${name}\n`, 'These bytes stand in for a disk image; they do not boot.\n'];
  let total = Buffer.byteLength(lines.join(''));
  for (let i = 0; total < length; i++) {
    const line = `${String(i).padStart(4, '0')} ${name}\n`;
    lines.push(line);
    total += Buffer.byteLength(line);
  }
  return Buffer.from(lines.join('')).subarray(0, length);
}

const HUAWEI_IMAGE_TYPE: Record<Visibility, string> = {
  public: 'gold',
  private: 'private',
  shared: 'shared',
  community: 'private',
};

/** The `__` properties Huawei Cloud's IMS documents on its images, plus its KVM markers. */
function huaweiProperties(spec: DemoImageSpec): Record<string, string> {
  const os = DATA.os[spec.os];
  return {
    __os_version: os.osVersion,
    __os_type: os.osType,
    __os_bit: '64',
    __platform: os.platform,
    __imagetype: HUAWEI_IMAGE_TYPE[spec.visibility],
    __isregistered: 'true',
    __support_kvm: 'true',
    virtual_env_type: 'FusionCompute',
    hw_firmware_type: 'bios',
  };
}

function buildImage(spec: DemoImageSpec, profile: 'huawei' | 'openstack'): ReferenceImage {
  const data = spec.data_length === null ? null : demoBytes(spec.name, spec.data_length);
  return {
    id: spec.id,
    name: spec.name,
    status: spec.status,
    visibility: spec.visibility,
    owner: DEMO_PROJECTS[spec.owner],
    protected: spec.protected ?? false,
    os_hidden: false,
    min_ram: spec.min_ram,
    min_disk: spec.min_disk,
    size: data?.length ?? null,
    virtual_size: data ? spec.virtual_size : null,
    disk_format: spec.disk_format,
    container_format: 'bare',
    checksum: data ? createHash('md5').update(data).digest('hex') : null,
    os_hash_algo: data ? 'sha512' : null,
    os_hash_value: data ? createHash('sha512').update(data).digest('hex') : null,
    created_at: spec.created_at,
    updated_at: spec.updated_at,
    deleted: false,
    deleted_at: null,
    tags: [...(spec.tags ?? [])],
    properties: {
      ...DATA.os[spec.os].openstack,
      ...spec.properties,
      ...(profile === 'huawei' ? huaweiProperties(spec) : {}),
    },
    members: (spec.members ?? []).map((m) => ({ ...m, member: DEMO_PROJECTS[m.member] })),
    has_location: data !== null,
    data_b64: data?.toString('base64') ?? null,
  };
}

/** A fresh demo catalog (callers may mutate it); only the custom properties differ between profiles. */
export function demoCatalog(profile: 'huawei' | 'openstack'): ReferenceCatalog {
  return {
    format: REFERENCE_CATALOG_FORMAT,
    description: `Glint demo catalog (${profile} profile): public OS images, private, shared and snapshot images of a demo project`,
    projects: {
      demo: { id: DEMO_PROJECTS.demo, token: `demo:${DEMO_PROJECTS.demo}`, roles: ['member', 'reader'] },
      admin: { id: DEMO_PROJECTS.admin, token: `admin:${DEMO_PROJECTS.admin}`, roles: ['admin', 'member', 'reader'] },
      other: { id: DEMO_PROJECTS.other, token: `other:${DEMO_PROJECTS.other}`, roles: ['member', 'reader'] },
    },
    images: DATA.images.map((spec) => buildImage(spec, profile)),
  };
}
