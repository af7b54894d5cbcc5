/** Seeded choices for the differential run: the same seed always makes the same catalog and requests. */
import { prng } from '../../src/common/prng.js';

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = prng(seed);
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** One of the values, each as likely as its weight. */
  weighted<T>(table: ReadonlyArray<readonly [T, number]>): T {
    let r = this.next() * table.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [value, weight] of table) {
      r -= weight;
      if (r < 0) return value;
    }
    return table[table.length - 1][0];
  }

  /** Up to `most` distinct items, in the order they were drawn. */
  some<T>(items: readonly T[], most: number): T[] {
    const pool = [...items];
    const count = Math.min(this.int(0, most), pool.length);
    return Array.from({ length: count }, () => pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
  }

  hex(digits: number): string {
    let text = '';
    while (text.length < digits) text += this.int(0, 15).toString(16);
    return text;
  }

  /** A UUID v4. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${this.pick(['8', '9', 'a', 'b'])}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
