/**
 * `npm run bench`: the list benchmark, then the image data benchmark, each in its own process.
 * `npm run bench -- --scale N [--backend sqlite|postgres]`: the lists on a synthetic catalog of N
 * images instead (bench/scale.ts); `--data-dir DIR` reuses a SQLite catalog seeded so before.
 * `BENCH_ONLY=<regex>` runs only the scenarios whose names match.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scaleBench } from './scale.js';

const args = process.argv.slice(2);
const scaleAt = args.indexOf('--scale');
const backendAt = args.indexOf('--backend');
const dataDirAt = args.indexOf('--data-dir');

async function main(): Promise<number> {
  if (scaleAt >= 0) {
    const images = Number(args[scaleAt + 1]);
    if (!Number.isSafeInteger(images) || images < 1000) throw new Error(`--scale needs a number of images (at least 1000), got '${args[scaleAt + 1] ?? ''}'`);
    const backend = backendAt >= 0 ? args[backendAt + 1] : 'sqlite';
    if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`--backend is sqlite or postgres, got '${backend ?? ''}'`);
    const seeded = dataDirAt >= 0 ? args[dataDirAt + 1] : undefined;
    if (dataDirAt >= 0 && (!seeded || backend !== 'sqlite')) throw new Error('--data-dir names a seeded SQLite data directory');
    return scaleBench(images, backend, seeded);
  }
  if (args.length > 0) throw new Error(`unknown arguments: ${args.join(' ')} (only --scale N [--backend sqlite|postgres] [--data-dir DIR])`);
  for (const script of ['list.ts', 'data.ts']) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], { stdio: 'inherit' });
    if (run.status !== 0) return run.status ?? 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
