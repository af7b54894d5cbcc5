/**
 * The catalog `glint serve --demo` starts with: a small, believable cloud for someone trying Glint
 * for the first time. Everything is fixed (ids, timestamps, bytes), so two demo runs answer alike
 * and examples in the docs stay valid.
 */
import { createHash } from 'node:crypto';
import type { GlanceStatus, ImageMember, Visibility } from '../catalog/image.js';
import { REFERENCE_CATALOG_FORMAT, type ReferenceCatalog, type ReferenceImage } from '../catalog/reference-catalog.js';

// Lower-case hex without dashes: Nova's router only accepts `[0-9a-f-]` in the project segment.
export const DEMO_PROJECTS: { demo: string; admin: string; other: string } = {
  demo: 'b435f5909e4542e9b8de59caf87b51d1',
  admin: 'bf04309cceea40bca893b89a51ef6df9',
  other: 'cbe7d02bc79246eeb83b16ffbe4a0289',
};

/** The server the demo snapshot was taken of, so Nova's `server=` image filter has something to match. */
const DEMO_SERVER_UUID = 'a90d2cc1-9630-4458-8492-cb4b1b8a26d0';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

interface OsSpec {
  /** Properties an OpenStack operator would set (they also carry over into snapshots). */
  openstack: Record<string, string>;
  /** Huawei Cloud's documented `__os_version` string and `__platform` family. */
  osVersion: string;
  osType: 'Linux' | 'Windows';
  platform: string;
}

function linux(distro: string, version: string, osVersion: string, platform: string): OsSpec {
  return {
    openstack: { architecture: 'x86_64', os_type: 'linux', os_distro: distro, os_version: version, hw_disk_bus: 'virtio' },
    osVersion,
    osType: 'Linux',
    platform,
  };
}

const OS = {
  cirros: linux('cirros', '0.6.2', 'Other Linux(64 bit)', 'Other'),
  centos8: linux('centos', '8-stream', 'CentOS Stream 8 64bit', 'CentOS'),
  centos9: linux('centos', '9-stream', 'CentOS Stream 9 64bit', 'CentOS'),
  debian12: linux('debian', '12', 'Debian GNU/Linux 12.0.0 64bit', 'Debian'),
  ubuntu2204: linux('ubuntu', '22.04', 'Ubuntu 22.04 server 64bit', 'Ubuntu'),
  ubuntu2404: linux('ubuntu', '24.04', 'Ubuntu 24.04 server 64bit', 'Ubuntu'),
  windows2022: {
    openstack: {
      architecture: 'x86_64',
      os_type: 'windows',
      os_distro: 'windows',
      os_version: '2022',
      hw_disk_bus: 'virtio',
      os_admin_user: 'Administrator',
    },
    osVersion: 'Windows Server 2022 Standard 64bit English',
    osType: 'Windows',
    platform: 'Windows',
  },
} satisfies Record<string, OsSpec>;

interface DemoImageSpec {
  id: string;
  name: string;
  owner: string;
  visibility: Visibility;
  status: GlanceStatus;
  protected?: boolean;
  os: OsSpec;
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
  members?: ImageMember[];
}

const IMAGE_IDS = {
  cirros: 'ab0db32d-8876-430c-94f1-a2a234737d0e',
  ubuntu2204: 'd724daa4-4328-402a-b36a-4433dba54b99',
  ubuntu2404: '36dc072b-a153-40e4-868a-40c3b24e89c9',
  debian12: '448e3aa5-663a-42d9-b363-8034cce3b186',
  debian12Raw: '55676773-99dd-46b6-8530-a93f4a3e6569',
  centos9: 'ba093160-9710-418a-beb3-a81c28d53cc8',
  centos8: '2a7b05b3-10a7-4410-80ae-b95983760770',
  windows2022: 'a773ec01-0a46-423b-9556-c8684d9ba796',
  demoGolden: '65c256df-5254-4754-a13a-64eb84a8dbe1',
  demoSnapshot: '6da05943-21b1-49c6-9199-73d3e2df453e',
  demoQueued: 'b1be4822-4db8-4ca7-968a-b2811c6866bc',
  otherPrivate: '3de4d49f-2774-44e8-8c0b-f16648521be6',
  otherSharedAccepted: '918e33a8-8733-4849-95e3-31f85a1deb38',
  otherSharedPending: 'e26ecfca-80a6-4683-a572-394b8d1be36f',
} as const;

const { demo, admin, other } = DEMO_PROJECTS;

