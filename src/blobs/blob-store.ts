/** Where image bytes live; the catalog only records that an image has data. */
import type { Readable } from 'node:stream';

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface BlobWriter {
  /**
   * Streams the bytes in: nothing is visible under the image's name until the source has ended and
   * the bytes are durable; if the source fails, nothing is left behind. Returns the size.
   */
  write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number>;
  /** Gives up before `write` was called (or after it failed), leaving nothing behind. */
  abort(): Promise<void>;
}

export interface BlobStore {
  /** Stores the bytes of an image, replacing any earlier data, atomically (readers never see half a file). */
  put(imageId: string, data: Uint8Array): Promise<void>;
  /**
   * Starts writing an image's bytes. From this moment until the write ends, a crash leaves a trace
   * that `interrupted()` reports after the restart, so callers begin before they mark an upload started.
   */
  begin(imageId: string): Promise<BlobWriter>;
  /** The image's bytes (or a range of them) as a stream, or null when there are none. */
  open(imageId: string, range?: ByteRange): Promise<Readable | null>;
  get(imageId: string): Promise<Uint8Array | null>;
  delete(imageId: string): Promise<void>;
  /**
   * The images whose data a write left partial and that `abandoned` picks, once it has seen that write's
   * trace and when the write last showed life (its last write where the store can tell, else its start);
   * their partial data is removed. Which writes nobody performs any more is the caller's to say (see
   * `catalog/upload-lease.ts`): other processes, on this machine or others, may write into the same place.
   */
  interrupted(abandoned: (imageId: string, lastActive: Date) => Promise<boolean>): Promise<string[]>;
}
