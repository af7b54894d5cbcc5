/** Filling a (small, test-made) file system, to see how Glint meets a full disk. */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';

/** Fills the file system holding `file` up to its last byte, with that file. */
export function fillFileSystem(file: string): void {
  writeFileSync(file, '');
  for (const size of [1024 * 1024, 4096, 1]) {
    try {
      for (;;) appendFileSync(file, Buffer.alloc(size));
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    }
  }
}