// Listed in creation order, which is also the order `catalog.json` keeps.
const SPECS: DemoImageSpec[] = [
  {
    // Deactivated rather than deleted after end of life: running servers keep their image record.
    id: IMAGE_IDS.centos8,
    name: 'CentOS Stream 8',
    owner: admin,
    visibility: 'public',
    status: 'deactivated',
    os: OS.centos8,
    disk_format: 'qcow2',
    min_ram: 1024,
    min_disk: 10,
    virtual_size: 10 * GiB,
    data_length: 448,
    created_at: '2026-01-09T08:14:22.418305Z',
    updated_at: '2026-06-01T09:00:12.775130Z',
    tags: ['eol'],
  },
  {
    id: IMAGE_IDS.cirros,
    name: 'cirros-0.6.2-x86_64-disk',
    owner: admin,
    visibility: 'public',
    status: 'active',
    os: OS.cirros,
    disk_format: 'qcow2',
    min_ram: 64,
    min_disk: 1,
    virtual_size: 112 * MiB,
    data_length: 256,
    created_at: '2026-01-12T10:03:41.902617Z',
    updated_at: '2026-01-12T10:03:44.118250Z',
  },
  {
    id: IMAGE_IDS.ubuntu2204,
    name: 'Ubuntu 22.04 LTS (Jammy Jellyfish)',
    owner: admin,
    visibility: 'public',
    status: 'active',
    protected: true,
    os: OS.ubuntu2204,
    disk_format: 'qcow2',
    min_ram: 1024,
    min_disk: 10,
    virtual_size: 2361393152,
    data_length: 512,
    created_at: '2026-01-27T14:22:05.337914Z',
    updated_at: '2026-01-27T14:24:51.604382Z',
  },
  {
    id: IMAGE_IDS.debian12,
    name: 'Debian 12 (bookworm)',
    owner: admin,
    visibility: 'public',
    status: 'active',
    protected: true,
    os: OS.debian12,
    disk_format: 'qcow2',
    min_ram: 512,
    min_disk: 3,
    virtual_size: 2 * GiB,
    data_length: 384,
    created_at: '2026-02-10T09:41:17.250661Z',
    updated_at: '2026-02-10T09:42:03.881470Z',
  },
  {
    // Ceph-backed clouds want raw images so volumes can be copy-on-write clones.
    id: IMAGE_IDS.debian12Raw,
    name: 'Debian 12 (bookworm) raw',
    owner: admin,
    visibility: 'public',
    status: 'active',
    protected: true,
    os: OS.debian12,
    disk_format: 'raw',
    min_ram: 512,
    min_disk: 3,
    virtual_size: 2 * GiB,
    data_length: 400,
    created_at: '2026-02-10T09:55:36.017284Z',
    updated_at: '2026-02-10T10:01:12.449903Z',
  },
  {
    id: IMAGE_IDS.centos9,
    name: 'CentOS Stream 9',
    owner: admin,
    visibility: 'public',
    status: 'active',
    protected: true,
    os: OS.centos9,
    disk_format: 'qcow2',
    min_ram: 1024,
    min_disk: 10,
    virtual_size: 10 * GiB,
    data_length: 480,
    created_at: '2026-03-04T16:08:59.731046Z',
    updated_at: '2026-03-04T16:11:27.092815Z',
  },
  {
    id: IMAGE_IDS.windows2022,
    name: 'Windows Server 2022 Standard',
    owner: admin,
    visibility: 'public',
    status: 'active',
    protected: true,
    os: OS.windows2022,
    disk_format: 'vhd',
    min_ram: 2048,
    min_disk: 40,
    virtual_size: 40 * GiB,
    data_length: 640,
    created_at: '2026-03-18T11:30:14.566289Z',
    updated_at: '2026-03-18T12:02:48.310774Z',
  },
  {
    id: IMAGE_IDS.ubuntu2404,
    name: 'Ubuntu 24.04 LTS (Noble Numbat)',
    owner: admin,
    visibility: 'public',
    status: 'active',
    protected: true,
    os: OS.ubuntu2404,
    disk_format: 'qcow2',
    min_ram: 1024,
    min_disk: 10,
    virtual_size: 3584 * MiB,
    data_length: 576,
    created_at: '2026-04-23T07:45:02.184930Z',
    updated_at: '2026-04-23T07:47:39.925611Z',
  },
  {
    // Invisible to the demo project: shows that private really means private.
    id: IMAGE_IDS.otherPrivate,
    name: 'ci-build-cache',
    owner: other,
    visibility: 'private',
    status: 'active',
    os: OS.debian12,
    disk_format: 'qcow2',
    min_ram: 512,
    min_disk: 10,
    virtual_size: 10 * GiB,
    data_length: 320,
    created_at: '2026-05-06T13:12:44.640172Z',
    updated_at: '2026-05-06T13:15:09.238817Z',
  },
  {
    id: IMAGE_IDS.otherSharedAccepted,
    name: 'postgresql-16-appliance',
    owner: other,
    visibility: 'shared',
    status: 'active',
    os: OS.debian12,
    disk_format: 'qcow2',
    min_ram: 2048,
    min_disk: 20,
    virtual_size: 20 * GiB,
    data_length: 704,
    created_at: '2026-05-19T15:27:33.871406Z',
    updated_at: '2026-05-19T15:31:02.559248Z',
    tags: ['database', 'postgresql'],
    properties: { description: 'Debian 12 with PostgreSQL 16, tuned for 2-8 GB of RAM' },
    members: [
      {
        member: demo,
        status: 'accepted',
        can_share: false,
        created_at: '2026-05-20T08:02:11.304519Z',
        updated_at: '2026-05-21T09:47:36.118042Z',
      },
    ],
  },
  {
    id: IMAGE_IDS.demoGolden,
    name: 'webapp-golden-2026.06',
    owner: demo,
    visibility: 'private',
    status: 'active',
    os: OS.ubuntu2404,
    disk_format: 'qcow2',
    min_ram: 1024,
    min_disk: 10,
    virtual_size: 10 * GiB,
    data_length: 608,
    created_at: '2026-06-15T10:52:27.003618Z',
    updated_at: '2026-06-15T10:58:40.771294Z',
    tags: ['golden', 'webapp'],
    properties: { description: 'Ubuntu 24.04 with nginx and the webapp runtime baked in' },
  },
  {
    // What Nova writes for `createImage`: the base image's properties plus the snapshot markers.
    // min_disk is the flavor's root disk (20 GB), larger than the base image's.
    id: IMAGE_IDS.demoSnapshot,
    name: 'web-01-before-upgrade',
    owner: demo,
    visibility: 'private',
    status: 'active',
    os: OS.ubuntu2404,
    disk_format: 'qcow2',
    min_ram: 1024,
    min_disk: 20,
    virtual_size: 20 * GiB,
    data_length: 672,
    created_at: '2026-08-07T17:20:09.456127Z',
    updated_at: '2026-08-07T17:23:55.680391Z',
    properties: {
      instance_uuid: DEMO_SERVER_UUID,
      image_type: 'snapshot',
      user_id: 'demo',
      base_image_ref: IMAGE_IDS.demoGolden,
      image_location: 'snapshot',
      owner_id: demo,
    },
  },
  {
    // Still pending: the demo project sees it by id, but not in its default list until it accepts.
    id: IMAGE_IDS.otherSharedPending,
    name: 'gitlab-runner-17',
    owner: other,
    visibility: 'shared',
    status: 'active',
    os: OS.ubuntu2204,
    disk_format: 'qcow2',
    min_ram: 2048,
    min_disk: 20,
    virtual_size: 10 * GiB,
    data_length: 544,
    created_at: '2026-09-22T12:04:50.218763Z',
    updated_at: '2026-09-22T12:09:18.547036Z',
    tags: ['ci'],
    members: [
      {
        member: demo,
        status: 'pending',
        can_share: false,
        created_at: '2026-09-22T12:10:03.832461Z',
        updated_at: '2026-09-22T12:10:03.832467Z',
      },
    ],
  },
  {
    // Created but never uploaded, so Glance has stamped it only once.
    id: IMAGE_IDS.demoQueued,
    name: 'webapp-golden-2026.11',
    owner: demo,
    visibility: 'private',
    status: 'queued',
    os: OS.ubuntu2404,
    disk_format: 'qcow2',
    min_ram: 1024,
    min_disk: 10,
    virtual_size: null,
    data_length: null,
    created_at: '2026-11-03T09:15:38.690254Z',
    updated_at: '2026-11-03T09:15:38.690254Z',
    tags: ['golden', 'webapp'],
  },
];

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
  return {
    __os_version: spec.os.osVersion,
    __os_type: spec.os.osType,
    __os_bit: '64',
    __platform: spec.os.platform,
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
    owner: spec.owner,
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
      ...spec.os.openstack,
      ...spec.properties,
      ...(profile === 'huawei' ? huaweiProperties(spec) : {}),
    },
    members: (spec.members ?? []).map((m) => ({ ...m })),
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
      demo: { id: demo, token: `demo:${demo}`, roles: ['member', 'reader'] },
      admin: { id: admin, token: `admin:${admin}`, roles: ['admin', 'member', 'reader'] },
      other: { id: other, token: `other:${other}`, roles: ['member', 'reader'] },
    },
    images: SPECS.map((spec) => buildImage(spec, profile)),
  };
}
