// `glint metadefs load`: namespace files into the catalog as `glance-manage db_load_metadefs` loads them,
// then read back through the image API. The files are Glint's own (test/fixtures/metadefs), not Glance's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { opendir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { glintCommand } from './support/glint-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/metadefs');
const work = mkdtempSync(join(tmpdir(), 'glint-metadefs-load-'));
after(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[]) => promisify(execFile)(process.execPath, [...glintCommand(), ...args], { cwd: ROOT });
const ADMIN = 'admin:a1a10000000000000000000000000001';

/** What the image API answers on the catalog in `dataDir` (listening on a free port), for `look`. */
async function onApi<T>(dataDir: string, look: (get: (url: string) => Promise<Record<string, unknown>>, glint: Glint) => Promise<T>): Promise<T> {
  const glint = await createGlint(loadConfig({ profile: 'openstack', auth: 'noauth', dataDir, computePort: 0, imagePort: 0, identityPort: 0 }, {}));
  try {
    await glint.listen();
    return await look(async (url) => {
      const res = await fetch(`${glint.urls.image}${url}`, { headers: { 'x-auth-token': ADMIN } });
      const body = await res.text();
      assert.equal(res.status, 200, body);
      return JSON.parse(body) as Record<string, unknown>;
    }, glint);
  } finally {
    await glint.close();
  }
}

/** A copy of the fixtures in a directory of their own, `change`d. */
function changedFixtures(name: string, change: (boot: Record<string, unknown>) => void): string {
  const dir = join(work, name);
  cpSync(FIXTURES, dir, { recursive: true });
  const file = join(dir, 'glint-boot-options.json');
  const boot = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(boot);
  writeFileSync(file, JSON.stringify(boot));
  return dir;
}

const BOOT = '/v2/metadefs/namespaces/Glint::Test::BootOptions';

test('a load stores each file\'s namespace as written, a second leaves them as they are', async () => {
  const dataDir = join(work, 'first');
  const first = await run(['metadefs', 'load', FIXTURES, '--data-dir', dataDir]);
  assert.equal(first.stdout, `Loaded namespaces from ${FIXTURES}: 2 created\n`);
  const again = await run(['metadefs', 'load', FIXTURES, '--data-dir', dataDir]);
  assert.equal(again.stdout, `Loaded namespaces from ${FIXTURES}: 0 created, 2 already present (left as they are; --merge loads what they lack)\n`);
  await onApi(dataDir, async (get, glint) => {
    const boot = await get(BOOT);
    // What a load makes has no updated_at; an owner the file does not name is admin.
    assert.deepEqual(
      [boot.owner, boot.visibility, boot.protected, boot.updated_at, boot.display_name],
      ['admin', 'public', true, undefined, 'Boot options (Glint test)'],
    );
    assert.deepEqual(boot.resource_type_associations, [
      { name: 'OS::Glance::Image', prefix: 'glint_', created_at: boot.created_at },
      { name: 'OS::Nova::Flavor', prefix: 'glint:', created_at: boot.created_at },
      { name: 'OS::Cinder::Volume', prefix: 'glint_', properties_target: 'image', created_at: boot.created_at },
    ]);
    // A definition reads as Glance's model reads it: its attributes in the model's order, what the model lacks left out.
    assert.deepEqual(boot.properties, {
      boot_delay: { type: 'integer', title: 'Boot delay', description: 'Seconds the firmware waits before it boots.', default: '0', minimum: 0, maximum: 60 },
      firmware: { type: 'string', title: 'Firmware', description: 'The firmware that boots the guest.', enum: ['bios', 'uefi'] },
    });
    // glance-manage does not load what an object requires.
    const [object] = boot.objects as Array<Record<string, unknown>>;
    assert.deepEqual([object.name, object.required, Object.keys(object.properties as object)], ['Serial console', [], ['console_port']]);
    assert.deepEqual(boot.tags, [{ name: 'firmware' }, { name: 'boot' }]);
    const plain = await get('/v2/metadefs/namespaces/Glint::Test::Plain');
    assert.deepEqual([plain.owner, plain.visibility, plain.protected], ['admin', 'private', false]);
    // The resource types a load makes are protected.
    assert.deepEqual((await glint.storage.metadefs.listResourceTypes()).map((type) => [type.name, type.protected, type.updated_at]), [
      ['OS::Glance::Image', true, null], ['OS::Nova::Flavor', true, null], ['OS::Cinder::Volume', true, null],
    ]);
  });
});

