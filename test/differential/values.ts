/** Values the generated requests draw from: the catalog's own (ids, names, tags, times), near misses and junk. */
import { createHash } from 'node:crypto';
import {
  admin, CONTAINER_FORMATS, DISK_FORMATS, MIN_VALUES, NAMES, PROPERTY_VALUES, SIZES, TAGS, userOf,
  type Caller, type PlannedImage, type World,
} from './catalog.js';
import type { Random } from './random.js';

/** Any caller that lists or reads: an admin, each project's user, now and then one with the reader role only. */
export function anyCaller(r: Random, w: World): Caller {
  if (r.chance(0.2)) return admin;
  const project = r.pick(w.projects);
  return r.chance(0.1) ? userOf(project, 'reader') : userOf(project);
}

/** An image id: mostly of the catalog (deleted ones included), else unknown, differently cased or no id at all. */
export function imageRef(r: Random, w: World): string {
  return r.weighted<() => string>([
    [() => r.pick(w.images).id, 20],
    [() => r.uuid(), 2],
    [() => r.pick(w.images).id.toUpperCase(), 1],
    [() => r.pick(['abc', 'not-a-uuid', '12345678-1234-1234-1234-1234567890ab', '%20']), 1],
  ])();
}

/** A value of a property the catalog uses, or one nobody has. */
export function propertyValue(r: Random, key: string): string {
  const values = PROPERTY_VALUES[key];
  return values && r.chance(0.85) ? r.pick(values) : r.pick(['nothing', '', 'UBUNTU']);
}

export const propertyKey = (r: Random) => r.pick([...Object.keys(PROPERTY_VALUES), 'touched', 'instance_uuid', 'kernel_id', 'unknown_key']);

export function name(r: Random): string {
  const value = r.pick(NAMES);
  return value ?? r.pick(['none', 'CIRROS', 'cir']);
}

export const tag = (r: Random) => (r.chance(0.9) ? r.pick(TAGS) : r.pick([' prod ', 'nope', 'PROD', '']));
export const diskFormat = (r: Random) => (r.chance(0.9) ? r.pick(DISK_FORMATS) : r.pick(['vdi', 'RAW', 'bogus']));
export const containerFormat = (r: Random) => (r.chance(0.9) ? r.pick(CONTAINER_FORMATS) : r.pick(['ova', 'BARE', 'bogus']));

/** A whole number as a query value: one the catalog holds, a near one, or text that is no number. */
export function intText(r: Random, values: readonly number[]): string {
  return r.weighted<() => string>([
    [() => String(r.pick(values)), 8],
    [() => String(r.pick(values) + r.pick([-1, 1])), 2],
    [() => r.pick(['-1', '0', ' 512', '+10', '1.5', 'abc', '', '99999999999999999999']), 2],
  ])();
}

export const sizeText = (r: Random) => intText(r, SIZES);
export const minText = (r: Random) => intText(r, MIN_VALUES);

const digest = (algorithm: string, image: PlannedImage) => createHash(algorithm).update(image.data ?? Buffer.alloc(0)).digest('hex');

/** A checksum or sha512 of an image that has data, or one of none. */
export function hashOf(r: Random, w: World, algorithm: 'md5' | 'sha512'): string {
  const withData = w.images.filter((i) => i.data);
  return withData.length && r.chance(0.8) ? digest(algorithm, r.pick(withData)) : r.hex(algorithm === 'md5' ? 32 : 128);
}

/** The instant of an ISO time with a `Z`, written at another offset from UTC (in minutes) and with a fraction of a second. */
function withOffset(iso: string, offsetMinutes: number, fraction: string): string {
  const shifted = new Date(Date.parse(iso) + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${shifted}${fraction}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${shifted}${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** A time: one of the epoch boundaries in some ISO 8601 spelling, else a malformed one. */
export function timeText(r: Random, w: World): string {
  const boundary = r.pick(w.boundaries);
  return r.weighted<() => string>([
    [() => boundary, 6],
    [() => withOffset(boundary, r.pick([60, 120, -300, 330]), ''), 2],
    [() => withOffset(boundary, 0, r.pick(['.5', '.000001'])), 1],
    [() => boundary.replace('Z', ''), 1],
    [() => boundary.slice(0, 10), 1],
    [() => r.pick(['yesterday', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '20240101T000000Z', '9999-12-31T23:59:59-23:59']), 1],
  ])();
}

/** `[op:]value` for a filter that takes the image service's operators. */
export function withOperator(r: Random, value: string, ops: readonly string[]): string {
  const op = r.pick(['', ...ops, ...ops, 'bogus']);
  return op ? `${op}:${value}` : value;
}

/** `in:` lists, quoted or not (sometimes badly), and `eq:`. */
export function listOf(r: Random, values: string[]): string {
  return r.weighted<() => string>([
    [() => values[0], 4],
    [() => `eq:${values[0]}`, 2],
    [() => `in:${values.join(',')}`, 3],
    [() => `in:${values.map((v) => `"${v}"`).join(',')}`, 1],
    [() => `in:"${values[0]}`, 1],
    [() => `nin:${values[0]}`, 1],
  ])();
}
