import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { blobStoreContract } from './blob-store.contract.js';
import { FsBlobStore } from './fs-blob-store.js';

const root = mkdtempSync(join(tmpdir(), 'glint-blobs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let sites = 0;

blobStoreContract('FsBlobStore', async () => {
  const dir = join(root, String(++sites));
  return {
    open: async () => new FsBlobStore(dir),
    // Partial files (dot-names) included.
    stored: async () => readdirSync(dir).sort(),
  };
});