test('--merge adds what a namespace lacks; --prefer-new rewrites what both hold; --overwrite makes it again', async () => {
  const dataDir = join(work, 'merges');
  await run(['metadefs', 'load', FIXTURES, '--data-dir', dataDir]);
  const changed = changedFixtures('changed', (boot) => {
    boot.display_name = 'Boot options, second edition';
    boot.tags = [{ name: 'uefi' }];
    (boot.properties as Record<string, { title: string }>).boot_delay.title = 'Delay before boot';
  });
  const merged = await run(['metadefs', 'load', changed, '--merge', '--data-dir', dataDir]);
  assert.equal(merged.stdout, `Loaded namespaces from ${changed}: 0 created, 2 merged\n`);
  await onApi(dataDir, async (get) => {
    const boot = await get(BOOT);
    assert.equal(boot.display_name, 'Boot options (Glint test)');
    assert.equal((boot.properties as Record<string, { title: string }>).boot_delay.title, 'Boot delay');
    assert.deepEqual(boot.tags, [{ name: 'uefi' }, { name: 'firmware' }, { name: 'boot' }]);
  });
  await run(['metadefs', 'load', changed, '--merge', '--prefer-new', '--data-dir', dataDir]);
  await onApi(dataDir, async (get) => {
    const boot = await get(BOOT);
    assert.equal(boot.display_name, 'Boot options, second edition');
    assert.match(String(boot.updated_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((boot.properties as Record<string, { title: string }>).boot_delay.title, 'Delay before boot');
  });
  const overwritten = await run(['metadefs', 'load', changed, '--merge', '--overwrite', '--data-dir', dataDir]);
  assert.equal(overwritten.stdout, `Loaded namespaces from ${changed}: 0 created, 2 overwritten\n`);
  await onApi(dataDir, async (get) => {
    const boot = await get(BOOT);
    assert.deepEqual(boot.tags, [{ name: 'uefi' }]);
    assert.equal(boot.updated_at, undefined);
  });
});

test('a file that is no namespace is told of and left out, the others loaded; options that do not go together are refused', async () => {
  const dataDir = join(work, 'refusals');
  const dir = changedFixtures('broken', () => undefined);
  writeFileSync(join(dir, 'broken.json'), '{"namespace": ');
  writeFileSync(join(dir, 'nameless.json'), '{"display_name": "no namespace"}');
  await assert.rejects(run(['metadefs', 'load', dir, '--data-dir', dataDir]), (err: { code: number; stdout: string; stderr: string }) => {
    assert.equal(err.code, 1);
    assert.match(err.stderr, /^glint: .*broken\.json is no namespace file, not loaded: /m);
    assert.match(err.stderr, /^glint: .*nameless\.json is no namespace file, not loaded: no "namespace" named$/m);
    assert.equal(err.stdout, `Loaded namespaces from ${dir}: 2 created, 2 not loaded\n`);
    return true;
  });
  for (const [args, words] of [
    [['--prefer-new'], 'To use --prefer-new or --overwrite you need to combine of these options with --merge option.'],
    [['--merge', '--prefer-new', '--overwrite'], 'Please provide no more than one option from this list: --prefer-new, --overwrite'],
  ] as const) {
    await assert.rejects(run(['metadefs', 'load', FIXTURES, ...args, '--data-dir', dataDir]), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.equal(err.stderr, `glint: ${words}\n`);
      return true;
    });
  }
  await assert.rejects(run(['metadefs', 'load', join(work, 'nowhere'), '--data-dir', dataDir]), (err: { stderr: string }) => {
    assert.equal(err.stderr, `glint: no such file or directory: ${join(work, 'nowhere')}\n`);
    return true;
  });
  // One file may be named instead of a directory.
  const single = await run(['metadefs', 'load', join(FIXTURES, 'glint-plain.json'), '--data-dir', join(work, 'single')]);
  assert.match(single.stdout, /: 1 created\n$/);
});

test('a directory loads in the order its file system lists it, as glance-manage reads it: the latest first in a list', async () => {
  const dir = join(work, 'listed');
  mkdirSync(dir);
  for (const name of ['m', 'b', 'z', 'a', 'q', 'c']) {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ namespace: `Glint::Order::${name}`, display_name: name }));
  }
  const listed: string[] = [];
  for await (const entry of await opendir(dir)) listed.push(`Glint::Order::${entry.name.replace('.json', '')}`);
  const dataDir = join(work, 'listed-data');
  await run(['metadefs', 'load', dir, '--data-dir', dataDir]);
  await onApi(dataDir, async (get) => {
    const { namespaces } = (await get('/v2/metadefs/namespaces')) as { namespaces: Array<{ namespace: string }> };
    assert.deepEqual(namespaces.map((n) => n.namespace), listed.reverse());
  });
});
