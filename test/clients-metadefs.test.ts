// Debian's `glance` command (python3-glanceclient 4.1) drives every metadata definition call of a Glint child
// process: namespaces, objects, properties, tags and resource types, made, read, changed and removed as an
// operator would, and namespaces loaded with `glint metadefs load` read back. The client is not optional: when
// it is missing this test fails and says how to install it (.ci/run installs it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { expectSuccess, explain, parseProperties, parseRecords, requireClient, runCli, startGlint, type GlintServer } from './clients/harness.js';
import { glintCommand } from './support/glint-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN = `admin:${randomBytes(16).toString('hex')}`;

let server: GlintServer;
before(async () => {
  server = await startGlint();
});
after(async () => server?.stop());

test('glance md-* commands make, read, change and remove metadata definitions', async (t) => {
  const bin = requireClient('glance');
  const glance = async (...args: string[]) => expectSuccess(await runCli([bin, '--os-image-url', server.image, '--os-auth-token', ADMIN, ...args], server), `glance ${args[0]}`);
  const table = async (...args: string[]) => parseProperties((await glance(...args)).stdout);
  const rows = async (...args: string[]) => parseRecords((await glance(...args)).stdout);
  const ns = `glint-md-${randomBytes(3).toString('hex')}`;

  await t.test('namespaces: create, show, list, update', async () => {
    const created = await table('md-namespace-create', ns, '--display-name', 'Made by glance', '--description', 'a test namespace', '--visibility', 'public');
    assert.deepEqual([created.namespace, created.display_name, created.visibility, created.protected], [ns, 'Made by glance', 'public', 'False']);
    assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal((await table('md-namespace-show', ns)).description, 'a test namespace');
    assert.ok((await rows('md-namespace-list')).some((row) => row.namespace === ns));
    const updated = await table('md-namespace-update', ns, '--description', 'changed', '--protected', 'true');
    assert.deepEqual([updated.description, updated.protected, updated.display_name], ['changed', 'True', 'Made by glance']);
  });

  await t.test('objects: create, list, show, a property of one, update', async () => {
    const schema = JSON.stringify({ description: 'an object', required: ['port'], properties: { port: { title: 'Port', type: 'integer', minimum: 1 } } });
    const created = await table('md-object-create', ns, '--name', 'console', '--schema', schema);
    assert.deepEqual([created.name, created.required, created.properties], ['console', '["port"]', '["port"]']);
    assert.deepEqual(await rows('md-object-list', ns), [{ name: 'console', description: 'an object' }]);
    assert.equal((await table('md-object-show', ns, 'console')).description, 'an object');
    assert.deepEqual(await table('md-object-property-show', ns, 'console', 'port'), { name: 'port', title: 'Port', type: 'integer', minimum: '1' });
    const renamed = await table('md-object-update', ns, 'console', '--name', 'serial');
    assert.deepEqual([renamed.name, renamed.required], ['serial', '["port"]']);
  });

  await t.test('properties: create, list, show, update', async () => {
    const created = await table('md-property-create', ns, '--name', 'delay', '--title', 'Delay', '--schema', JSON.stringify({ type: 'integer', minimum: 1.5 }));
    assert.deepEqual(created, { name: 'delay', title: 'Delay', type: 'integer', minimum: '1' });
    assert.deepEqual(await rows('md-property-list', ns), [{ name: 'delay', title: 'Delay', type: 'integer' }]);
    assert.equal((await table('md-property-show', ns, 'delay')).title, 'Delay');
    const updated = await table('md-property-update', ns, 'delay', '--name', 'boot_delay', '--title', 'Boot delay');
    assert.deepEqual([updated.name, updated.title, updated.minimum], ['boot_delay', 'Boot delay', '1']);
  });

  await t.test('tags: create, create several, list, show, update', async () => {
    assert.equal((await table('md-tag-create', ns, '--name', 'first')).name, 'first');
    // A batch takes the place of the tags there were.
    assert.deepEqual(await rows('md-tag-create-multiple', ns, '--names', 'a,b', '--delim', ','), [{ name: 'a' }, { name: 'b' }]);
    assert.deepEqual(await rows('md-tag-list', ns), [{ name: 'b' }, { name: 'a' }]);
    assert.equal((await table('md-tag-show', ns, 'a')).name, 'a');
    assert.equal((await table('md-tag-update', ns, 'a', '--name', 'c')).name, 'c');
  });

  await t.test('resource types: list, associate, list a namespace\'s, show it named for one', async () => {
    const associated = await table('md-resource-type-associate', ns, '--name', 'Glint::Test::Thing', '--prefix', 'thing_');
    assert.deepEqual([associated.name, associated.prefix], ['Glint::Test::Thing', 'thing_']);
    assert.ok((await rows('md-resource-type-list')).some((row) => row.name === 'Glint::Test::Thing'));
    assert.deepEqual(await rows('md-namespace-resource-type-list', ns), [{ name: 'Glint::Test::Thing', prefix: 'thing_', properties_target: '' }]);
    const shown = await table('md-namespace-show', ns, '--resource-type', 'Glint::Test::Thing');
    assert.deepEqual([shown.properties, shown.objects, shown.tags], ['["thing_boot_delay"]', '["serial"]', '["b", "c"]']);
  });

  await t.test('a protected namespace keeps its contents; once it is not, they are removed', async () => {
    const refused = await runCli([bin, '--os-image-url', server.image, '--os-auth-token', ADMIN, 'md-tag-delete', ns, 'b'], server);
    assert.notEqual(refused.code, 0, explain(refused));
    assert.match(refused.stdout + refused.stderr, /Metadata definition tag b is protected and cannot be deleted\./);
    await glance('md-namespace-update', ns, '--protected', 'false');
    await glance('md-tag-delete', ns, 'b');
    await glance('md-property-delete', ns, 'boot_delay');
    await glance('md-object-delete', ns, 'serial');
    await glance('md-resource-type-deassociate', ns, 'Glint::Test::Thing');
    assert.deepEqual(await rows('md-tag-list', ns), [{ name: 'c' }]);
    await glance('md-namespace-tags-delete', ns);
    await glance('md-namespace-objects-delete', ns);
    await glance('md-namespace-properties-delete', ns);
    const emptied = await table('md-namespace-show', ns);
    assert.deepEqual([emptied.tags, emptied.objects, emptied.properties, emptied.resource_type_associations], [undefined, undefined, undefined, undefined]);
    await glance('md-namespace-delete', ns);
    const gone = await runCli([bin, '--os-image-url', server.image, '--os-auth-token', ADMIN, 'md-namespace-show', ns], server);
    assert.notEqual(gone.code, 0, explain(gone));
    assert.match(gone.stdout + gone.stderr, new RegExp(`Metadata definition namespace=${ns} was not found\\.`));
  });

  await t.test('a namespace file imported with md-namespace-import, and files loaded with glint metadefs load', async () => {
    const imported = await table('md-namespace-import', '--file', `${ROOT}test/fixtures/metadefs/glint-plain.json`);
    assert.equal(imported.namespace, 'Glint::Test::Plain');
    await glance('md-namespace-delete', 'Glint::Test::Plain');
    await promisify(execFile)(process.execPath, [...glintCommand(), 'metadefs', 'load', 'test/fixtures/metadefs', '--data-dir', server.dataDir], { cwd: ROOT });
    const listed = await rows('md-namespace-list', '--resource-types', 'OS::Nova::Flavor');
    assert.deepEqual(listed.map((row) => row.namespace), ['Glint::Test::BootOptions']);
    const boot = await table('md-namespace-show', 'Glint::Test::BootOptions');
    assert.deepEqual([boot.owner, boot.protected, boot.properties], ['admin', 'True', '["boot_delay", "firmware"]']);
    assert.deepEqual(await table('md-property-show', 'Glint::Test::BootOptions', 'firmware'), {
      name: 'firmware', title: 'Firmware', type: 'string', description: 'The firmware that boots the guest.', enum: '["bios", "uefi"]',
    });
  });
});
