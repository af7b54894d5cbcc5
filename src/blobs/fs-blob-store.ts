/** Image data as one file per image in a directory; writes go to a temporary name, are fsynced, then renamed. */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { BlobStore } from './blob-store.js';

export class FsBlobStore implements BlobStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(imageId: string): string {
    // Image ids are UUIDs in practice, but a client may choose one: keep it inside the directory.
    return join(this.dir, encodeURIComponent(imageId));
  }

  async put(imageId: string, data: Uint8Array): Promise<void> {
    const temp = join(this.dir, `.${randomUUID()}.partial`);
    const file = await open(temp, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, this.path(imageId));
  }

  async get(imageId: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.path(imageId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async delete(imageId: string): Promise<void> {
    await rm(this.path(imageId), { force: true });
  }
}
