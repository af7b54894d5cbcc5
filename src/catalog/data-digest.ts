/**
 * Image data on its way in: one pass over the stream computes md5 (`checksum`), sha512
 * (`os_hash_value`) and the size, enforces the size cap and inspects the disk format, while the
 * blob store writes the bytes. Memory stays constant whatever the image size.
 */
import { createHash } from 'node:crypto';
import { CatalogError } from './errors.js';

export interface DataDigest {
  size: number;
  checksum: string;
  os_hash_algo: 'sha512';
  os_hash_value: string;
}

/** Thrown when an upload passes the configured cap; the caller answers 413. */
export class UploadTooLarge extends CatalogError {
  constructor(readonly limit: number) {
    super('bad_request', `Image exceeds the storage quota: the upload limit is ${limit} bytes.`);
  }
}

export interface Observer {
  update(chunk: Uint8Array): void;
}

/** Data is handed on in pieces of at least this size: a store writes each at once, in one call. */
export const BATCH_BYTES = 1024 * 1024;

/**
 * Passes the source's bytes through unchanged, feeding every chunk to the hashes and observers, and fails
 * as soon as more than `maxBytes` have arrived. `digest()` is valid once the stream has ended.
 */
export function digesting(source: AsyncIterable<Uint8Array>, maxBytes: number, observers: Observer[] = []) {
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  const stream = batched(source, maxBytes, [md5, sha512, ...observers]);
  const digest = (): DataDigest => ({ size: stream.size, checksum: md5.digest('hex'), os_hash_algo: 'sha512', os_hash_value: sha512.digest('hex') });
  return { stream, digest };
}

/** Passes the source's bytes through unchanged, failing as soon as more than `maxBytes` have arrived. */
export function capped(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncIterable<Uint8Array> {
  return batched(source, maxBytes, []);
}

/**
 * The source's bytes gathered into pieces of at least BATCH_BYTES (the last one shorter), each chunk seen by
 * the observers as it arrives: what comes after (a write, an upload part) runs once per MiB rather than once
 * per network chunk, while the next batch is read and hashed. `size` counts the bytes read so far.
 */
function batched(source: AsyncIterable<Uint8Array>, maxBytes: number, observers: Observer[]): AsyncIterable<Uint8Array> & { size: number } {
  const state = {
    size: 0,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      for await (const chunk of source) {
        state.size += chunk.length;
        if (state.size > maxBytes) throw new UploadTooLarge(maxBytes);
        for (const observer of observers) observer.update(chunk);
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= BATCH_BYTES) {
          yield batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes);
          batch = [];
          batchBytes = 0;
        }
      }
      if (batchBytes > 0) yield batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes);
    },
  };
  return state;
}
