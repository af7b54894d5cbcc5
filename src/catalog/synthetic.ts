/**
 * Synthetic catalogs for load and scale work: a deterministic stream of realistic images (names,
 * status and visibility mix, shares, properties, sizes, timestamps over years) from a seed. The same
 * seed and counts always give the same catalog, image for image.
 */
import { prng } from '../common/prng.js';
import type { StoredImage } from './ports.js';
import { newImage, type GlanceStatus, type Image, type ImageMember, type Visibility } from './image.js';

export interface SyntheticOptions {
  images: number;
  projects: number;
  seed: number;
}

type Weighted<T> = [T, number][];

function picker<T>(random: () => number, table: Weighted<T>): () => T {
  const total = table.reduce((sum, [, weight]) => sum + weight, 0);
  return () => {
    let r = random() * total;
    for (const [value, weight] of table) {
      r -= weight;
      if (r < 0) return value;
    }
    return table[table.length - 1][0];
  };
}

// Number.prototype.toString with a radix is slow enough to be a large part of the generator's time;
// these spell the same digits from tables.
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `n.toString(36)` for a whole number n >= 0. */
function base36(n: number): string {
  let text = BASE36[n % 36];
  for (let rest = Math.floor(n / 36); rest > 0; rest = Math.floor(rest / 36)) text = BASE36[rest % 36] + text;
  return text;
}

const hex = (random: () => number, digits: number) => {
  let text = '';
  while (text.length < digits) {
    const word = Math.floor(random() * 0x100000000);
    text += BYTE_HEX[word >>> 24] + BYTE_HEX[(word >>> 16) & 0xff] + BYTE_HEX[(word >>> 8) & 0xff] + BYTE_HEX[word & 0xff];
  }
  return text.slice(0, digits);
};

