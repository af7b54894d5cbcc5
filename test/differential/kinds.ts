/**
 * The kinds of generated requests. A kind makes one read, or a write scenario of several calls; a new kind is
 * one more entry of READ_KINDS or WRITE_KINDS. A kind with a probe runs only where Glint serves the probed path.
 */
import type { Call, World } from './catalog.js';
import { Random } from './random.js';
import { READ_KINDS } from './reads.js';
import { WRITE_KINDS } from './writes.js';

export interface Kind {
  name: string;
  /** Reads run on the catalog as built; writes after every read, each on images of its own. */
  phase: 'read' | 'write';
  /** How often it is drawn, relative to the other kinds. */
  weight: number;
  /** An image API path (GET, as an admin) that Glint must not answer 404 for this kind to run. */
  probe?: { path: string };
  make(r: Random, w: World): Call[];
}

export const KINDS: Kind[] = [...READ_KINDS, ...WRITE_KINDS];

export interface Unit {
  kind: string;
  calls: Call[];
}

/**
 * `n` calls drawn from the kinds, reads first: deterministic for a seed and a world. The last scenario is cut
 * so that exactly `n` calls are made.
 */
export function generate(n: number, seed: number, w: World, kinds: Kind[]): Unit[] {
  const r = new Random(seed);
  const units: Unit[] = [];
  let count = 0;
  while (count < n) {
    const kind = r.weighted(kinds.map((k) => [k, k.weight] as const));
    const calls = kind.make(r, w).slice(0, n - count);
    units.push({ kind: kind.name, calls });
    count += calls.length;
  }
  const phase = (u: Unit) => (kinds.find((k) => k.name === u.kind)?.phase === 'read' ? 0 : 1);
  return units.map((u, i) => ({ u, i })).sort((a, b) => phase(a.u) - phase(b.u) || a.i - b.i).map(({ u }) => u);
}
