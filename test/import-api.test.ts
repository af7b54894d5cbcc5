// Interoperable image import through the image API (`inject` on the image listener): discovery, staging,
// glance-direct and web-download imports and their tasks, with the answers recorded from the reference.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import {
  createImage, dataFiles, expectStatus, hex, imageApi, newCaller, rawBytes, server, show, stopServers, upload,
  type Caller, type GlanceImage, type Server,
} from './support/image-api.js';
import { startWebServer, type WebServer } from './support/web-server.js';
import { holderOf } from '../src/host/processes.js';
import type { TaskStatus } from '../src/catalog/task.js';

const MiB = 1024 * 1024;

afterEach(stopServers);

const TITLES: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type' };

/** The image service's plain-text error page, whole. */
const webob = (status: number, message: string) => `${status} ${TITLES[status]}\n\n${message}\n\n   `;

function assertWebob(res: LightMyRequestResponse, status: number, message: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.body, webob(status, message));
}

const stage = (s: Server, caller: Caller, id: string, bytes: Buffer, contentType?: string) =>
  imageApi(s, caller, { method: 'PUT', url: `/v2/images/${id}/stage`, body: bytes, contentType });

/** Shares the image with the member's project, which accepts. */
async function share(s: Server, owner: Caller, id: string, member: Caller): Promise<void> {
  expectStatus(await imageApi(s, owner, { method: 'POST', url: `/v2/images/${id}/members`, body: { member: member.project } }), 200, 'add member');
  const accepted = await imageApi(s, member, { method: 'PUT', url: `/v2/images/${id}/members/${member.project}`, body: { status: 'accepted' } });
  expectStatus(accepted, 200, 'accept');
}