/** A UUID v4 from the generator. */
function uuid(random: () => number): string {
  const h = hex(random, 32);
  const variant = '89ab'[Math.floor(random() * 4)];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Project ids as Keystone makes them: 32 hex digits. */
export function syntheticProjects(options: Pick<SyntheticOptions, 'projects' | 'seed'>): string[] {
  const random = prng(options.seed ^ 0x5eed);
  return Array.from({ length: options.projects }, () => hex(random, 32));
}

const DISTROS: [string, string[]][] = [
  ['ubuntu', ['18.04', '20.04', '22.04', '24.04']],
  ['centos', ['7', '8-stream', '9-stream']],
  ['debian', ['10', '11', '12']],
  ['rocky', ['8', '9']],
  ['windows', ['2016', '2019', '2022']],
  ['cirros', ['0.5.2', '0.6.2']],
  ['fedora', ['38', '39', '40']],
];
const KINDS = ['base', 'golden', 'snapshot', 'web', 'db', 'build', 'gpu', 'minimal'];
const MIN_RAM = [0, 0, 0, 512, 1024, 2048, 4096, 8192];
const MIN_DISK = [0, 0, 1, 10, 20, 40, 80];
const TAGS = ['prod', 'staging', 'dev', 'ci', 'gpu', 'hardened', 'legacy'];

/** Five years of history, ending at a fixed instant so the catalog does not depend on the day it is made. */
const END = Date.UTC(2026, 10, 1);
const SPAN = 5 * 365 * 24 * 3600 * 1000;

const DAY_MS = 24 * 3600 * 1000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/**
 * Catalog timestamps (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) of a whole millisecond and its microseconds.
 * Date formatting is slow, and successive images are mostly created on the same day, so the date is
 * formatted once per day and the time of day spelled out.
 */
function timestamps(): (ms: number, micros: number) => string {
  let day = NaN;
  let date = '';
  return (ms, micros) => {
    const msDay = Math.floor(ms / DAY_MS);
    if (msDay !== day) {
      day = msDay;
      date = new Date(day * DAY_MS).toISOString().slice(0, 11);
    }
    const seconds = Math.floor((ms - day * DAY_MS) / 1000);
    const clock = `${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}`;
    return `${date}${clock}.${String(micros).padStart(6, '0')}Z`;
  };
}

/** The catalog's images (with their members), oldest first. */
export function* syntheticImages(options: SyntheticOptions): Generator<StoredImage> {
  const random = prng(options.seed);
  const projects = syntheticProjects(options);
  const status = picker<GlanceStatus>(random, [['active', 88], ['queued', 3], ['saving', 1], ['deactivated', 3], ['killed', 1], ['deleted', 4]]);
  const visibility = picker<Visibility>(random, [['private', 55], ['shared', 20], ['public', 15], ['community', 10]]);
  const memberStatus = picker<ImageMember['status']>(random, [['accepted', 70], ['pending', 20], ['rejected', 10]]);
  const diskFormat = picker(random, [['qcow2', 60], ['raw', 25], ['vmdk', 5], ['vhd', 5], ['iso', 5]]);
  // Owners are skewed, as in real clouds: a few projects own much of the catalog.
  const owner = () => projects[Math.floor(projects.length * random() ** 2)];
  const timestamp = timestamps();

  for (let i = 0; i < options.images; i++) {
    const created = END - SPAN + Math.floor((SPAN * i) / Math.max(options.images, 1));
    const createdAt = timestamp(created, Math.floor(random() * 1_000_000));
    const updated = created + (random() < 0.3 ? Math.floor(random() * (END - created)) : 0);
    const updatedAt = updated === created ? createdAt : timestamp(updated, Math.floor(random() * 1_000_000));
    const [distro, versions] = DISTROS[Math.floor(random() * DISTROS.length)];
    const version = versions[Math.floor(random() * versions.length)];
    const kind = KINDS[Math.floor(random() * KINDS.length)];
    const imageStatus = status();
    const hasData = imageStatus === 'active' || imageStatus === 'deactivated';
    const size = hasData ? Math.floor((0.05 + random() * 20) * 1024 ** 3) : null;
    const id = uuid(random);
    const checksum = hasData ? hex(random, 32) : null;
    const image: Image = {
      ...newImage(id, owner(), createdAt),
      name: `${distro}-${version}-${kind}-${base36(i)}`,
      status: imageStatus,
      visibility: visibility(),
      protected: random() < 0.02,
      os_hidden: random() < 0.01,
      min_ram: MIN_RAM[Math.floor(random() * MIN_RAM.length)],
      min_disk: MIN_DISK[Math.floor(random() * MIN_DISK.length)],
      disk_format: diskFormat(),
      container_format: 'bare',
      size,
      virtual_size: size === null ? null : size * 2,
      checksum,
      os_hash_algo: hasData ? 'sha512' : null,
      // As long as a real sha512 digest, without spending the generator's time on one.
      os_hash_value: checksum === null ? null : checksum.repeat(4),
      updated_at: updatedAt,
      deleted: imageStatus === 'deleted',
      deleted_at: imageStatus === 'deleted' ? updatedAt : null,
      tags: random() < 0.3 ? [TAGS[Math.floor(random() * TAGS.length)]] : [],
      properties: {
        os_distro: distro,
        os_version: version,
        architecture: random() < 0.9 ? 'x86_64' : 'aarch64',
        ...(random() < 0.2 ? { hw_disk_bus: 'virtio', hw_vif_model: 'virtio' } : {}),
      },
    };
    const members: ImageMember[] = [];
    if (image.visibility === 'shared') {
      const count = 1 + Math.floor(random() * 3);
      for (let m = 0; m < count; m++) {
        const member = projects[Math.floor(random() * projects.length)];
        if (member === image.owner || members.some((existing) => existing.member === member)) continue;
        members.push({ member, status: memberStatus(), can_share: false, created_at: updatedAt, updated_at: updatedAt });
      }
    }
    yield { image, members };
  }
}
