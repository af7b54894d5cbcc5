/**
 * Whether a directory can be written, as a health check asks it: by writing a small file there and removing it,
 * at most once every few seconds however often it is asked, so that polling it costs nothing measurable.
 */
import { randomBytes } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A few bytes, not an empty file: a full disk still makes empty files (an inode is no block). */
const PROBE_BYTES = Buffer.alloc(512);

export class WritableDir {
  private last: { at: number; writable: Promise<boolean> } | null = null;
  /** Its own name, so that processes probing one directory never remove each other's file. */
  private readonly probe: string;

  constructor(
    dir: string,
    private readonly maxAgeMs = 3000,
    private readonly now: () => number = Date.now,
  ) {
    this.probe = join(dir, `.writable-${randomBytes(6).toString('hex')}`);
  }

  /** The outcome of the last probe if it is recent enough, else of a new one. */
  writable(): Promise<boolean> {
    const now = this.now();
    if (this.last === null || now - this.last.at >= this.maxAgeMs) this.last = { at: now, writable: this.write() };
    return this.last.writable;
  }

  private async write(): Promise<boolean> {
    try {
      await writeFile(this.probe, PROBE_BYTES, { mode: 0o600 });
      await unlink(this.probe);
      return true;
    } catch {
      return false;
    }
  }
}
