/**
 * Synthetic `reference-catalog/1` catalogs for the benchmark.
 *
 * Deterministic (seeded PRNG, ids derived from the index) so that two runs measure the same data and
 * their numbers can be compared. Every image is active and visible to the bench project: a third are
 * public images of another project, the rest are the bench project's own private images.
 */
import { createHash } from 'node:crypto';
import { prng } from '../src/common/prng.js';
import { REFERENCE_CATALOG_FORMAT, type ReferenceCatalog, type ReferenceImage } from '../src/catalog/reference-catalog.js';

export const BENCH_PROJECT = 'b0b0b0b0b0b04b0bb0b0b0b0b0b0b0b0';
export const BENCH_TOKEN = `bench:${BENCH_PROJECT}`;
/** Owner of the public images: not the bench project, so visibility rules are exercised. */
const OPS_PROJECT = '0e0e0e0e0e0e40e0a0e0e0e0e0e0e0e0';

const DISTROS = [
  { distro: 'ubuntu', versions: ['20.04', '22.04', '24.04'], variant: 'server-cloudimg', osType: 'linux' },
  { distro: 'debian', versions: ['11', '12'], variant: 'genericcloud', osType: 'linux' },
  { distro: 'rocky', versions: ['8.9', '9.3'], variant: 'GenericCloud', osType: 'linux' },
  { distro: 'fedora', versions: ['39', '40'], variant: 'Cloud-Base', osType: 'linux' },
  { distro: 'centos', versions: ['stream-9'], variant: 'GenericCloud', osType: 'linux' },
  { distro: 'cirros', versions: ['0.6.2'], variant: 'disk', osType: 'linux' },
  { distro: 'windows', versions: ['2019', '2022'], variant: 'server-standard', osType: 'windows' },
] as const;

function hash(algo: 'md5' | 'sha512', text: string): string {
  return createHash(algo).update(text).digest('hex');
}

/** A v4-shaped uuid derived from a label, so ids are stable across runs. */
function stableUuid(label: string): string {
  const h = hash('md5', label).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16], 16) & 3];
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** Microseconds since the epoch -> `YYYY-MM-DDTHH:MM:SS.ffffffZ` (Date alone only keeps milliseconds). */
function timestamp(micros: number): string {
  const seconds = new Date(Math.floor(micros / 1e6) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${String(micros % 1e6).padStart(6, '0')}Z`;
}

export function benchCatalog(count: number): ReferenceCatalog {
  const random = prng(0xb0b0 + count);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const start = Date.UTC(2024, 0, 1) * 1000;
  const images: ReferenceImage[] = [];

  for (let i = 0; i < count; i++) {
    // ~37 minutes apart plus a random microsecond part: distinct, increasing, and not all on whole seconds.
    const createdUs = start + i * 37 * 60 * 1e6 + Math.floor(random() * 1e6);
    const created = timestamp(createdUs);
    const { distro, versions, variant, osType } = pick(DISTROS);
    const version = pick(versions);
    const arch = random() < 0.8 ? 'x86_64' : 'aarch64';
    const diskFormat = random() < 0.75 ? 'qcow2' : 'raw';
    const size = Math.floor((12 + random() * 8000) * 1024 * 1024);
    const id = stableUuid(`bench-image-${count}-${i}`);
    const isPublic = i % 3 === 0;
    const name = `${distro}-${version}-${variant}-${arch}-${created.slice(0, 10).replaceAll('-', '')}.${i}`;

    const properties: Record<string, string> = { os_distro: distro, os_version: version, os_type: osType, architecture: arch };
    if (random() < 0.5) properties.hw_disk_bus = pick(['virtio', 'scsi']);
    if (random() < 0.3) properties.hw_qemu_guest_agent = 'yes';

    images.push({
      id,
      name,
      status: 'active',
      visibility: isPublic ? 'public' : 'private',
      owner: isPublic ? OPS_PROJECT : BENCH_PROJECT,
      protected: false,
      os_hidden: false,
      min_ram: pick([0, 512, 1024, 2048]),
      min_disk: osType === 'windows' ? 40 : pick([0, 10, 20]),
      size,
      virtual_size: diskFormat === 'qcow2' ? size * 4 : size,
      disk_format: diskFormat,
      container_format: 'bare',
      checksum: hash('md5', id),
      os_hash_algo: 'sha512',
      os_hash_value: hash('sha512', id),
      created_at: created,
      updated_at: timestamp(createdUs + Math.floor(random() * 5e6)),
      deleted: false,
      deleted_at: null,
      tags: random() < 0.2 ? ['bench', distro] : [],
      properties,
      members: [],
      has_location: false,
      data_b64: null,
    });
  }

  return {
    format: REFERENCE_CATALOG_FORMAT,
    description: `Glint benchmark catalog: ${count} active images visible to the bench project`,
    projects: {
      bench: { id: BENCH_PROJECT, token: BENCH_TOKEN, roles: ['member', 'reader'] },
      ops: { id: OPS_PROJECT, token: `ops:${OPS_PROJECT}`, roles: ['member', 'reader'] },
    },
    images,
  };
}
