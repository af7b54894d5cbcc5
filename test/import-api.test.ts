// Interoperable image import through the image API (`inject` on the image listener): discovery, staging,
// glance-direct and web-download imports and their tasks, with the answers recorded from the reference.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import {
  createImage, dataFiles, expectStatus, imageApi, newCaller, rawBytes, server, show, stopServers, upload, type Caller, type Server,
} from './support/image-api.js';

afterEach(stopServers);

const TITLES: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Request Entity Too Large', 415: 'Unsupported Media Type' };

/** The image service's plain-text error page, whole. */
const webob = (status: number, message: string) => `${status} ${TITLES[status]}\n\n${message}\n\n   `;

function assertWebob(res: LightMyRequestResponse, status: number, message: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.body, webob(status, message));
}

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
  const stage = (s: Server, caller: Caller, id: string, bytes: Buffer, contentType?: string) =>
    imageApi(s, caller, { method: 'PUT', url: `/v2/images/${id}/stage`, body: bytes, contentType });
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
