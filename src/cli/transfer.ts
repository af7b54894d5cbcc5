/** `glint import FILE` and `glint export FILE`. */
import { readFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CatalogService } from '../catalog/service.js';
import { exportCatalog, importCatalog, parseCatalog } from '../catalog/transfer.js';
import { progressBar } from './progress.js';

export async function importFile(catalog: CatalogService, file: string): Promise<number> {
  const parsed = parseCatalog(await readFile(file, 'utf8'));
  const bar = progressBar(`importing ${file}`);
  try {
    return await importCatalog(parsed, catalog.store, catalog.blobs, (done, total) => bar.update(done, total));
  } finally {
    bar.stop();
  }
}

export async function exportFile(catalog: CatalogService, file: string): Promise<number> {
  const total = await catalog.store.countImages();
  const bar = progressBar(`exporting ${file}`);
  let done = 0;
  try {
    const chunks = exportCatalog(catalog.store, catalog.blobs, () => bar.update(++done, total));
    await pipeline(Readable.from(chunks), createWriteStream(file));
  } finally {
    bar.stop();
  }
  return done;
}
