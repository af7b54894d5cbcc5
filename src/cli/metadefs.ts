/** `glint metadefs load PATH`: namespace files into the catalog, as `glance-manage db_load_metadefs` loads them. */
import { opendir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { loadOptionsProblem, namespaceFile, NamespaceFileError, type LoadOptions, type LoadOutcome } from '../catalog/metadefs/load.js';
import type { MetadefService } from '../catalog/metadefs/service.js';

export interface LoadReport {
  /** How many namespaces each outcome had. */
  outcomes: Record<LoadOutcome, number>;
  /** Files that are no namespace, and why; the others are loaded all the same, as glance-manage does. */
  failures: Array<{ file: string; reason: string }>;
}

/**
 * The namespace files of a directory (its `*.json` files), or the one file named. A directory's files come in
 * the order the file system lists them, as glance-manage reads them (`os.listdir`): the order decides the
 * namespaces' creation times, and with them the order of lists.
 */
async function namespaceFiles(path: string): Promise<string[]> {
  if ((await stat(path)).isFile()) return [path];
  const files: string[] = [];
  for await (const entry of await opendir(path)) if (entry.isFile() && entry.name.endsWith('.json')) files.push(join(path, entry.name));
  if (files.length === 0) throw new ConfigError(`no namespace files (*.json) in ${path}`);
  return files;
}

export async function loadMetadefFiles(metadefs: MetadefService, path: string, options: LoadOptions): Promise<LoadReport> {
  const problem = loadOptionsProblem(options);
  if (problem) throw new ConfigError(problem);
  const files = await namespaceFiles(path).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new ConfigError(`no such file or directory: ${path}`) : err;
  });
  const report: LoadReport = { outcomes: { created: 0, merged: 0, replaced: 0, skipped: 0 }, failures: [] };
  for (const file of files) {
    let parsed;
    try {
      parsed = namespaceFile(JSON.parse(await readFile(file, 'utf8')));
    } catch (err) {
      if (!(err instanceof SyntaxError || err instanceof NamespaceFileError)) throw err;
      report.failures.push({ file, reason: err.message });
      continue;
    }
    report.outcomes[await metadefs.load(parsed, options)]++;
  }
  return report;
}

/** What a load did, in one line. */
export function describeLoad(path: string, report: LoadReport): string {
  const { created, merged, replaced, skipped } = report.outcomes;
  const parts = [`${created} created`];
  if (merged) parts.push(`${merged} merged`);
  if (replaced) parts.push(`${replaced} overwritten`);
  if (skipped) parts.push(`${skipped} already present (left as they are; --merge loads what they lack)`);
  if (report.failures.length) parts.push(`${report.failures.length} not loaded`);
  return `Loaded namespaces from ${path}: ${parts.join(', ')}`;
}
