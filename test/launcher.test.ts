// The `glint` launcher compiles only when a source is newer than the last build, and runs the build it has.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'glint-launcher-'));
after(() => rmSync(project, { recursive: true, force: true }));

/** A project laid out as Glint's, whose program prints `word`, with this checkout's launcher and TypeScript. */
function makeProject(): void {
  mkdirSync(join(project, 'bin'));
  mkdirSync(join(project, 'src'));
  for (const file of ['glint.js', 'fresh-build.js']) copyFileSync(join(ROOT, 'bin', file), join(project, 'bin', file));
  symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'launched', type: 'module' }));
  const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', rootDir: 'src', outDir: 'dist', types: [] };
  writeFileSync(join(project, 'tsconfig.build.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
}

/** Saves the program's source printing `word`, `secondsAhead` newer than now. */
function writeSource(word: string, secondsAhead = 0): void {
  const file = join(project, 'src', 'main.ts');
  writeFileSync(file, `const word: string = ${JSON.stringify(word)};\nconsole.log(word);\n`);
  const at = new Date(Date.now() + secondsAhead * 1000);
  utimesSync(file, at, at);
}

const launch = async () => (await promisify(execFile)(process.execPath, [join(project, 'bin', 'glint.js')], { cwd: project })).stdout;
const builtAt = () => statSync(join(project, 'dist', 'main.js')).mtimeMs;

test('the launcher builds a tree never built, then runs that build until a source is newer', async () => {
  makeProject();
  writeSource('first');
  assert.equal(await launch(), 'first\n');
  const built = builtAt();

  assert.equal(await launch(), 'first\n');
  assert.equal(builtAt(), built, 'an unchanged tree is not built again');

  writeSource('second', 5);
  assert.equal(await launch(), 'second\n');
  assert.notEqual(builtAt(), built, 'a newer source is built');
});