describe('discovery on a single-store site', () => {
  const caller = newCaller();

  it('lists the import methods the reference offers, and names them when an image is created', async () => {
    const s = await server();
    const res = await imageApi(s, caller, { url: '/v2/info/import' });
    expectStatus(res, 200, 'import info');
    assert.equal(res.body, '{"import-methods":{"description":"Import methods available.","type":"array","value":["glance-direct","web-download","copy-image"]}}');
    const created = await imageApi(s, caller, { method: 'POST', url: '/v2/images', body: { name: 'x' } });
    expectStatus(created, 201, 'create');
    assert.equal(created.headers['openstack-image-import-methods'], 'glance-direct,web-download,copy-image');
  });

  it('has no stores to list or detail, in the reference words, and reports no usage without Keystone limits', async () => {
    const s = await server();
    for (const url of ['/v2/info/stores', '/v2/info/stores/detail']) {
      const res = await imageApi(s, url.endsWith('detail') ? newCaller('admin') : caller, { url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.body, webob(404, 'Multi backend is not supported at this site.'), url);
    }
    const usage = await imageApi(s, caller, { url: '/v2/info/usage' });
    expectStatus(usage, 200, 'usage');
    assert.deepEqual(usage.json(), { usage: {} });
  });

  it('refuses other methods on the discovery calls as the reference routes them: 405, and 404 for usage', async () => {
    const s = await server();
    const post = await imageApi(s, caller, { method: 'POST', url: '/v2/info/import', body: {} });
    assert.equal(post.statusCode, 405);
    assert.equal(post.headers.allow, 'GET');
    const usage = await imageApi(s, caller, { method: 'POST', url: '/v2/info/usage', body: {} });
    assert.equal(usage.statusCode, 404);
    assert.equal(usage.body, webob(404, 'The resource could not be found.'));
  });

  it('needs a token, as everything under /v2 does', async () => {
    const s = await server();
    const res = await s.glint.image.inject({ url: '/v2/info/import' });
    assert.equal(res.statusCode, 401);
  });
});

describe('staging data for a glance-direct import', () => {
  const owner = newCaller();
  const data = rawBytes(1000);
  const staged = (s: Server) => readdirSync(join(s.dir, 'staging'));

  it('keeps the data apart, the image uploading with the size it has and no hashes yet, as the reference does', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const res = await stage(s, owner, id, data);
    expectStatus(res, 204, 'stage');
    assert.equal(res.headers['content-type'], 'text/html; charset=UTF-8');
    const image = await show(s, owner, id);
    assert.deepEqual(
      [image.status, image.size, image.virtual_size, image.checksum, image.os_hash_algo, image.os_hash_value],
      ['uploading', 1000, null, null, null, null],
    );
    assert.deepEqual(staged(s), [id]);
    assert.deepEqual(dataFiles(s), [], 'nothing is image data before the import');
    assert.equal((await imageApi(s, owner, { url: `/v2/images/${id}/file` })).statusCode, 204, 'no data to download yet');
  });

  it('refuses to stage twice, to upload over staged data, and to stage an active image, in the reference words', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await stage(s, owner, id, data), 204, 'stage');
    assertWebob(await stage(s, owner, id, data), 409, 'Image status transition from uploading to uploading is not allowed');
    assertWebob(await upload(s, owner, id, data), 409, 'Image status transition from uploading to saving is not allowed');
    assert.equal((await show(s, owner, id)).size, 1000, 'the staged data stays');
    const active = await createImage(s, owner);
    expectStatus(await upload(s, owner, active, data), 204, 'upload');
    assertWebob(await stage(s, owner, active, data), 409, 'Image status transition from active to uploading is not allowed');
  });

  it("refuses another project's image as unknown, and a member project as the image's owner check does", async () => {
    const s = await server({ policy: 'legacy' });
    const other = newCaller();
    const id = await createImage(s, owner);
    assertWebob(await stage(s, other, id, data), 404, `No image found with ID ${id}`);
    await share(s, owner, id, other);
    assertWebob(await stage(s, other, id, data), 403, 'You do not own this image');
    assert.equal((await show(s, owner, id)).status, 'queued');
  });

  it("refuses data of another media type with webob's own 415 page, as an upload does", async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const page = (type: string) => `415 Unsupported Media Type\n\nThe request media type ${type} is not supported by this server. \n\n `;
    for (const path of ['stage', 'file']) {
      const typed = await imageApi(s, owner, { method: 'PUT', url: `/v2/images/${id}/${path}`, body: data, contentType: 'application/json; charset=utf-8' });
      assert.equal(typed.statusCode, 415);
      assert.equal(typed.body, page('application/json; charset=utf-8'), 'the Content-Type as sent');
      const untyped = await s.glint.image.inject({ method: 'PUT', url: `/v2/images/${id}/${path}`, headers: { 'x-auth-token': owner.token }, payload: data });
      assert.equal(untyped.statusCode, 415);
      assert.equal(untyped.body, page('${CONTENT_TYPE}'), "webob's placeholder, when there is none");
    }
    assert.equal((await show(s, owner, id)).status, 'queued');
  });

  it('refuses data past the upload cap with 413: the image queued again, nothing staged', async () => {
    const s = await server({ maxUploadBytes: 999 });
    const id = await createImage(s, owner);
    assertWebob(await stage(s, owner, id, data), 413, 'Image exceeds the storage quota: the upload limit is 999 bytes.');
    const image = await show(s, owner, id);
    assert.deepEqual([image.status, image.size], ['queued', null]);
    assert.deepEqual(staged(s), []);
    expectStatus(await stage(s, owner, id, data.subarray(0, 999)), 204, 'stage within the cap');
  });

  it('drops the staged data with its image', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await stage(s, owner, id, data), 204, 'stage');
    expectStatus(await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${id}` }), 204, 'delete');
    assert.deepEqual(staged(s), []);
  });
});

// ---------------------------------------------------------------------------------------------
// Imports

interface ImportTask {
  id: string;
  status: string;
  message: string;
  result: unknown;
  expires_at: string | null;
  [field: string]: unknown;
}

const importCall = (s: Server, caller: Caller, id: string, body: unknown) =>
  imageApi(s, caller, { method: 'POST', url: `/v2/images/${id}/import`, body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' });

async function startImport(s: Server, caller: Caller, id: string, body: unknown): Promise<LightMyRequestResponse> {
  const res = await importCall(s, caller, id, body);
  expectStatus(res, 202, 'import');
  return res;
}

async function imageTasks(s: Server, caller: Caller, id: string): Promise<ImportTask[]> {
  const res = await imageApi(s, caller, { url: `/v2/images/${id}/tasks` });
  expectStatus(res, 200, 'image tasks');
  return res.json<{ tasks: ImportTask[] }>().tasks;
}

/** The image's last task once it has ended, and the image then. */
async function importEnded(s: Server, caller: Caller, id: string): Promise<{ task: ImportTask; image: GlanceImage }> {
  for (let tries = 0; ; tries++) {
    const tasks = await imageTasks(s, caller, id);
    const task = tasks[tasks.length - 1];
    if (task && (task.status === 'success' || task.status === 'failure')) return { task, image: await show(s, caller, id) };
    assert.ok(tries < 2000, `the import of ${id} ended: ${JSON.stringify(tasks)}`);
    await sleep(5);
  }
}

const webDownload = (uri: unknown) => ({ method: { name: 'web-download', uri } });

/** A task of the caller's import of the image, written straight into the store as a process would have left it. */
async function recordTask(s: Server, imageId: string, caller: Caller, status: TaskStatus, updatedAt: string): Promise<string> {
  const id = randomUUID();
  await s.glint.storage.tasks.insertTask({
    id, type: 'api_image_import', status, owner: caller.project, image_id: imageId, user_id: 'u', request_id: 'req-x',
    input: {}, result: null, message: '', expires_at: null, created_at: updatedAt, updated_at: updatedAt,
  });
  return id;
}
const GLANCE_DIRECT = { method: { name: 'glance-direct' } };
const osGlance = (image: GlanceImage) => Object.fromEntries(Object.entries(image).filter(([key]) => key.startsWith('os_glance')));

describe('a glance-direct import', () => {
  const owner = newCaller();
  const data = rawBytes(1000);

  it('moves the staged data into the image: active with its hashes, the staged data gone, the task a success', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await stage(s, owner, id, data), 204, 'stage');
    const res = await startImport(s, owner, id, GLANCE_DIRECT);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-type'], 'text/html; charset=UTF-8');
    const { task, image } = await importEnded(s, owner, id);
    assert.deepEqual(
      [image.status, image.size, image.checksum, image.os_hash_algo, image.os_hash_value],
      ['active', 1000, hex('md5', data), 'sha512', hex('sha512', data)],
    );
    assert.deepEqual(osGlance(image), { os_glance_importing_to_stores: '', os_glance_failed_import: '' }, 'the lock is gone, the store lists stay');
    assert.deepEqual(Object.keys(image).slice(0, 2), ['os_glance_importing_to_stores', 'os_glance_failed_import'], 'properties come first');
    assert.deepEqual((await imageApi(s, owner, { url: `/v2/images/${id}/file` })).rawPayload, data);
    assert.deepEqual(readdirSync(join(s.dir, 'staging')), []);

    assert.deepEqual(Object.keys(task), [
      'id', 'type', 'status', 'owner', 'expires_at', 'created_at', 'updated_at', 'deleted_at', 'deleted', 'image_id', 'request_id', 'user_id',
      'input', 'result', 'message',
    ]);
    assert.deepEqual(
      { ...task, id: '', expires_at: '', created_at: '', updated_at: '' },
      {
        id: '', type: 'api_image_import', status: 'success', owner: owner.project, expires_at: '', created_at: '', updated_at: '',
        deleted_at: null, deleted: false, image_id: id, request_id: res.headers['x-openstack-request-id'], user_id: 'member',
        input: { image_id: id, import_req: GLANCE_DIRECT, backend: [null] }, result: { image_id: id }, message: 'Copied 0 MiB',
      },
    );
    // Python's isoformat of a naive UTC time; kept 48 hours from the end.
    for (const time of [task.created_at, task.updated_at, task.expires_at]) assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
    const kept = Date.parse(`${task.expires_at}Z`) - Date.parse(`${String(task.updated_at)}Z`);
    assert.ok(Math.abs(kept - 48 * 3600 * 1000) < 1000, `expires 48 h after it ended (${kept} ms)`);
  });

  it('imports empty staged data, its task saying nothing of what it copied, as the reference says nothing', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await stage(s, owner, id, Buffer.alloc(0)), 204, 'stage');
    const staged = await show(s, owner, id);
    assert.deepEqual([staged.status, staged.size], ['uploading', 0]);
    await startImport(s, owner, id, GLANCE_DIRECT);
    const { task, image } = await importEnded(s, owner, id);
    assert.deepEqual([image.status, image.size, image.checksum, task.status, task.message], ['active', 0, hex('md5', Buffer.alloc(0)), 'success', '']);
  });

  it('needs the data staged first, and the image in no other status', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    assertWebob(await importCall(s, owner, id, GLANCE_DIRECT), 409, "Image needs to be staged before 'glance-direct' method can be used");
    expectStatus(await upload(s, owner, id, data), 204, 'upload');
    assertWebob(await importCall(s, owner, id, GLANCE_DIRECT), 409, 'Image with status active cannot be target for import');
    assert.deepEqual(await imageTasks(s, owner, id), []);
  });

  it('inspects the data as an upload does: refused data fails the task in its words, the image queued again', async () => {
    const s = await server({ profile: 'huawei' });
    const id = await createImage(s, owner, { disk_format: 'qcow2' });
    expectStatus(await stage(s, owner, id, data), 204, 'stage');
    await startImport(s, owner, id, GLANCE_DIRECT);
    const { task, image } = await importEnded(s, owner, id);
    assert.deepEqual([task.status, task.message, task.result], ['failure', 'Image disk_format is qcow2 but the uploaded data is raw.', null]);
    assert.deepEqual([image.status, image.size, image.checksum], ['queued', null, null]);
    assert.deepEqual(osGlance(image), { os_glance_importing_to_stores: '', os_glance_failed_import: '' });
    assert.deepEqual(dataFiles(s), []);
    assert.deepEqual(readdirSync(join(s.dir, 'staging')), [], 'the staged data goes with the failed import');
  });

  it('records the virtual size inspection finds', async () => {
    const s = await server({ profile: 'huawei' });
    const id = await createImage(s, owner);
    expectStatus(await stage(s, owner, id, data), 204, 'stage');
    await startImport(s, owner, id, GLANCE_DIRECT);
    const { image } = await importEnded(s, owner, id);
    assert.deepEqual([image.status, image.virtual_size], ['active', 1000]);
  });
});

describe('a web-download import', () => {
  const owner = newCaller();
  const data = rawBytes(MiB + MiB / 2);
  let web: WebServer;
  before(async () => {
    web = await startWebServer(data);
  });
  after(() => web.close());

  it('fetches the data itself (redirects followed), hashed and sized as an upload is', async () => {
    const s = await server({ webDownloadAllowInternal: true });
    for (const path of ['/data', '/moved', '/unsized']) {
      const id = await createImage(s, owner);
      await startImport(s, owner, id, webDownload(`${web.base}${path}`));
      const { task, image } = await importEnded(s, owner, id);
      assert.deepEqual([task.status, task.message], ['success', 'Copied 1 MiB'], path);
      assert.deepEqual([image.status, image.size, image.checksum, image.os_hash_value], ['active', data.length, hex('md5', data), hex('sha512', data)], path);
      assert.deepEqual(osGlance(image), { os_glance_importing_to_stores: '', os_glance_failed_import: '' });
      assert.deepEqual((await imageApi(s, owner, { url: `/v2/images/${id}/file` })).rawPayload, data, path);
    }
  });

  it('refuses, by default, a URI of a loopback address or another port, in the reference words, and starts nothing', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const asked = web.requests.length;
    for (const uri of [`${web.base}/data`, 'http://127.0.0.1/data', 'http://8.8.8.8:8080/data', 'ftp://8.8.8.8/data', 'http://2130706433/', '']) {
      assertWebob(await importCall(s, owner, id, webDownload(uri)), 400, `URI for web-download does not pass filtering: ${uri}`);
    }
    assertWebob(await importCall(s, owner, id, { method: { name: 'web-download' } }), 400, 'URI for web-download does not pass filtering: None');
    assertWebob(await importCall(s, owner, id, webDownload(5)), 400, 'URI for web-download does not pass filtering: 5');
    const image = await show(s, owner, id);
    assert.deepEqual([image.status, osGlance(image)], ['queued', {}]);
    assert.deepEqual(await imageTasks(s, owner, id), []);
    assert.equal(web.requests.length, asked, 'nothing was fetched for it');
  });

  for (const [what, uri, options] of [
    ['answers 404', () => `${web.base}/missing`, {}],
    ['sends less than it announced', () => `${web.base}/short`, {}],
    ['is larger than the upload cap', () => `${web.base}/data`, { maxUploadBytes: data.length - 1 }],
    ['redirects to an address the filter refuses', () => `${web.base}/astray`, {}],
    ['cannot be reached', () => 'http://127.0.0.1:1/data', {}],
  ] as const) {
    it(`fails as the reference's does when the URL ${what}: the task a failure, the image queued again without data`, async () => {
      const s = await server({ webDownloadAllowInternal: true, ...options });
      const id = await createImage(s, owner);
      await startImport(s, owner, id, webDownload(uri()));
      const { task, image } = await importEnded(s, owner, id);
      assert.deepEqual([task.status, task.message, task.result], ['failure', 'Task failed due to Internal Error', null]);
      assert.deepEqual([image.status, image.size, image.checksum], ['queued', null, null]);
      assert.deepEqual(osGlance(image), { os_glance_importing_to_stores: '', os_glance_failed_import: '' });
      assert.deepEqual(dataFiles(s), []);
    });
  }

  it('leaves the image it failed to import ready for another import, which lists after it', async () => {
    const s = await server({ webDownloadAllowInternal: true });
    const id = await createImage(s, owner);
    await startImport(s, owner, id, webDownload(`${web.base}/missing`));
    await importEnded(s, owner, id);
    await startImport(s, owner, id, webDownload(`${web.base}/data`));
    assert.equal((await importEnded(s, owner, id)).image.status, 'active');
    assert.deepEqual((await imageTasks(s, owner, id)).map((task) => task.status), ['failure', 'success']);
  });
});

