// Interoperable image import with unmodified clients from Debian against a Glint child process that may fetch
// from loopback (`--web-download-allow-internal`): `glance import-info`, `glance image-create-via-import` with
// web-download (from an HTTP server of the test's own) and glance-direct, a web-download that fails as the
// reference's does, and openstacksdk's create_image(use_import=True). Each import must end active with the
// bytes' md5 and sha512. The clients are not optional: when one is missing these tests fail and say how to
// install it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import {
  DEBIAN_PYTHON, expectSuccess, explain, parseJson, parseProperties, requireClient, requirePythonModules, runCli, startGlint,
  type GlintServer, UUID,
} from './clients/harness.js';
import { startWebServer, type WebServer } from './support/web-server.js';

const SDK_SCRIPT = fileURLToPath(new URL('./clients/openstacksdk_import.py', import.meta.url));

// A few KiB and a bit, not a multiple of any chunk size.
const DATA = randomBytes(7 * 1024 + 45);
const MD5 = createHash('md5').update(DATA).digest('hex');
const SHA512 = createHash('sha512').update(DATA).digest('hex');
const PROJECT = randomBytes(16).toString('hex');
const TOKEN = `importer:${PROJECT}`;

const work = mkdtempSync(join(tmpdir(), 'glint-clients-import-'));
const IMAGE_FILE = join(work, 'image.raw');
writeFileSync(IMAGE_FILE, DATA);

let server: GlintServer;
let web: WebServer;
before(async () => {
  server = await startGlint({ args: ['--web-download-allow-internal'] });
  web = await startWebServer(DATA);
});
after(async () => {
  await server?.stop();
  await web?.close();
  rmSync(work, { recursive: true, force: true });
});

/** `glance --os-image-url … --os-auth-token … <args>`, discovering v2 as users see it, with no standard input. */
const glance = (...args: string[]) =>
  runCli([requireClient('glance'), '--debug', '--os-image-url', server.image, '--os-auth-token', TOKEN, ...args], server, { closedStdin: true });

async function imageApi<T>(path: string): Promise<T> {
  const answer = await fetch(`${server.image}${path}`, { headers: { 'X-Auth-Token': TOKEN } });
  const body = await answer.text();
  assert.equal(answer.status, 200, `GET ${path}: ${body}`);
  return JSON.parse(body) as T;
}

interface Task {
  status: string;
  message: string;
}

/** The image and its tasks once its import ended (the clients do not wait for that). */
async function importEnded(id: string): Promise<{ image: Record<string, unknown>; tasks: Task[] }> {
  for (let tries = 0; ; tries++) {
    const { tasks } = await imageApi<{ tasks: Task[] }>(`/v2/images/${id}/tasks`);
    const last = tasks.at(-1);
    if (last && (last.status === 'success' || last.status === 'failure')) return { image: await imageApi(`/v2/images/${id}`), tasks };
    assert.ok(tries < 500, `the import of ${id} ended: ${JSON.stringify(tasks)}`);
    await sleep(20);
  }
}

function expectImported(image: Record<string, unknown>, tasks: Task[]): void {
  assert.equal(image.status, 'active', JSON.stringify(image));
  assert.equal(image.size, DATA.length);
  assert.equal(image.checksum, MD5);
  assert.equal(image.os_hash_algo, 'sha512');
  assert.equal(image.os_hash_value, SHA512);
  assert.deepEqual(tasks.map((task) => task.status), ['success']);
}

/** Creates an image through `image-create-via-import` with `args`; returns the id it printed. */
async function createViaImport(name: string, ...args: string[]): Promise<string> {
  const result = expectSuccess(
    await glance('image-create-via-import', '--disk-format', 'raw', '--container-format', 'bare', '--name', name, ...args),
    'glance image-create-via-import',
  );
  const printed = parseProperties(result.stdout);
  assert.match(printed.id ?? '', UUID, explain(result));
  assert.equal(printed.name, name);
  return printed.id;
}

test('glance import-info lists the import methods', async () => {
  const result = expectSuccess(await glance('import-info'), 'glance import-info');
  const methods = JSON.parse(parseProperties(result.stdout)['import-methods']) as { value: string[] };
  assert.deepEqual(methods.value, ['glance-direct', 'web-download', 'copy-image'], explain(result));
});

test('glance image-create-via-import --import-method web-download: the server fetches the URI', async () => {
  const id = await createViaImport(`wd-${randomBytes(3).toString('hex')}`, '--import-method', 'web-download', '--uri', `${web.base}/data`);
  const { image, tasks } = await importEnded(id);
  expectImported(image, tasks);
  assert.ok(web.requests.includes('/data'));
});

test('glance image-create-via-import --import-method glance-direct --file: staged, then imported', async () => {
  const id = await createViaImport(`gd-${randomBytes(3).toString('hex')}`, '--import-method', 'glance-direct', '--file', IMAGE_FILE);
  const { image, tasks } = await importEnded(id);
  expectImported(image, tasks);
});

test('a web-download of a URI that answers 404 ends as the reference\'s: queued, its task failed', async () => {
  const id = await createViaImport(`missing-${randomBytes(3).toString('hex')}`, '--import-method', 'web-download', '--uri', `${web.base}/missing`);
  const { image, tasks } = await importEnded(id);
  assert.deepEqual([image.status, image.size, image.checksum], ['queued', null, null]);
  assert.deepEqual([image.os_glance_importing_to_stores, image.os_glance_failed_import, image.os_glance_import_task], ['', '', undefined]);
  assert.deepEqual(tasks.map((task) => [task.status, task.message]), [['failure', 'Task failed due to Internal Error']]);
  // glanceclient reads the tasks only where /versions lists v2.12, which a single-store reference does not either.
  const listed = await glance('image-tasks', id);
  assert.notEqual(listed.code, 0);
  assert.match(listed.stderr, /Server does not support image tasks API \(v2\.12\)/, explain(listed));
});

test('openstacksdk create_image(use_import=True): created, staged and imported through glance-direct', async () => {
  await requirePythonModules({ openstack: 'python3-openstacksdk' });
  const name = `sdk-${randomBytes(3).toString('hex')}`;
  const result = expectSuccess(
    await runCli([DEBIAN_PYTHON, SDK_SCRIPT, JSON.stringify({ endpoint: server.image, token: TOKEN, name, file: IMAGE_FILE })], server),
    'openstacksdk_import.py',
  );
  const { id, requests } = parseJson<{ id: string; requests: string[] }>(result, 'openstacksdk_import.py');
  for (const request of [`"PUT /v2/images/${id}/stage HTTP/1.1" 204`, `"POST /v2/images/${id}/import HTTP/1.1" 202`]) {
    assert.ok(requests.some((line) => line.includes(request)), `${request}\n${requests.join('\n')}`);
  }
  const { image, tasks } = await importEnded(id);
  expectImported(image, tasks);
  assert.equal(image.name, name);
});
