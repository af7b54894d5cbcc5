// The image API (Glance v2) through `inject` on the image listener (one upload over a real socket):
// image data in and out, the upload size cap, disk-image inspection, and the compute API seeing the
// same catalog at once.
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import {
  assertWebobText, computeApi, createImage, dataFiles, expectStatus, hex, imageApi, newCaller, rawBytes, server, show, startServer, stopServer,
  stopServers, upload,
  type Caller, type GlanceImage, type Server,
} from './support/image-api.js';
import { PATCH_V21 } from '../src/api/image/patch.js';

afterEach(stopServers);

// ---------------------------------------------------------------------------------------------
// 1. Upload and download

describe('image data through the image API', () => {
  const owner = newCaller();
  const data = rawBytes(64);

  it('stores uploaded bytes with their size and hashes, and serves them back whole and by range', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, data), 204, 'upload');

    const image = await show(s, owner, id);
    assert.equal(image.status, 'active');
    assert.equal(image.size, data.length);
    assert.equal(image.checksum, hex('md5', data));
    assert.equal(image.os_hash_algo, 'sha512');
    assert.equal(image.os_hash_value, hex('sha512', data));

    const whole = await imageApi(s, owner, { url: `/v2/images/${id}/file` });
    expectStatus(whole, 200, 'download');
    assert.deepEqual(whole.rawPayload, data);
    assert.equal(whole.headers['content-md5'], hex('md5', data));
    assert.equal(whole.headers['content-type'], 'application/octet-stream');

    const part = await imageApi(s, owner, { url: `/v2/images/${id}/file`, headers: { range: 'bytes=2-5' } });
    expectStatus(part, 206, 'ranged download');
    assert.equal(part.headers['content-range'], `bytes 2-5/${data.length}`);
    assert.deepEqual(part.rawPayload, data.subarray(2, 6));
  });

  it('accepts an empty upload as an active image of size 0', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, Buffer.alloc(0)), 204, 'empty upload');
    const image = await show(s, owner, id);
    assert.equal(image.status, 'active');
    assert.equal(image.size, 0);
    assert.equal(image.checksum, hex('md5', Buffer.alloc(0)));
    const download = await imageApi(s, owner, { url: `/v2/images/${id}/file` });
    assert.equal(download.rawPayload.length, 0);
  });

  it('refuses a second upload with 409 and keeps the first data', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, data), 204, 'first upload');
    assertWebobText(await upload(s, owner, id, rawBytes(10)), 409, 'Conflict');
    const image = await show(s, owner, id);
    assert.equal(image.status, 'active');
    assert.equal(image.checksum, hex('md5', data));
    assert.deepEqual((await imageApi(s, owner, { url: `/v2/images/${id}/file` })).rawPayload, data);
  });

  it('refuses data before both formats are set, naming those missing, and leaves the image queued', async () => {
    const s = await server();
    const id = await createImage(s, owner, { disk_format: 'raw', container_format: null });
    const res = await upload(s, owner, id, data);
    assertWebobText(res, 400, 'Bad Request');
    assert.equal(res.body, '400 Bad Request\n\nProperty container_format must be set prior to saving data.\n\n   ');
    assert.equal((await show(s, owner, id)).status, 'queued');
  });

  it('refuses data that is not application/octet-stream with 415 and leaves the image queued', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const res = await upload(s, owner, id, data, 'application/json');
    assertWebobText(res, 415, 'Unsupported Media Type');
    assert.match(res.body, /application\/json is not supported/);
    assert.equal((await show(s, owner, id)).status, 'queued');
    assert.deepEqual(dataFiles(s), []);
  });

  it('keeps the data in a file named by the image id, and deleting the image deletes it', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, data), 204, 'upload');
    assert.deepEqual(dataFiles(s), [id]);
    expectStatus(await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${id}` }), 204, 'delete');
    assert.equal(existsSync(join(s.dir, 'images', id)), false);
    assert.deepEqual(dataFiles(s), []);
    assertWebobText(await imageApi(s, owner, { url: `/v2/images/${id}` }), 404, 'Not Found');
  });

  it('deletes an image whose data cannot be removed just now, and says the data was left', async (t) => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, data), 204, 'upload');
    t.mock.method(s.glint.blobs, 'delete', async () => {
      throw new Error('connect ECONNREFUSED');
    });
    const said = t.mock.method(console, 'error', () => undefined);
    expectStatus(await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${id}` }), 204, 'delete');
    assertWebobText(await imageApi(s, owner, { url: `/v2/images/${id}` }), 404, 'Not Found');
    assert.deepEqual(said.mock.calls.map((call) => String(call.arguments[0])), [`The data of deleted image ${id} could not be removed: connect ECONNREFUSED`]);
  });

  it('answers an upload that ends after its image was deleted with 410, and keeps neither the image nor the data', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const body = new PassThrough();
    const uploading = s.glint.image.inject({
      method: 'PUT',
      url: `/v2/images/${id}/file`,
      headers: { 'x-auth-token': owner.token, 'content-type': 'application/octet-stream' },
      payload: body,
    });
    body.write(data);
    while ((await show(s, owner, id)).status !== 'saving') await sleep(5);
    expectStatus(await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${id}` }), 204, 'delete');
    body.end(data);
    const res = await uploading;
    assertWebobText(res, 410, 'Gone');
    assert.match(res.body, new RegExp(`Image ${id} could not be found after upload`));
    assertWebobText(await imageApi(s, owner, { url: `/v2/images/${id}` }), 404, 'Not Found');
    assert.deepEqual(dataFiles(s), []);
    const stored = await s.glint.storage.images.getImage(id);
    assert.equal(stored?.status, 'deleted');
  });
});

// ---------------------------------------------------------------------------------------------
// 1b. Requests the reference refuses, in its words

describe('requests the image API refuses as the reference does', () => {
  const owner = newCaller();
  const member = newCaller();

  it('refuses an empty member, a member status not given, and member bodies that are no object', async () => {
    const s = await server();
    const id = await createImage(s, owner, { visibility: 'shared' });
    const addMember = (body: unknown) => imageApi(s, owner, { method: 'POST', url: `/v2/images/${id}/members`, body: body as object });
    for (const body of [{ member: '' }, { member: null }, { member: [] }]) {
      const res = await addMember(body);
      assertWebobText(res, 400, 'Bad Request');
      assert.equal(res.body, "400 Bad Request\n\nMember can't be empty\n\n   ");
    }
    assert.equal((await addMember({})).body, '400 Bad Request\n\nMember to be added not specified\n\n   ');
    assert.equal((await addMember([member.project])).body, '400 Bad Request\n\nExpected a member in the form: {"member": "image_id"}\n\n   ');
    const listed = await imageApi(s, owner, { url: `/v2/images/${id}/members` });
    assert.deepEqual(listed.json<{ members: unknown[] }>().members, [], 'a refused member was added');

    expectStatus(await addMember({ member: member.project }), 200, 'add member');
    const setStatus = (body: unknown) => imageApi(s, member, { method: 'PUT', url: `/v2/images/${id}/members/${member.project}`, body: body as object });
    assert.equal((await setStatus({})).body, '400 Bad Request\n\nStatus not specified\n\n   ');
    assert.equal((await setStatus(['accepted'])).body, '400 Bad Request\n\nExpected a status in the form: {"status": "status"}\n\n   ');
    assert.equal((await setStatus({ status: 'bogus' })).body, '400 Bad Request\n\nIncorrect request: Status must be "pending", "accepted" or "rejected".\n\n   ');
    expectStatus(await setStatus({ status: 'accepted' }), 200, 'accept');
  });

  it('takes a member id given as a number as the reference does, and reads path parameters byte by byte, as Latin-1', async () => {
    const s = await server();
    const id = await createImage(s, owner, { visibility: 'shared' });
    const added = await imageApi(s, owner, { method: 'POST', url: `/v2/images/${id}/members`, body: { member: 5 } });
    expectStatus(added, 200, 'add member 5');
    assert.equal(added.json<{ member_id: unknown }>().member_id, 5);
    const listed = await imageApi(s, owner, { url: `/v2/images/${id}/members` });
    assert.deepEqual(listed.json<{ members: Array<{ member_id: string }> }>().members.map((m) => m.member_id), ['5']);
    const removed = await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${id}/members/5` });
    expectStatus(removed, 204, 'remove member 5');
    assert.equal(removed.headers['content-type'], undefined);

    expectStatus(await imageApi(s, owner, { method: 'PUT', url: `/v2/images/${id}/tags/${encodeURIComponent('ü')}` }), 204, 'tag');
    assert.deepEqual((await show(s, owner, id)).tags, ['Ã¼']);
    expectStatus(await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${id}/tags/${encodeURIComponent('ü')}` }), 204, 'untag');
    assert.deepEqual((await show(s, owner, id)).tags, []);
  });

  it('answers an empty tag or member id with the router\'s 404 and stores no empty tag', async () => {
    const s = await server();
    const id = await createImage(s, owner, { visibility: 'shared' });
    for (const [method, url] of [['PUT', `/v2/images/${id}/tags/`], ['DELETE', `/v2/images/${id}/tags/`], ['GET', `/v2/images/${id}/members/`]] as const) {
      const res = await imageApi(s, owner, { method, url });
      assertWebobText(res, 404, 'Not Found');
      assert.equal(res.body, '404 Not Found\n\nThe resource could not be found.\n\n   ', `${method} ${url}`);
    }
    assert.deepEqual((await show(s, owner, id)).tags, []);
  });

  it('names the JSON-patch media types in Accept-Patch when a PATCH has another', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const res = await imageApi(s, owner, { method: 'PATCH', url: `/v2/images/${id}`, body: [{ op: 'replace', path: '/name', value: 'j' }] });
    assertWebobText(res, 415, 'Unsupported Media Type');
    assert.equal(res.headers['accept-patch'], 'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
  });

  it('refuses several byte ranges with 400 and a Range header it cannot read with 416', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, rawBytes(10)), 204, 'upload');
    const download = (range: string) => imageApi(s, owner, { url: `/v2/images/${id}/file`, headers: { range } });
    const multiple = await download('bytes=0-1,5-6');
    assertWebobText(multiple, 400, 'Bad Request');
    assert.equal(multiple.body, '400 Bad Request\n\nRequests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.\n\n   ');
    for (const range of ['bytes=', 'bytes=a-b', 'items=0-1']) {
      const res = await download(range);
      assertWebobText(res, 416, 'Request Range Not Satisfiable');
      assert.equal(res.body, '416 Request Range Not Satisfiable\n\nThe Range requested is not available.\n\n Invalid Range header.  ', range);
    }
  });

  it('reads a Range header before it looks for data: an image without data refuses one it cannot read', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const download = (range: string) => imageApi(s, owner, { url: `/v2/images/${id}/file`, headers: { range } });
    assertWebobText(await download('bytes=x'), 416, 'Request Range Not Satisfiable');
    assertWebobText(await download('bytes=0-1,5-6'), 400, 'Bad Request');
    expectStatus(await download('bytes=0-3'), 204, 'a readable range of no data');
  });

  it('reads list parameters as the reference does: first limit (the others filter), exact protected, closed quotes, lenient sort', async () => {
    const s = await server();
    for (const name of ['a', 'b', 'c']) await createImage(s, owner, { name, limit: name === 'c' ? '1' : '2' });
    const list = (query: string) => imageApi(s, owner, { url: `/v2/images?${query}` });
    const page = (await list('limit=1&limit=2')).json<{ images: GlanceImage[]; next?: string }>();
    assert.deepEqual(page.images.map((image) => [image.name, image.limit]), [['b', '2']]);
    assert.ok(page.next, 'a full page of one has a next link');

    const refusals: Array<[string, string]> = [
      ['protected=TRUE', "Invalid value 'TRUE' for 'protected' filter. Valid values are 'true' or 'false'."],
      ['name=in:"c-a', 'Invalid filter value "c-a. The quote is not closed.'],
      ['sort=name:asc:x', 'Invalid sort direction: asc:x'],
    ];
    for (const [query, message] of refusals) assert.equal((await list(query)).body, `400 Bad Request\n\n${message}\n\n   `, query);
    for (const query of ['sort=name:', 'sort_key=%20name%20']) {
      const names = (await list(query)).json<{ images: GlanceImage[] }>().images.map((image) => image.name);
      assert.deepEqual(names, ['c', 'b', 'a'], query);
    }
  });

  it('filters on size exactly, and lets an admin (only) page on from a deleted image, in both APIs', async () => {
    const s = await server();
    const admin = { project: owner.project, token: `admin:${owner.project}` };
    const [older, deleted, newer] = [await createImage(s, owner), await createImage(s, owner), await createImage(s, owner)];
    expectStatus(await upload(s, owner, older, rawBytes(10)), 204, 'upload');
    const names = (res: LightMyRequestResponse) => res.json<{ images: Array<{ id: string }> }>().images.map((i) => i.id);
    assert.deepEqual(names(await imageApi(s, owner, { url: '/v2/images?size=10' })), [older]);
    assert.deepEqual(names(await imageApi(s, owner, { url: '/v2/images?size=%2010.0' })), [older]);
    assert.deepEqual(names(await imageApi(s, owner, { url: '/v2/images?size=11' })), []);

    expectStatus(await imageApi(s, owner, { method: 'DELETE', url: `/v2/images/${deleted}` }), 204, 'delete');
    assert.deepEqual(names(await imageApi(s, admin, { url: `/v2/images?marker=${deleted}` })), [older]);
    assert.deepEqual(names(await computeApi(s, admin, { url: `/images?marker=${deleted}` })), [older]);
    assert.equal((await imageApi(s, owner, { url: `/v2/images?marker=${deleted}` })).body, `400 Bad Request\n\nNo image found with ID ${deleted}\n\n   `);
    assert.deepEqual(names(await imageApi(s, owner, { url: `/v2/images?marker=${newer}` })), [older]);
  });

  it('checks each change of a patch on the image as the changes before it left it: after giving the image away, the next is refused', async () => {
    const s = await server({ policy: 'legacy' });
    const id = await createImage(s, owner);
    const patch = (body: object) => imageApi(s, owner, { method: 'PATCH', url: `/v2/images/${id}`, body, contentType: PATCH_V21 });
    const givenAway = [
      [{ op: 'add', path: '/owner', value: null }, { op: 'add', path: '/description', value: 'd' }],
      [{ op: 'replace', path: '/visibility', value: 'community' }, { op: 'add', path: '/owner', value: member.project }, { op: 'remove', path: '/visibility' }],
    ];
    for (const body of givenAway) assert.equal((await patch(body)).body, '403 Forbidden\n\nYou do not own this image\n\n   ');
    const image = await show(s, owner, id);
    assert.deepEqual([image.owner, image.visibility, image.description], [owner.project, 'shared', undefined]);
  });

  it("reads a patch whole before it looks the image up, and refuses read-only attributes of a create in the factory's order", async () => {
    const s = await server();
    const patch = (id: string, body: unknown) => imageApi(s, owner, { method: 'PATCH', url: `/v2/images/${id}`, body: body as object, contentType: PATCH_V21 });
    const unknown = '00000000-0000-4000-8000-00000000abcd';
    assert.equal((await patch(unknown, [{ op: 'add', path: '/name', value: 'x' }])).statusCode, 404);
    const schema = await patch(unknown, [{ op: 'add', path: '/name', value: 'x' }, { op: 'add', path: '/min_ram', value: 'x' }]);
    assertWebobText(schema, 400, 'Bad Request');
    assert.match(schema.body, /^400 Bad Request\n\nProvided object does not match schema 'image': 'x' is not of type 'integer' /);
    const pointer = await patch(unknown, [{ op: 'add', path: 'name', value: 'x' }]);
    assert.equal(pointer.body, '400 Bad Request\n\nPointer `name` does not start with "/".\n\n   ');

    const create = await imageApi(s, owner, { method: 'POST', url: '/v2/images', body: { name: 'ro', virtual_size: 1, checksum: 'x' } });
    assert.equal(create.body, "403 Forbidden\n\nAttribute 'checksum' is read-only.\n\n   ");
  });

  it("refuses 4-byte text where the reference's database does, and lets an owner give an image away only while it still sees it", async () => {
    const s = await server();
    const described = await imageApi(s, owner, { method: 'POST', url: '/v2/images', body: { name: 'x', description: 'smile \u{1F600}' } });
    assert.equal(described.body, "400 Bad Request\n\nDescription can't contain 4 byte unicode characters.\n\n   ");
    const give = (id: string) =>
      imageApi(s, owner, { method: 'PATCH', url: `/v2/images/${id}`, contentType: PATCH_V21, body: [{ op: 'add', path: '/owner', value: member.project }] });
    const hidden = await createImage(s, owner, { visibility: 'private' });
    assert.equal((await give(hidden)).body, `403 Forbidden\n\nForbidding request, image ${hidden} not visible\n\n   `);
    assert.equal((await show(s, owner, hidden)).owner, owner.project);
    const open = await createImage(s, owner, { visibility: 'community' });
    expectStatus(await give(open), 200, 'give a community image away');
    assert.equal((await show(s, owner, open)).owner, member.project);

    const admin = { project: owner.project, token: `admin:${owner.project}` };
    const unowned = await imageApi(s, admin, { method: 'POST', url: '/v2/images', body: { name: 'nobody', owner: null } });
    expectStatus(unowned, 201, 'create without an owner');
    assert.equal(unowned.json<GlanceImage>().owner, null);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Upload size cap

describe('upload size cap', () => {
  const owner = newCaller();
  const LIMIT = 1000;
  const tooLarge = rawBytes(LIMIT + 1);

  interface Answer {
    statusCode: number;
    body: string;
    contentType: string;
  }

  /** Polls until `done()` holds, for what a server does on its own time. */
  async function eventually(done: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !done(); waited += 10) {
      assert.ok(waited < 5000, `timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * The data in two chunks over a real socket, the second sent once the first is in a partial file.
   * (Through `inject`, a request body the server stops reading also loses its response; a socket does not.)
   */
  async function uploadInTwoChunks(s: Server, id: string, data: Buffer): Promise<Answer> {
    if (!s.glint.urls.image) await s.glint.listen();
    async function* chunks() {
      yield data.subarray(0, 600);
      await eventually(() => dataFiles(s).some((name) => name.startsWith(`.${id}.`) && name.endsWith('.partial')), 'the partial file exists');
      yield data.subarray(600);
    }
    const res = await fetch(`${s.glint.urls.image}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': owner.token, 'content-type': 'application/octet-stream' },
      body: Readable.from(chunks()) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    return { statusCode: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
  }

  const shapes: Array<[string, (s: Server, id: string) => Promise<Answer>]> = [
    ['in one chunk', async (s, id) => {
      const res = await upload(s, owner, id, tooLarge);
      return { statusCode: res.statusCode, body: res.body, contentType: String(res.headers['content-type']) };
    }],
    ['in two chunks, the first already on disk', (s, id) => uploadInTwoChunks(s, id, tooLarge)],
  ];

  for (const [shape, send] of shapes) {
    it(`answers 413 for ${LIMIT + 1} bytes ${shape}, requeues the image and leaves no file`, async () => {
      const s = await server({ maxUploadBytes: LIMIT });
      const id = await createImage(s, owner);
      const res = await send(s, id);
      assert.equal(res.statusCode, 413, res.body);
      assert.match(res.contentType, /^text\/plain/);
      assert.equal(res.body, `413 Request Entity Too Large\n\nImage exceeds the storage quota: the upload limit is ${LIMIT} bytes.\n\n   `);
      const image = await show(s, owner, id);
      assert.equal(image.status, 'queued');
      assert.equal(image.size, null);
      assert.deepEqual(dataFiles(s), []);
    });
  }

  it(`accepts exactly ${LIMIT} bytes, also after a refused upload`, async () => {
    const s = await server({ maxUploadBytes: LIMIT });
    const id = await createImage(s, owner);
    assert.equal((await upload(s, owner, id, tooLarge)).statusCode, 413);
    expectStatus(await upload(s, owner, id, tooLarge.subarray(0, LIMIT)), 204, 'upload at the limit');
    const image = await show(s, owner, id);
    assert.equal(image.status, 'active');
    assert.equal(image.size, LIMIT);
    assert.deepEqual(dataFiles(s), [id]);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Disk-image inspection

const GiB = 1024 ** 3;

/**
 * A minimal qcow2 v3 image: the 104-byte header in a 1 KiB file. With `backingFile`, the header's
 * backing_file_offset/size (bytes 8 and 16) point at that name, stored at byte 512.
 */
function qcow2(virtualSize: number, backingFile?: string): Buffer {
  const image = Buffer.alloc(1024);
  image.write('QFI\xfb', 0, 'latin1');
  image.writeUInt32BE(3, 4); // version
  if (backingFile !== undefined) {
    image.writeBigUInt64BE(512n, 8);
    image.writeUInt32BE(image.write(backingFile, 512, 'latin1'), 16);
  }
  image.writeUInt32BE(16, 20); // cluster_bits: 64 KiB clusters
  image.writeBigUInt64BE(BigInt(virtualSize), 24);
  image.writeUInt32BE(104, 100); // header_length
  return image;
}

describe('disk-image inspection', () => {
  const owner = newCaller();

  /** Uploads `data` as a new image declared `disk_format`; returns the answer and the image after it. */
  async function uploadAs(s: Server, diskFormat: string, data: Buffer) {
    const id = await createImage(s, owner, { disk_format: diskFormat });
    const res = await upload(s, owner, id, data);
    return { id, res, image: await show(s, owner, id) };
  }

  /** The upload is refused with 400 naming `reason`; the image stays queued without data. */
  function assertRefused(s: Server, { res, image }: Awaited<ReturnType<typeof uploadAs>>, reason: RegExp): void {
    assertWebobText(res, 400, 'Bad Request');
    assert.match(res.body, reason);
    assert.equal(image.status, 'queued');
    assert.equal(image.size, null);
    assert.deepEqual(dataFiles(s), []);
  }

  it('is on by default in the huawei profile and records a qcow2 image\'s virtual size', async () => {
    const s = await server({ profile: 'huawei' });
    const data = qcow2(GiB);
    const { res, image } = await uploadAs(s, 'qcow2', data);
    expectStatus(res, 204, 'qcow2 upload');
    assert.equal(image.status, 'active');
    assert.equal(image.virtual_size, GiB);
    assert.equal(image.size, data.length);
  });

  it('refuses a qcow2 image with a backing file', async () => {
    const s = await server({ profile: 'huawei' });
    assertRefused(s, await uploadAs(s, 'qcow2', qcow2(GiB, '/etc/passwd')), /QCOW2 image has a backing file/);
  });

  it('refuses raw data declared as qcow2', async () => {
    const s = await server({ profile: 'huawei' });
    assertRefused(s, await uploadAs(s, 'qcow2', rawBytes(2048)), /disk_format is qcow2 but the uploaded data is raw/);
  });

  it('follows an explicit inspect on in the openstack profile', async () => {
    const s = await server({ profile: 'openstack', inspect: 'on' });
    assertRefused(s, await uploadAs(s, 'qcow2', rawBytes(2048)), /disk_format is qcow2 but the uploaded data is raw/);
  });

  it('is off by default in the openstack profile: a mismatch is accepted', async () => {
    const s = await server({ profile: 'openstack' });
    const data = rawBytes(2048);
    const { id, res, image } = await uploadAs(s, 'qcow2', data);
    expectStatus(res, 204, 'uninspected upload');
    assert.equal(image.status, 'active');
    assert.equal(image.disk_format, 'qcow2');
    assert.equal(image.virtual_size, null);
    assert.deepEqual(dataFiles(s), [id]);
  });

  it('off, still records the virtual size the reference records: raw data in a bare container is as large as it is', async () => {
    const s = await server({ profile: 'openstack' });
    const cases: Array<[string, string, Buffer, number | null]> = [
      ['raw', 'bare', rawBytes(10), 10],
      ['raw', 'ovf', rawBytes(10), null],
      ['iso', 'bare', rawBytes(10), null],
      ['qcow2', 'bare', qcow2(GiB), GiB],
    ];
    for (const [diskFormat, containerFormat, data, virtualSize] of cases) {
      const id = await createImage(s, owner, { disk_format: diskFormat, container_format: containerFormat });
      expectStatus(await upload(s, owner, id, data), 204, `${diskFormat} upload`);
      assert.equal((await show(s, owner, id)).virtual_size, virtualSize, `${diskFormat} in ${containerFormat}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Both APIs over one catalog

interface NovaImage {
  id: string;
  name: string | null;
  status: string;
  progress: number;
  metadata: Record<string, unknown>;
  'OS-EXT-IMG-SIZE:size': number;
}

describe('the image and compute APIs agree', () => {
  let s: Server;
  const alice = newCaller('alice');
  const bob = newCaller('bob');

  before(async () => {
    s = await startServer({ profile: 'huawei' });
  });
  after(async () => {
    await stopServer(s);
  });

  async function computeJson<T>(caller: Caller, url: string): Promise<T> {
    const res = await computeApi(s, caller, { url });
    expectStatus(res, 200, `compute GET ${url}`);
    return res.json<T>();
  }
  const computeShow = async (caller: Caller, id: string) => (await computeJson<{ image: NovaImage }>(caller, `/images/${id}`)).image;
  const computeList = async (caller: Caller, view: '' | '/detail' = '') =>
    (await computeJson<{ images: NovaImage[] }>(caller, `/images${view}`)).images;
  const listedIds = async (caller: Caller) => (await computeList(caller)).map((i) => i.id);

  /** The image's entry in the caller's compute detail list, and its compute show, which must agree. */
  async function computeViews(caller: Caller, id: string): Promise<NovaImage> {
    const listed = (await computeList(caller, '/detail')).find((i) => i.id === id);
    assert.ok(listed, `${id} is missing from the compute detail list`);
    assert.deepEqual(await computeShow(caller, id), listed);
    return listed;
  }

  it('shows a new image at once as SAVING 25, then ACTIVE with its size after the upload', async () => {
    const id = await createImage(s, alice, { name: 'walk-new' });
    assert.ok((await listedIds(alice)).includes(id));
    const queued = await computeViews(alice, id);
    assert.equal(queued.name, 'walk-new');
    assert.equal(queued.status, 'SAVING');
    assert.equal(queued.progress, 25);

    const data = rawBytes(300);
    expectStatus(await upload(s, alice, id, data), 204, 'upload');
    const active = await computeViews(alice, id);
    assert.equal(active.status, 'ACTIVE');
    assert.equal(active.progress, 100);
    assert.equal(active['OS-EXT-IMG-SIZE:size'], data.length);
    assert.equal(active['OS-EXT-IMG-SIZE:size'], (await show(s, alice, id)).size);
  });

  it('shares properties both ways: image-API PATCH to compute metadata, compute metadata to image-API show', async () => {
    const id = await createImage(s, alice);
    const patch = await imageApi(s, alice, {
      method: 'PATCH',
      url: `/v2/images/${id}`,
      body: [{ op: 'add', path: '/k', value: 'v' }],
      contentType: 'application/openstack-images-v2.1-json-patch',
    });
    expectStatus(patch, 200, 'patch');
    assert.deepEqual(await computeJson(alice, `/images/${id}/metadata`), { metadata: { k: 'v' } });
    assert.deepEqual((await computeViews(alice, id)).metadata, { k: 'v' });

    const post = await computeApi(s, alice, { method: 'POST', url: `/images/${id}/metadata`, body: { metadata: { from_compute: 'yes' } } });
    expectStatus(post, 200, 'compute metadata POST');
    const image = await show(s, alice, id);
    assert.equal(image.from_compute, 'yes');
    assert.equal(image.k, 'v');
  });

  it('sends an image back from a compute metadata call as Nova does: private unless public, schema-checked, held attributes untouched', async () => {
    const id = await createImage(s, alice, { visibility: 'shared', kernel_id: null });
    expectStatus(await imageApi(s, alice, { method: 'POST', url: `/v2/images/${id}/members`, body: { member: bob.project } }), 200, 'add member');
    const postMetadata = (caller: Caller, metadata: Record<string, string>) =>
      computeApi(s, caller, { method: 'POST', url: `/images/${id}/metadata`, body: { metadata } });

    const badKernel = await postMetadata(alice, { kernel_id: 'not-a-uuid' });
    assert.equal(badKernel.statusCode, 400, badKernel.body);
    assert.equal((await show(s, alice, id)).visibility, 'shared', 'a refused call changes nothing');

    const written = await postMetadata(alice, { k: 'v', ramdisk_id: 'none', min_ram: '5' });
    expectStatus(written, 200, 'metadata POST');
    assert.deepEqual(written.json(), { metadata: { kernel_id: null, k: 'v' } });
    const image = await show(s, alice, id);
    assert.equal(image.visibility, 'private');
    assert.equal(image.min_ram, 0);
    assert.equal(image.kernel_id, null);
    const shared = await imageApi(s, alice, { method: 'POST', url: `/v2/images/${id}/members`, body: { member: newCaller().project } });
    assert.equal(shared.statusCode, 403, 'a private image has no members');

    const readOnly = await postMetadata(alice, { status: 'active' });
    assert.deepEqual(readOnly.json(), { forbidden: { code: 403, message: `Not authorized for image ${id}.` } });
  });

  it('lets anyone send back a public image unchanged, as the image service takes an empty patch from anyone', async () => {
    const admin = { project: alice.project, token: `admin:${alice.project}` };
    const id = await createImage(s, admin, { visibility: 'public', owner: alice.project });
    const unchanged = await computeApi(s, bob, { method: 'POST', url: `/images/${id}/metadata`, body: { metadata: {} } });
    expectStatus(unchanged, 200, 'an empty metadata POST by another project');
    const changed = await computeApi(s, bob, { method: 'POST', url: `/images/${id}/metadata`, body: { metadata: { k: 'v' } } });
    assert.equal(changed.statusCode, 403, changed.body);
  });

  it('lists a shared image for a member project once it accepts', async () => {
    const id = await createImage(s, alice, { visibility: 'shared' });
    const added = await imageApi(s, alice, { method: 'POST', url: `/v2/images/${id}/members`, body: { member: bob.project } });
    expectStatus(added, 200, 'add member');
    assert.equal(added.json<{ status: string }>().status, 'pending');
    assert.equal((await listedIds(bob)).includes(id), false, 'a pending share is not listed');

    const accept = await imageApi(s, bob, {
      method: 'PUT',
      url: `/v2/images/${id}/members/${bob.project}`,
      body: { status: 'accepted' },
    });
    expectStatus(accept, 200, 'accept');
    assert.ok((await listedIds(bob)).includes(id), 'an accepted share is listed');
    assert.equal((await computeViews(bob, id)).status, 'SAVING');
  });

  it('shows a deactivated image as UNKNOWN in the compute detail', async () => {
    const id = await createImage(s, alice);
    expectStatus(await upload(s, alice, id, rawBytes(16)), 204, 'upload');
    expectStatus(await imageApi(s, alice, { method: 'POST', url: `/v2/images/${id}/actions/deactivate` }), 204, 'deactivate');
    assert.equal((await show(s, alice, id)).status, 'deactivated');
    const deactivated = await computeViews(alice, id);
    assert.equal(deactivated.status, 'UNKNOWN');
    assert.equal(deactivated.progress, 0);
  });

  it('deletes through either API for both', async () => {
    const viaCompute = await createImage(s, alice);
    expectStatus(await computeApi(s, alice, { method: 'DELETE', url: `/images/${viaCompute}` }), 204, 'compute delete');
    assertWebobText(await imageApi(s, alice, { url: `/v2/images/${viaCompute}` }), 404, 'Not Found');

    const viaImage = await createImage(s, alice);
    expectStatus(await imageApi(s, alice, { method: 'DELETE', url: `/v2/images/${viaImage}` }), 204, 'image delete');
    const res = await computeApi(s, alice, { url: `/images/${viaImage}` });
    assert.equal(res.statusCode, 404, res.body);
    assert.deepEqual(res.json(), { itemNotFound: { code: 404, message: 'Image not found.' } });
    const listed = await listedIds(alice);
    assert.equal(listed.includes(viaCompute) || listed.includes(viaImage), false, 'deleted images are not listed');
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Odd keys, pointers and bodies

describe('odd property keys, pointers and bodies', () => {
  const owner = newCaller();
  const PATCH = 'application/openstack-images-v2.1-json-patch';
  const patch = (s: Server, id: string, changes: unknown) =>
    imageApi(s, owner, { method: 'PATCH', url: `/v2/images/${id}`, body: changes as object, contentType: PATCH });
  /** Keys named like members of every JS object. Bodies are built from JSON text: a literal would take `__proto__` as its prototype. */
  const MEMBER_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'];

  it('takes keys named like built-in object members as ordinary properties, on create and PATCH', async () => {
    const s = await server();
    for (const key of MEMBER_NAMES) {
      const created = await imageApi(s, owner, { method: 'POST', url: '/v2/images', body: JSON.parse(`{"${key}":"c"}`) as object });
      expectStatus(created, 201, `create with ${key}`);
      const id = created.json<GlanceImage>().id;
      assert.ok(Object.hasOwn(await show(s, owner, id), key), `${key} is not stored`);
      assert.equal((await show(s, owner, id))[key], 'c');

      expectStatus(await patch(s, id, [{ op: 'replace', path: `/${key}`, value: 'p' }]), 200, `replace ${key}`);
      assert.equal((await show(s, owner, id))[key], 'p');
      expectStatus(await patch(s, id, [{ op: 'remove', path: `/${key}` }]), 200, `remove ${key}`);
      assert.equal(Object.hasOwn(await show(s, owner, id), key), false, `${key} is not removed`);

      const missing = await patch(s, id, [{ op: 'remove', path: `/${key}` }]);
      assertWebobText(missing, 409, 'Conflict');
      assert.equal(missing.body, `409 Conflict\n\nThere was a conflict when trying to complete your request.\n\n Property ${key} does not exist.  `);
      expectStatus(await patch(s, id, [{ op: 'add', path: `/${key}`, value: 'a' }]), 200, `add ${key}`);
      assert.equal((await show(s, owner, id))[key], 'a');
    }
  });

  it('answers a body nested 2,000 deep as one nested 1,000 deep: 400, not 500', async () => {
    const s = await server();
    const nested = (depth: number) => Buffer.from(`{"x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    const create = (depth: number) => imageApi(s, owner, { method: 'POST', url: '/v2/images', body: nested(depth), contentType: 'application/json' });
    const shallow = await create(1000);
    assertWebobText(shallow, 400, 'Bad Request');
    const deep = await create(2000);
    assertWebobText(deep, 400, 'Bad Request');
    assert.equal(deep.body, shallow.body);
    assert.match(deep.body, /^400 Bad Request\n\nProvided object does not match schema 'image': /);
  });

  it('keeps min_ram and min_disk within 4 bytes, as the columns of the reference do', async () => {
    const s = await server();
    const id = await createImage(s, owner, { min_ram: 2 ** 31 - 1 });
    for (const key of ['min_ram', 'min_disk']) {
      const created = await imageApi(s, owner, { method: 'POST', url: '/v2/images', body: { name: 'too-big', [key]: 2 ** 31 } });
      assert.equal(created.body, `400 Bad Request\n\n'${key}' value out of range, must not exceed 2147483647.\n\n   `);
      assertWebobText(await patch(s, id, [{ op: 'replace', path: `/${key}`, value: 1e23 }]), 400, 'Bad Request');
    }
    assert.equal((await show(s, owner, id)).min_ram, 2 ** 31 - 1);
  });

  it('stores no NUL character, lone surrogate or over-long id, which PostgreSQL cannot hold, and finds no NUL', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const json = (text: string) => Buffer.from(text);
    for (const body of ['{"name": "a\\u0000"}', '{"name": "n", "k\\u0000": "v"}', '{"name": "n", "tags": ["\\u0000"]}', '{"name": "n", "tags": ["\\ud800"]}', '{"name": "n", "k": "\\udc00"}']) {
      assertWebobText(await imageApi(s, owner, { method: 'POST', url: '/v2/images', body: json(body), contentType: 'application/json' }), 400, 'Bad Request');
    }
    assertWebobText(await imageApi(s, owner, { method: 'PUT', url: `/v2/images/${id}/tags/a%00b` }), 400, 'Bad Request');
    for (const value of ['v\\u0000', '\\ud800']) {
      const metadata = await computeApi(s, owner, { method: 'POST', url: `/images/${id}/metadata`, body: json(`{"metadata": {"k": "${value}"}}`), contentType: 'application/json' });
      expectStatus(metadata, 400, `metadata ${value}`);
    }
    const image = await show(s, owner, id);
    assert.deepEqual(image.tags, []);
    assert.equal(Object.values(image).some((value) => typeof value === 'string' && value.includes('\0')), false);
    expectStatus(await imageApi(s, owner, { url: `/v2/images/${id}%00` }), 404, 'an id with a NUL');
    const listed = await imageApi(s, owner, { url: '/v2/images?name=image-api-test%00' });
    assert.deepEqual(listed.json<{ images: unknown[] }>().images, []);
    expectStatus(await imageApi(s, { ...owner, token: `${owner.token}%00` }, { url: '/v2/images' }), 401, 'a token naming a project with a NUL');
    expectStatus(await imageApi(s, { ...owner, token: `u:${'p'.repeat(256)}` }, { url: '/v2/images' }), 401, 'a project id past 255 characters');
    const shared = await createImage(s, owner, { visibility: 'shared' });
    const member = await imageApi(s, owner, { method: 'POST', url: `/v2/images/${shared}/members`, body: { member: 'm'.repeat(256) } });
    assert.equal(member.body, '400 Bad Request\n\nMember can not be longer than 255 characters.\n\n   ');
  });

  it('reads a create body as JSON whatever its media type, octet-stream included', async () => {
    const s = await server();
    for (const contentType of ['application/octet-stream', 'text/plain']) {
      const res = await imageApi(s, owner, { method: 'POST', url: '/v2/images', body: Buffer.from('{"name": "typed"}'), contentType });
      expectStatus(res, 201, contentType);
      assert.equal(res.json<GlanceImage>().name, 'typed');
    }
  });

  it('refuses a body with bytes that are not UTF-8 as malformed JSON, as it does not store them repaired', async () => {
    const s = await server();
    const body = Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await imageApi(s, owner, { method: 'POST', url: '/v2/images', body, contentType: 'application/json' });
    assert.equal(res.body, '400 Bad Request\n\nMalformed JSON in request body.\n\n   ');
  });

  it('refuses the names the reference reserves: on create once the body passed the schema, on PATCH at once', async () => {
    const s = await server();
    const create = (body: object) => imageApi(s, owner, { method: 'POST', url: '/v2/images', body });
    for (const key of ['deleted', 'deleted_at', 'location', 'os_glance_x']) {
      const res = await create({ name: 'reserved', [key]: 'x' });
      assertWebobText(res, 403, 'Forbidden');
      assert.equal(res.body, `403 Forbidden\n\nAccess was denied to this resource.\n\n Attribute '${key}' is reserved.  `);
      assertWebobText(await create({ name: 'reserved', [key]: false }), 400, 'Bad Request');
    }
    const id = await createImage(s, owner);
    for (const key of ['deleted', 'deleted_at', 'location', 'os_glance_x']) {
      const res = await patch(s, id, [{ op: 'add', path: `/${key}`, value: 'x' }]);
      assert.equal(res.body, `403 Forbidden\n\nAttribute '${key}' is reserved.\n\n   `);
    }
    const mine = await imageApi(s, owner, { url: '/v2/images?name=reserved' });
    assert.deepEqual(mine.json<{ images: unknown[] }>().images, [], 'a refused create stored an image');
    assert.equal(Object.keys(await show(s, owner, id)).some((key) => key.startsWith('deleted') || key.startsWith('os_glance')), false);
  });

  it('refuses a pointer with a "~" that is not ~0 or ~1, in the reference words', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    for (const path of ['/a~2b', '/ab~', '/~', '/a~/b']) {
      const res = await patch(s, id, [{ op: 'add', path, value: 'v' }]);
      assertWebobText(res, 400, 'Bad Request');
      assert.equal(res.body, `400 Bad Request\n\nPointer \`${path}\` contains "~" not part of a recognized escape sequence.\n\n   `);
    }
    expectStatus(await patch(s, id, [{ op: 'add', path: '/a~0b~1c', value: 'v' }]), 200, 'escaped pointer');
    const image = await show(s, owner, id);
    assert.equal(image['a~b/c'], 'v');
    assert.deepEqual(Object.keys(image).filter((key) => key.includes('~')), ['a~b/c'], 'a refused pointer stored a property');
  });
});

describe('methods a resource does not route', () => {
  it('are refused with 405 naming the routed ones in Allow, as Glance\'s router does; unknown paths stay 404', async () => {
    const s = await server();
    const owner = newCaller();
    const id = await createImage(s, owner);
    const refused: [string, string, string][] = [
      ['DELETE', '/v2/images', 'GET, POST'],
      ['DELETE', '/v2/images?limit=1', 'GET, POST'],
      ['PUT', `/v2/images/${id}`, 'GET, PATCH, DELETE'],
      ['DELETE', `/v2/images/${id}/file`, 'GET, PUT'],
      ['GET', `/v2/images/${id}/actions/deactivate`, 'POST'],
      ['PUT', `/v2/images/${id}/actions/reactivate`, 'POST'],
      ['GET', `/v2/images/${id}/tags/t`, 'PUT, DELETE'],
      ['PUT', `/v2/images/${id}/members`, 'GET, POST'],
      ['POST', `/v2/images/${id}/members/m`, 'GET, PUT, DELETE'],
      ['PATCH', '/v2/schemas/image', 'GET'],
      ['HEAD', `/v2/images/${id}/file`, 'GET, PUT'],
    ];
    for (const [method, url, allow] of refused) {
      const res = await s.glint.image.inject({ method: method as 'GET', url, headers: { 'x-auth-token': owner.token } });
      const what = `${method} ${url}`;
      expectStatus(res, 405, what);
      assert.equal(res.headers.allow, allow, what);
      if (method === 'HEAD') {
        assert.equal(res.body, '', what);
        assert.equal(res.headers['content-type'], 'text/html; charset=UTF-8', what);
      } else {
        assertWebobText(res, 405, 'Method Not Allowed');
        assert.equal(res.body, `405 Method Not Allowed\n\nThe method ${method} is not allowed for this resource. \n\n `, what);
      }
    }
    for (const [method, url] of [['POST', `/v2/images/${id}/actions/bogus`], ['GET', '/v2/images/'], ['PUT', '/v2/schemas/bogus'], ['POST', `/v2/images/${id}/tags/`]]) {
      const res = await s.glint.image.inject({ method: method as 'GET', url, headers: { 'x-auth-token': owner.token } });
      assertWebobText(res, 404, 'Not Found');
    }
    const unauthenticated = await s.glint.image.inject({ method: 'DELETE', url: `/v2/images/${id}/file` });
    expectStatus(unauthenticated, 401, 'a refused method without a token');
  });
});

// ---------------------------------------------------------------------------------------------
// 6. Quotas

describe("the reference's quotas of 128 properties, tags and members", () => {
  const owner = newCaller();
  const items = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const limit = (what: string, attempted: number) =>
    `The limit has been exceeded on the number of allowed ${what}. Attempted: ${attempted}, Maximum: 128`;
  const assertOverLimit = (res: LightMyRequestResponse, message: string) => {
    assertWebobText(res, 413, 'Request Entity Too Large');
    assert.equal(res.body, `413 Request Entity Too Large\n\n${message}\n\n   `);
  };

  it('creates an image with 128 properties and 128 tags, and refuses one more of either with 413', async () => {
    const s = await server();
    const properties = Object.fromEntries(items(128, 'p').map((key) => [key, 'v']));
    await createImage(s, owner, { ...properties, tags: items(128, 't') });
    const create = (fields: object) => imageApi(s, owner, { method: 'POST', url: '/v2/images', body: { name: 'over', ...fields } });
    assertOverLimit(await create({ ...properties, p128: 'v' }), limit('image properties', 129));
    assertOverLimit(await create({ tags: items(129, 't') }), limit('image tags', 129));
    const mine = await imageApi(s, owner, { url: '/v2/images?name=over' });
    assert.deepEqual(mine.json<{ images: unknown[] }>().images, [], 'a refused create stored an image');
  });

  it('refuses a patch, a tag or a member past 128 with 413, and keeps the image as it was', async () => {
    const s = await server();
    const id = await createImage(s, owner, { ...Object.fromEntries(items(128, 'p').map((key) => [key, 'v'])), tags: items(128, 't') });
    const before = await show(s, owner, id);
    const patch = (changes: object[]) =>
      imageApi(s, owner, { method: 'PATCH', url: `/v2/images/${id}`, body: changes, contentType: 'application/openstack-images-v2.1-json-patch' });
    assertOverLimit(await patch([{ op: 'add', path: '/p128', value: 'v' }]), limit('image properties', 129));
    assertOverLimit(await patch([{ op: 'replace', path: '/tags', value: items(129, 't') }]), limit('image tags', 129));
    expectStatus(await patch([{ op: 'replace', path: '/p0', value: 'w' }]), 200, 'changing a property at the quota');
    assertOverLimit(
      await imageApi(s, owner, { method: 'PUT', url: `/v2/images/${id}/tags/t128` }),
      `Image tag limit exceeded for image ${id}: ${limit('image tags', 129)}:`,
    );
    expectStatus(await imageApi(s, owner, { method: 'PUT', url: `/v2/images/${id}/tags/t0` }), 204, 'a tag the image has');
    const after = await show(s, owner, id);
    assert.deepEqual({ ...after, p0: 'v', updated_at: before.updated_at }, before);

    const shared = await createImage(s, owner, { visibility: 'shared' });
    const addMember = (member: string) => imageApi(s, owner, { method: 'POST', url: `/v2/images/${shared}/members`, body: { member } });
    for (const member of items(128, 'member')) expectStatus(await addMember(member), 200, `member ${member}`);
    assertOverLimit(await addMember('member128'), `Image member limit exceeded for image ${shared}: ${limit('image members for this image', 129)}:`);
    const members = await imageApi(s, owner, { url: `/v2/images/${shared}/members` });
    assert.equal(members.json<{ members: unknown[] }>().members.length, 128);
  });
});