describe('imports the reference refuses', () => {
  const owner = newCaller();

  it('reads the body as the reference does, in its words (a 400 where it fails with a 500)', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const raw = (body: string) => imageApi(s, owner, { method: 'POST', url: `/v2/images/${id}/import`, body: Buffer.from(body), contentType: 'application/json' });
    assertWebob(await raw(''), 400, 'Body expected in request.');
    assertWebob(await raw('{'), 400, 'Malformed JSON in request body.');
    for (const body of ['"x"', '5', 'null', 'true']) assertWebob(await raw(body), 400, 'Unexpected body type. Expected list/dict.');
    for (const body of ['[]', '{}']) assertWebob(await raw(body), 400, "Import request requires a 'method' field.");
    for (const body of ['{"method":{}}', '{"method":"glance-direct"}', '{"method":["x"]}']) assertWebob(await raw(body), 400, "Import request requires a 'name' field.");
    for (const [name, shown] of [['"foo"', 'foo'], ['null', 'None'], ['5', '5'], ['["a",1]', "['a', 1]"], ['{"a":"b"}', "{'a': 'b'}"], ['"glance-download"', 'glance-download']]) {
      assertWebob(await raw(`{"method":{"name":${name}}}`), 400, `Unknown import method name '${shown}'.`);
    }
    for (const flag of ['all_stores_must_succeed', 'all_stores']) {
      assertWebob(await raw(`{"method":{"name":"glance-direct"},"${flag}":null}`), 400, `'${flag}' must be boolean value only`);
    }
    assertWebob(await importCall(s, owner, id, { ...webDownload('http://8.8.8.8/x'), all_stores_must_succeed: false }), 400, 'All_stores_must_succeed can only be set with enabled_backends http://8.8.8.8/x');
    assert.deepEqual(await imageTasks(s, owner, id), []);
  });

  it('refuses by status and format first, then by owner, in the reference words and order', async () => {
    const s = await server({ policy: 'legacy' });
    const member = newCaller();
    const id = await createImage(s, owner);
    const bare = await createImage(s, owner, { disk_format: null, container_format: null });
    const noDisk = await createImage(s, owner, { disk_format: null });
    assertWebob(await importCall(s, newCaller(), id, GLANCE_DIRECT), 404, `No image found with ID ${id}`);
    assertWebob(await importCall(s, owner, '5c0e7e7e-0000-4000-8000-000000000000', GLANCE_DIRECT), 404, 'No image found with ID 5c0e7e7e-0000-4000-8000-000000000000');
    assertWebob(await importCall(s, owner, id, { method: { name: 'copy-image' } }), 409, 'Only images with status active can be targeted for copying');
    assertWebob(await importCall(s, owner, bare, webDownload('http://8.8.8.8/x')), 409, "'container_format' needs to be set before import");
    assertWebob(await importCall(s, owner, noDisk, webDownload('http://8.8.8.8/x')), 409, "'disk_format' needs to be set before import");
    await share(s, owner, id, member);
    assertWebob(await importCall(s, member, id, webDownload('http://8.8.8.8/x')), 403, 'You do not own this image');
    expectStatus(await stage(s, owner, id, rawBytes(10)), 204, 'stage');
    assertWebob(await importCall(s, owner, id, webDownload('http://8.8.8.8/x')), 409, "Image needs to be in 'queued' state to use 'web-download' method");
  });

  it("answers copy-image as a single store does: an admin's only; and there is nowhere to copy to (the reference fails with 500)", async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, rawBytes(10)), 204, 'upload');
    const copy = { method: { name: 'copy-image' } };
    assertWebob(await importCall(s, owner, id, copy), 403, 'You are not authorized to complete copy_image action.');
    assertWebob(await importCall(s, newCaller('admin'), id, copy), 400, 'Image is already present in the only store of this site: there is nowhere to copy it.');
    assert.deepEqual(await imageTasks(s, owner, id), []);
  });

  it('routes import for POST only (405) and an image\'s tasks for GET only (404, as the reference has no refusal there)', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const get = await imageApi(s, owner, { url: `/v2/images/${id}/import` });
    assert.equal(get.statusCode, 405);
    assert.equal(get.headers.allow, 'POST');
    assertWebob(await imageApi(s, owner, { method: 'POST', url: `/v2/images/${id}/tasks`, body: {} }), 404, 'The resource could not be found.');
    assertWebob(await imageApi(s, owner, { url: `/v2/images/5c0e7e7e-0000-4000-8000-000000000000/tasks` }), 404, 'The resource could not be found.');
    assertWebob(await imageApi(s, newCaller(), { url: `/v2/images/${id}/tasks` }), 404, 'The resource could not be found.');
  });
});

