/** `glint import FILE` and `glint export FILE`. */
import { readFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReferenceCatalog } from '../catalog/reference-catalog.js';
import type { CatalogService } from '../catalog/service.js';
import { defaultSets, parseCatalog, selectImages, type ImageSelection } from '../catalog/transfer.js';
import { progressBar } from './progress.js';

export interface ImportReport {
  added: number;
  selected: number;
  /** Images of the file that the selection left out. */
  skipped: number;
  sets?: string[];
  /** The projects the file describes, if any. */
  projects?: ReferenceCatalog['projects'];
}

/** Imports a file; without an explicit selection, the sets the catalog itself names as its default. */
export async function importFile(catalog: CatalogService, file: string, selection: ImageSelection = {}): Promise<ImportReport> {
  const parsed = parseCatalog(await readFile(file, 'utf8'));
  const sets = selection.sets?.length ? selection.sets : defaultSets(parsed);
  const images = selectImages(parsed, { ...selection, sets });
  const bar = progressBar(`importing ${file}`);
  try {
    const added = await catalog.importCatalog(parsed, (done, total) => bar.update(done, total), images);
    return { added, selected: images.length, skipped: parsed.images.length - images.length, sets, projects: parsed.projects };
  } finally {
    bar.stop();
  }
}

/** One line saying what an import did, and how to load what it left out. */
export function describeImport(file: string, report: ImportReport): string {
  const kept = report.selected - report.added;
  let line = `Imported ${report.added} image(s) from ${file}`;
  if (report.sets) line += ` (sets: ${report.sets.join(', ')})`;
  if (kept > 0) line += `; ${kept} already present`;
  if (report.skipped > 0) line += `; ${report.skipped} not selected (choose with --set and --exclude)`;
  return line;
}

export async function exportFile(catalog: CatalogService, file: string): Promise<number> {
  const total = await catalog.countImages();
  const bar = progressBar(`exporting ${file}`);
  let done = 0;
  try {
    const chunks = catalog.exportCatalog(() => bar.update(++done, total));
    await pipeline(Readable.from(chunks), createWriteStream(file));
  } finally {
    bar.stop();
  }
  return done;
}
