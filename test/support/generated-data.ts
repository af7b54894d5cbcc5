/**
 * Deterministic image data for tests and benchmarks, generated 1 MiB at a time so that images of any
 * size are never held whole.
 */

export const CHUNK = 1024 * 1024;

/** 1 MiB of xorshift32 output for `seed`. */
export function basePattern(seed: number): Buffer {
  const words = new Uint32Array(CHUNK / 4);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer);
}

/** Writes chunk `index` of the data into `target` (which must hold `length` bytes). */
export function fillChunk(base: Buffer, index: number, target: Buffer, length: number): void {
  base.copy(target, 0, 0, length);
  // The chunk index every 64 KiB: no two chunks alike, so lost, repeated or reordered data shows.
  for (let at = 0; at + 4 <= length; at += 64 * 1024) target.writeUInt32LE(index, at);
}

/** The data for `seed` as fresh 1 MiB buffers (each handed to a stream that may keep it a while). */
export function* generate(seed: number, size: number): Generator<Buffer> {
  const base = basePattern(seed);
  for (let index = 0, offset = 0; offset < size; index++) {
    const length = Math.min(CHUNK, size - offset);
    const chunk = Buffer.allocUnsafe(length);
    fillChunk(base, index, chunk, length);
    offset += length;
    yield chunk;
  }
}
