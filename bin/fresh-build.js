/**
 * Builds `dist/` from `src/` only when a source is newer than the last build, so a command starts without
 * the compiler. Run directly (`prepare`), it builds when needed; with `--always` (`npm run build`), always.
 */
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, readdirSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

/** Written after each build, with the build's start time: sources saved while it ran count as newer. */
export const STAMP = join('dist', '.build-stamp');
/** What the build reads besides the sources. */
const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json'];

/**
 * The newest modification time under `dir`, directories included (a removed or renamed source changes its
 * directory's).
 * @param {string} dir
 * @returns {number}
 */
function newestUnder(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether `root`'s build is older than its sources. A tree without sources (an installed package) is never stale.
 * @param {string} root
 * @returns {boolean}
 */
export function isStale(root) {
  const src = join(root, 'src');
  if (!existsSync(src)) return false;
  const stamp = join(root, STAMP);
  if (!existsSync(stamp) || !existsSync(join(root, 'dist', 'main.js'))) return true;
  const inputs = BUILD_INPUTS.map((name) => join(root, name)).filter((path) => existsSync(path));
  const newest = Math.max(newestUnder(src), ...inputs.map((path) => statSync(path).mtimeMs));
  return newest > statSync(stamp).mtimeMs;
}

/**
 * Compiles `root`'s sources into `dist/` with its own TypeScript, then stamps the build; throws when it fails.
 * @param {string} root
 */
export function build(root) {
  const started = new Date();
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const { status, error } = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (error || status !== 0) throw new Error(`glint: building ${root} failed${error ? `: ${error.message}` : ''}`);
  const stamp = join(root, STAMP);
  writeFileSync(stamp, '');
  utimesSync(stamp, started, started);
}

/**
 * Builds `root` when its sources are newer than its build; `compile` does the building (the tests stand in for tsc).
 * @param {string} root
 * @param {(root: string) => void} [compile]
 * @returns {boolean} whether it built
 */
export function buildIfStale(root, compile = build) {
  if (!isStale(root)) return false;
  compile(root);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // `npm run build` always builds, and stamps, so the next command does not build the same sources again.
  try {
    if (process.argv.includes('--always')) build(root);
    else buildIfStale(root);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
