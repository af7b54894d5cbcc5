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

/**
 * Passes the source through unchanged, feeding every chunk to the hashes and observers, and fails
 * as soon as more than `maxBytes` have arrived. `digest()` is valid once the stream has ended.
 */
export function digesting(source: AsyncIterable<Uint8Array>, maxBytes: number, observers: Observer[] = []) {
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  let size = 0;
  async function* stream(): AsyncGenerator<Uint8Array> {
    for await (const chunk of capped(source, maxBytes)) {
      size += chunk.length;
      md5.update(chunk);
      sha512.update(chunk);
      for (const observer of observers) observer.update(chunk);
      yield chunk;
    }
  }
  const digest = (): DataDigest => ({ size, checksum: md5.digest('hex'), os_hash_algo: 'sha512', os_hash_value: sha512.digest('hex') });
  return { stream: stream(), digest };
}

/** Passes the source through unchanged, failing as soon as more than `maxBytes` have arrived. */
export async function* capped(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > maxBytes) throw new UploadTooLarge(maxBytes);
    yield chunk;
  }
}
