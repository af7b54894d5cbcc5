// `glint reset` and `glint snapshot …` as people run them: against a running server (Keystone mode, the CLI
// making its own admin token), on a catalog no server runs on, and `serve --ephemeral`, whose directory goes
// when it is stopped.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { glintCommand, startGlint, stopGlint, type GlintUrls } from './support/glint-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'glint-state-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

const ADMIN_PASSWORD = 'state-cli-admin-password';
const DEMO_IMAGES = 14;

/** A glint command: its exit code and output, whatever the code. */
function glint(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GLINT_')));
    execFile(process.execPath, [...glintCommand(), ...args], { cwd: ROOT, env }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function succeeds(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await glint(args);
  assert.equal(code, 0, `glint ${args.join(' ')}: ${stderr}`);
  return stdout.trim();
}

/** How many images the admin sees through the image API, logged in with its password. */
async function imageCount(urls: GlintUrls): Promise<number> {
  const login = await fetch(`${urls.identity}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: ADMIN_PASSWORD } } },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  });
  assert.equal(login.status, 201);
  const res = await fetch(`${urls.image}/v2/images?limit=1000`, { headers: { 'x-auth-token': login.headers.get('x-subject-token')! } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { images: unknown[] }).images.length;
}

test('reset and snapshot commands act through the running server, and on the catalog directly once it is stopped', async () => {
  const dataDir = join(work, 'keystone');
  const server = await startGlint(['--demo', '--data-dir', dataDir], { env: { GLINT_ADMIN_PASSWORD: ADMIN_PASSWORD } });
  const at = ['--data-dir', dataDir];
  try {
    assert.equal(await imageCount(server.urls), DEMO_IMAGES);
    assert.match(await succeeds(['snapshot', 'list', ...at]), /^start\t\d{4}-\d\d-\d\dT/);
    assert.match(await succeeds(['snapshot', 'save', 'suite-a', ...at]), /^Saved snapshot suite-a \(/);

    assert.equal(await succeeds(['reset', ...at]), 'The catalog is empty');
    assert.equal(await imageCount(server.urls), 0);
    assert.equal(await succeeds(['reset', '--to-start', ...at]), 'The catalog is back to the start snapshot');
    assert.equal(await imageCount(server.urls), DEMO_IMAGES);

    await succeeds(['reset', ...at]);
    assert.equal(await succeeds(['snapshot', 'restore', 'suite-a', ...at]), 'Restored snapshot suite-a');
    assert.equal(await imageCount(server.urls), DEMO_IMAGES);
    assert.equal(await succeeds(['snapshot', 'delete', 'suite-a', ...at]), 'Deleted snapshot suite-a');

    const unknown = await glint(['snapshot', 'restore', 'suite-a', ...at]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), 'glint: No snapshot named suite-a.');
    const escaping = await glint(['snapshot', 'save', '../outside', ...at]);
    assert.equal(escaping.code, 1);
    assert.match(escaping.stderr, /^glint: Invalid snapshot name "\.\.\/outside"/);
    assert.equal(existsSync(join(dataDir, 'outside')), false);
  } finally {
    assert.equal((await stopGlint(server.child)).code, 0);
  }

  assert.equal(existsSync(join(dataDir, 'control.json')), false);
  assert.equal(await succeeds(['reset', ...at]), 'The catalog is empty');
  assert.equal(await succeeds(['reset', '--to-start', ...at]), 'The catalog is back to the start snapshot');
  assert.match(await succeeds(['snapshot', 'list', ...at]), /^start\t[^\n]+$/);
  assert.equal(await succeeds(['snapshot', 'delete', 'start', ...at]), 'Deleted snapshot start');
  assert.equal(await succeeds(['snapshot', 'list', ...at]), 'No snapshots');
});

test('serve --ephemeral keeps its catalog in a private temporary directory, removed when SIGTERM stops it', async () => {
  const server = await startGlint(['--ephemeral', '--auth', 'noauth', '--demo']);
  const dataDir = /data in (\S+glint-ephemeral-\w+)/.exec(server.output())?.[1];
  try {
    assert.ok(dataDir, server.output());
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.ok(existsSync(join(dataDir, 'catalog.sqlite')));
    assert.match(await succeeds(['snapshot', 'save', 'in-ci', '--data-dir', dataDir]), /^Saved snapshot in-ci/);
  } finally {
    assert.equal((await stopGlint(server.child)).code, 0);
  }
  assert.equal(existsSync(dataDir), false);
});

test('serve --ephemeral refuses a catalog kept elsewhere', async () => {
  const { code, stderr } = await glint(['serve', '--ephemeral', '--database', 'postgres://nobody@127.0.0.1:1/none']);
  assert.equal(code, 1);
  assert.match(stderr, /^glint: --ephemeral keeps the catalog and image data in a temporary directory: it cannot be combined with --database or --blobs/);
});

test('a start that loads no catalog takes no start snapshot', async () => {
  const dataDir = join(work, 'unloaded');
  const server = await startGlint(['--auth', 'noauth', '--data-dir', dataDir]);
  try {
    assert.equal(await succeeds(['snapshot', 'list', '--data-dir', dataDir]), 'No snapshots');
  } finally {
    assert.equal((await stopGlint(server.child)).code, 0);
  }
});