describe('an import under way', () => {
  const owner = newCaller();

  /** Runs `body` while a web-download import of a new image is under way, its data held half-sent by the test's server. */
  async function whileImporting(body: (s: Server, id: string, web: WebServer) => Promise<void>): Promise<void> {
    const web = await startWebServer(rawBytes(64 * 1024));
    try {
      const s = await server({ webDownloadAllowInternal: true });
      const id = await createImage(s, owner);
      await startImport(s, owner, id, webDownload(`${web.base}/held`));
      await web.held();
      await body(s, id, web);
    } finally {
      await web.close();
    }
  }

  it('holds its image importing and locked: a second import is refused, a member sees no task of it, an admin does', () =>
    whileImporting(async (s, id, web) => {
      const member = newCaller();
      await share(s, owner, id, member);
      const importing = await show(s, owner, id);
      const [task] = await imageTasks(s, owner, id);
      assert.deepEqual([importing.status, task.status, task.message, task.result, task.expires_at], ['importing', 'processing', '', null, null]);
      assert.deepEqual(osGlance(importing), { os_glance_import_task: task.id, os_glance_importing_to_stores: '', os_glance_failed_import: '' });
      assertWebob(await importCall(s, owner, id, webDownload(`${web.base}/data`)), 409, "Image needs to be in 'queued' state to use 'web-download' method");
      assert.deepEqual(await imageTasks(s, member, id), []);
      assert.deepEqual((await imageTasks(s, newCaller('admin'), id)).map((t) => t.id), [task.id]);
      web.release();
      assert.equal((await importEnded(s, owner, id)).image.status, 'active');
    }));

  it('fails when its image is deleted meanwhile, and leaves no data behind', () =>
    whileImporting(async (s, id, web) => {
      expectStatus(await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${id}` }), 204, 'delete');
      web.release();
      await s.glint.imports.idle();
      const [task] = await s.glint.storage.tasks.imageTasks(id, '2000-01-01T00:00:00.000000Z');
      assert.deepEqual([task.status, task.message], ['failure', 'Task failed due to Internal Error']);
      assert.deepEqual(dataFiles(s), []);
    }));

  it('is interrupted when its process stops: the task failed, the image queued again', () =>
    whileImporting(async (s, id) => {
      await s.glint.imports.stop();
      const [task] = await imageTasks(s, owner, id);
      assert.deepEqual([task.status, task.message], ['failure', 'Import interrupted: the process running it stopped before it ended.']);
      const image = await show(s, owner, id);
      assert.deepEqual([image.status, osGlance(image)], ['queued', { os_glance_importing_to_stores: '', os_glance_failed_import: '' }]);
      assert.deepEqual(dataFiles(s), []);
    }));
});

describe("an import's lock", () => {
  const owner = newCaller();
  const lockedBy = async (s: Server, status: TaskStatus, updatedAt: string) => {
    const id = await createImage(s, owner);
    const taskId = await recordTask(s, id, owner, status, updatedAt);
    const image = (await s.glint.storage.images.getImage(id))!;
    await s.glint.storage.images.updateImage(id, { properties: { ...image.properties, os_glance_import_task: taskId } });
    return { id, taskId };
  };

  it('stands while its task has moved within the hour (two, while pending)', async () => {
    const s = await server({ webDownloadAllowInternal: true });
    const ninetyMinutesAgo = new Date(Date.now() - 90 * 60 * 1000).toISOString().replace('Z', '000Z');
    for (const [status, updated] of [['processing', new Date().toISOString().replace('Z', '000Z')], ['pending', ninetyMinutesAgo]] as const) {
      const { id } = await lockedBy(s, status, updated);
      assertWebob(await importCall(s, owner, id, webDownload('http://8.8.8.8/x')), 409, 'Image has active task');
    }
  });

  it('is taken over once its task has not moved for longer, the task failed as preempted', async () => {
    const web = await startWebServer(rawBytes(100));
    try {
      const s = await server({ webDownloadAllowInternal: true });
      const { id, taskId } = await lockedBy(s, 'processing', '2020-01-01T00:00:00.000000Z');
      await startImport(s, owner, id, webDownload(`${web.base}/data`));
      assert.equal((await importEnded(s, owner, id)).image.status, 'active');
      const stale = await s.glint.storage.tasks.getTask(taskId);
      assert.deepEqual([stale?.status, stale?.message], ['failure', 'Expired lock preempted']);
    } finally {
      await web.close();
    }
  });
});

describe('imports whose process stopped', () => {
  const owner = newCaller();
  const ENDED = holderOf(spawnSync(process.execPath, ['-e', '']).pid);
  const ELSEWHERE = 'another-machine|12|34';

  /** An image importing its staged data under a task whose lease `holder` has until `end`, as a process leaves it. */
  async function cutShort(s: Server, holder: string, end: string): Promise<{ id: string; taskId: string }> {
    const id = await createImage(s, owner);
    expectStatus(await stage(s, owner, id, rawBytes(10)), 204, 'stage');
    const { storage } = s.glint;
    const taskId = await recordTask(s, id, owner, 'processing', '2030-01-01T00:00:00.000000Z');
    const image = (await storage.images.getImage(id))!;
    const properties = { ...image.properties, os_glance_import_task: taskId, os_glance_importing_to_stores: '', os_glance_failed_import: '' };
    await storage.images.updateImage(id, { status: 'importing', properties });
    await storage.leases.claimUpload({ image_id: id, holder, expires_at: end });
    return { id, taskId };
  }

  it('are failed at a start, their images queued again without their staged data; those still running are left alone', async () => {
    const s = await server();
    const gone = await cutShort(s, ENDED, '2100-01-01T00:00:00.000Z');
    const running = await cutShort(s, ELSEWHERE, '2100-01-01T00:00:00.000Z');
    assert.equal(await s.glint.imports.recoverInterruptedImports(), 1);
    const image = await show(s, owner, gone.id);
    assert.deepEqual([image.status, image.size, osGlance(image)], ['queued', null, { os_glance_importing_to_stores: '', os_glance_failed_import: '' }]);
    const task = await s.glint.storage.tasks.getTask(gone.taskId);
    assert.deepEqual([task?.status, task?.message], ['failure', 'Import interrupted: the process running it stopped before it ended.']);
    assert.equal(await s.glint.storage.leases.uploadLease(gone.id), null);
    assert.deepEqual(readdirSync(join(s.dir, 'staging')), [running.id]);
    assert.equal((await show(s, owner, running.id)).status, 'importing');
  });

  it('are failed while running once their lease lapsed', async () => {
    const s = await server();
    const lapsed = await cutShort(s, ELSEWHERE, '2000-01-01T00:00:00.000Z');
    assert.equal(await s.glint.imports.recoverLapsedImports(), 1);
    assert.equal((await show(s, owner, lapsed.id)).status, 'queued');
    assert.equal(await s.glint.imports.recoverLapsedImports(), 0);
  });
});
