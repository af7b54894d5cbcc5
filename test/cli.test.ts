// The command line as people use it: `serve --demo` prints a working curl and stops cleanly on
// SIGTERM; `import` then `export` round-trips a catalog file.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { glintCommand, startGlint, stopGlint } from './support/glint-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GLINT = [process.execPath, ...glintCommand()] as const;
const work = mkdtempSync(join(tmpdir(), 'glint-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[]) => promisify(execFile)(GLINT[0], [...GLINT.slice(1), ...args], { cwd: ROOT });

/** `serve --demo` on `dataDir`, once it has printed its example curl; the output so far and the process. */
async function startDemo(dataDir: string) {
  const child = spawn(GLINT[0], [...GLINT.slice(1), 'serve', '--demo', '--data-dir', dataDir,
    '--compute-port', '0', '--image-port', '0', '--identity-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${output}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (/curl .*\n/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
  const stop = async () => {
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  };
  return { output, stop };
}

test('serve --demo prints its URLs and a curl that lists the demo images, and stops on SIGTERM', async () => {
  const dataDir = join(work, 'demo');
  const first = await startDemo(dataDir);
  const { output } = first;
  try {
    for (const name of ['compute', 'image', 'identity']) assert.match(output, new RegExp(`^\\s*${name}:\\s+http://127\\.0\\.0\\.1:\\d+$`, 'm'));
    const [, token, url] = /curl -s -H 'X-Auth-Token: ([^']+)' (\S+)/.exec(output)!;
    const answer = await fetch(url, { headers: { 'X-Auth-Token': token } });
    assert.equal(answer.status, 200);
    const { images } = (await answer.json()) as { images: Array<{ name: string }> };
    assert.ok(images.length >= 10, `the demo project sees the demo images (${images.length})`);
    assert.ok(images.some((image) => image.name.startsWith('Ubuntu')));

    // What lands in logs and scrollback is soon worth nothing: the token lives 15 minutes, and says so.
    assert.match(output, /a token of user demo that expires in 15 minutes, at \d\d:\d\d UTC/);
    const identity = /^ *identity: +(\S+)$/m.exec(output)![1];
    const validated = await fetch(`${identity}/v3/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
    const expiresIn = Date.parse(((await validated.json()) as { token: { expires_at: string } }).token.expires_at) - Date.now();
    assert.ok(expiresIn > 0 && expiresIn <= 15 * 60_000, `expires in ${expiresIn} ms`);
    assert.match(output, /password \(printed only this once\)/);
  } finally {
    await first.stop();
  }
  // Passwords are printed once, when they are made; a later start prints none.
  const again = await startDemo(dataDir);
  await again.stop();
  assert.doesNotMatch(again.output, /password \(printed only this once\)/);
});

test('serve warns when its identity.key does not open the access key secrets in the catalog', async () => {
  const dataDir = join(work, 'other-key');
  const ready = async () => {
    const glint = await startGlint(['--profile', 'openstack', '--auth', 'keystone', '--data-dir', dataDir]);
    await stopGlint(glint.child);
    return glint.output();
  };
  const at = ['--data-dir', dataDir];
  await run(['projects', 'create', 'p', ...at]);
  await run(['users', 'create', 'signer', '--project', 'p', '--password', 'signer-secret-pw', ...at]);
  await run(['credentials', 'create', '--user', 'signer', ...at]);
  assert.doesNotMatch(await ready(), /Warning/);
  rmSync(join(dataDir, 'identity.key'));
  assert.match(await ready(), /^Warning: .*identity\.key is not the key the catalog's access key secrets were sealed with/m);
});

test('import then export writes the imported images back', async () => {
  const dataDir = join(work, 'transfer');
  const source = join(ROOT, 'test/conformance/catalog.json');
  const imported = await run(['import', source, '--data-dir', dataDir]);
  assert.match(imported.stdout, /Imported 24 image\(s\) .*\(sets: base\); 981 not selected/);
  const again = await run(['import', source, '--data-dir', dataDir]);
  assert.match(again.stdout, /Imported 0 image\(s\) .*24 already present/);

  const file = join(work, 'export.json');
  const exported = await run(['export', file, '--data-dir', dataDir]);
  assert.match(exported.stdout, /Exported 24 image\(s\)/);
  const written = JSON.parse(readFileSync(file, 'utf8')) as { format: string; images: Array<{ id: string }> };
  const base = (JSON.parse(readFileSync(source, 'utf8')) as { images: Array<{ id: string; set: string }> }).images
    .filter((image) => image.set === 'base');
  assert.equal(written.format, 'reference-catalog/1');
  assert.deepEqual(written.images.map((i) => i.id).sort(), base.map((i) => i.id).sort());
});

test('seed --synthetic makes the same catalog from the same seed', async () => {
  const exports = [];
  for (const name of ['seed-a', 'seed-b']) {
    const dataDir = join(work, name);
    const seeded = await run(['seed', '--synthetic', '300', '--projects', '7', '--seed', '42', '--data-dir', dataDir]);
    assert.match(seeded.stdout, /^Seeded 300 synthetic image\(s\) over 7 project\(s\) \(seed 42\) in \d+\.\d s$/m);
    const file = join(work, `${name}.json`);
    await run(['export', file, '--data-dir', dataDir]);
    exports.push(readFileSync(file, 'utf8'));
  }
  assert.equal(exports[0], exports[1]);
  const images = (JSON.parse(exports[0]) as { images: Array<{ owner: string }> }).images;
  assert.equal(images.length, 300);
  assert.equal(new Set(images.map((i) => i.owner)).size, 7);
});

test('bad input to the command line is a one-line error, not a stack trace', async () => {
  await assert.rejects(run(['serve', '--profile', 'nova', '--data-dir', join(work, 'bad')]), (err: { stderr: string; code: number }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /^glint: unknown profile 'nova'/);
    return true;
  });
  await assert.rejects(run(['import', join(ROOT, 'package.json'), '--data-dir', join(work, 'bad')]), (err: { stderr: string }) => {
    assert.match(err.stderr, /^glint: expected \{"format": "reference-catalog\/1"/);
    return true;
  });
  await assert.rejects(run(['seed', '--synthetic', '0', '--data-dir', join(work, 'bad')]), (err: { stderr: string }) => {
    assert.match(err.stderr, /^glint: --synthetic must be a whole number of at least 1, got '0'/);
    return true;
  });
});
