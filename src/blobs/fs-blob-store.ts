/**
 * Image data as one file per image in a directory. Writes go to a temporary name, are fsynced,
 * then renamed into place, so a crash at any moment leaves either the old state or the new one;
 * temporary files a crash left behind are removed when `interrupted()` reports them.
 */
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { copyFile, link, open, readdir, readFile, rename, rm, rmdir, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { throwAsFull } from '../common/storage-full.js';
import type { BlobStore, BlobWriter, ByteRange } from '../catalog/ports.js';
import { FileData } from './file-data.js';

const PARTIAL = '.partial';
/** Bytes gathered into one write. */
const WRITE_BATCH = 1024 * 1024;
/** Image data is no other local user's to read, whatever the umask. */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

const dataFull = (err: unknown) => throwAsFull('data', err);

export class FsBlobStore implements BlobStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    chmodSync(dir, DIR_MODE);
  }

  async interrupted(abandoned: (imageId: string, lastActive: Date) => Promise<boolean>): Promise<string[]> {
    // Partial files are named `.<image id>.<random>.partial`, so a crash leaves a record of whose upload it was.
    const leftovers = new Set<string>();
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith(PARTIAL)) continue;
      const imageId = decodeURIComponent(name.slice(1, name.indexOf('.', 1)));
      // Gone since the listing: its writer finished or gave up.
      const written = statSync(join(this.dir, name), { throwIfNoEntry: false })?.mtime;
      if (!written || !(await abandoned(imageId, written))) continue;
      leftovers.add(imageId);
      rmSync(join(this.dir, name), { force: true });
    }
    return [...leftovers];
  }

  private path(imageId: string): string {
    // Image ids are UUIDs, but keep any name inside the directory regardless.
    return join(this.dir, encodeURIComponent(imageId));
  }

  async put(imageId: string, data: Uint8Array): Promise<void> {
    await (await this.begin(imageId)).write([data]);
  }

  async begin(imageId: string): Promise<BlobWriter> {
    const name = `.${encodeURIComponent(imageId)}.${randomUUID()}${PARTIAL}`;
    const temp = join(this.dir, name);
    const file = await open(temp, 'w', FILE_MODE).catch(dataFull);
    const abort = async () => {
      await file.close().catch(() => undefined);
      await rm(temp, { force: true });
    };
    const write = async (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number> => {
      let size = 0;
      // Chunks are gathered into large writes, one in flight while the next batch is read and hashed:
      // a write per network chunk would leave the disk idle while the stream waits on each one.
      let batch: Uint8Array[] = [];
      let batched = 0;
      let writing: Promise<unknown> = Promise.resolve();
      const flush = async () => {
        await writing;
        writing = file.writev(batch);
        // Settled by the next flush, or by the race below while the source is read: never left unhandled.
        writing.catch(() => undefined);
        batch = [];
        batched = 0;
      };
      const chunks = (async function* () {
        yield* source;
      })();
      try {
        for (;;) {
          // A write that fails (the disk is full) ends the upload at once, not when the client sends more.
          const next = chunks.next();
          next.catch(() => undefined);
          const step = await Promise.race([next, writing.then(() => next)]);
          if (step.done) break;
          batch.push(step.value);
          batched += step.value.length;
          size += step.value.length;
          if (batched >= WRITE_BATCH) await flush();
        }
        await flush();
        await writing;
        await file.sync();
        await file.close();
        await rename(temp, this.path(imageId));
        // The rename itself must be durable before the catalog records the data as there.
        const dir = await open(this.dir, 'r');
        await dir.sync();
        await dir.close();
      } catch (err) {
        // The source is left where it stopped, not closed: closing a request's body would close its connection
        // before the client is answered. Whatever it still does settles unobserved.
        await writing.catch(() => undefined);
        await abort();
        return dataFull(err);
      }
      return size;
    };
    return { write, abort };
  }

  async open(imageId: string, range?: ByteRange): Promise<Readable | null> {
    let file: FileHandle;
    try {
      file = await open(this.path(imageId), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (range) return new FileData(file, range.start, range.end + 1);
    try {
      return new FileData(file, 0, (await file.stat()).size);
    } catch (err) {
      await file.close();
      throw err;
    }
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

  async ids(): Promise<string[]> {
    // Dot-names are writes under way; a destroyed store holds nothing.
    const names = await readdir(this.dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    return names.filter((name) => !name.startsWith('.')).map((name) => decodeURIComponent(name));
  }

  /**
   * A hard link where the file system allows it: a file is never written again once renamed into place (a new
   * write replaces the name, not the bytes), so the linked file keeps its bytes whatever the other store does.
   */
  async adopt(from: BlobStore, imageId: string): Promise<void> {
    if (!(from instanceof FsBlobStore)) throw new Error('a directory store adopts data from another directory store only');
    const source = from.path(imageId);
    const temp = join(this.dir, `.${encodeURIComponent(imageId)}.${randomUUID()}${PARTIAL}`);
    try {
      await link(source, temp).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV' && err.code !== 'EPERM') throw err;
        await copyFile(source, temp);
      });
      await rename(temp, this.path(imageId));
    } catch (err) {
      await rm(temp, { force: true });
      return dataFull(err);
    }
  }

  /** `snapshots/NAME/<this directory's name>` beside this directory: the catalog's snapshot keeps its file there too. */
  snapshot(name: string): FsBlobStore {
    return new FsBlobStore(join(dirname(this.dir), 'snapshots', name, basename(this.dir)));
  }

  async destroy(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    // The snapshot's directory goes with the last of what it held.
    await rmdir(dirname(this.dir)).catch(() => undefined);
  }
}
