// Image data over a real socket, where the bytes leave the file through the download's own copy loop: ranges
// around its 1 MiB reads, a client that stops reading or goes away mid-way, an upload cut off mid-way.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { createImage, dataFiles, expectStatus, newCaller, rawBytes, server, show, stopServers, upload, type Server } from './support/image-api.js';

afterEach(stopServers);

const MiB = 1024 * 1024;
const owner = newCaller();

async function listening(s: Server): Promise<string> {
  if (!s.glint.urls.image) await s.glint.listen();
  return s.glint.urls.image;
}

function get(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, { headers: { 'x-auth-token': owner.token, ...headers } }, resolve).once('error', reject).end());
}

async function body(res: IncomingMessage): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of res) pieces.push(piece as Buffer);
  return Buffer.concat(pieces);
}

/** This process's open descriptors on the file of image `id`. */
const openOn = (s: Server, id: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === `${s.dir}/images/${id}`;
    } catch {
      return false;
    }
  }).length;

/** Waits, turn by turn of the event loop, until `done` holds; fails after many turns (never a timed assertion). */
async function eventually(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let turn = 0; turn < 20_000; turn++) {
    if (await done()) return;
    await tick();
  }
  assert.fail(`never: ${what}`);
}

describe('image data over a socket', () => {
  // Three full reads and a few bytes: every range below meets a read's edge somewhere.
  const data = rawBytes(3 * MiB + 5);

  async function stored(s: Server): Promise<string> {
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, data), 204, 'upload');
    return id;
  }

  it('serves the whole image and ranges at, across and past the edges of its reads', async () => {
    const s = await server();
    const id = await stored(s);
    const url = `${await listening(s)}/v2/images/${id}/file`;
    const whole = await get(url);
    assert.equal(whole.statusCode, 200);
    assert.equal(whole.headers['content-length'], String(data.length));
    assert.ok((await body(whole)).equals(data), 'the whole image');

    const last = data.length - 1;
    const ranges: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      [`bytes=${MiB - 1}-${MiB}`, MiB - 1, MiB],
      [`bytes=${MiB}-${2 * MiB - 1}`, MiB, 2 * MiB - 1],
      [`bytes=1-${3 * MiB}`, 1, 3 * MiB],
      [`bytes=${last}-`, last, last],
      [`bytes=${3 * MiB}-${last + 1000}`, 3 * MiB, last],
      ['bytes=-5', last - 4, last],
      [`bytes=-${data.length + 1}`, 0, last],
    ];
    for (const [range, start, end] of ranges) {
      const res = await get(url, { range });
      assert.equal(res.statusCode, 206, range);
      assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${data.length}`, range);
      assert.equal(res.headers['content-length'], String(end - start + 1), range);
      assert.ok((await body(res)).equals(data.subarray(start, end + 1)), range);
    }
    assert.equal(openOn(s, id), 0, 'every download closed the file');
  });

  it('waits for a client that stops reading, and sends the rest once it reads again', async () => {
    const s = await server();
    const big = rawBytes(48 * MiB);
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, big), 204, 'upload');
    const res = await get(`${await listening(s)}/v2/images/${id}/file`);
    const [first] = (await once(res, 'data')) as [Buffer];
    res.pause();
    // Far less than the image fits in the socket's buffers: the server has to hold back the rest.
    await eventually(() => res.readableLength > 0 && res.socket.bytesRead < big.length, 'the server waits for the client');
    const rest = await body(res);
    assert.ok(Buffer.concat([first, rest]).equals(big), 'every byte, in order');
    await eventually(() => openOn(s, id) === 0, 'the file is closed');
  });

  it('closes the file when the client goes away mid-way, and serves the next download whole', async () => {
    const s = await server();
    const big = rawBytes(48 * MiB);
    const id = await createImage(s, owner);
    expectStatus(await upload(s, owner, id, big), 204, 'upload');
    const url = `${await listening(s)}/v2/images/${id}/file`;
    const res = await get(url);
    await once(res, 'data');
    res.destroy();
    await eventually(() => openOn(s, id) === 0, 'the file is closed');
    assert.ok((await body(await get(url))).equals(big), 'the next download is whole');
  });

  it('an upload cut off mid-way puts the image back to queued and leaves no file', async () => {
    const s = await server();
    const id = await createImage(s, owner);
    const req = request(`${await listening(s)}/v2/images/${id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': owner.token, 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
    });
    req.on('error', () => undefined);
    req.write(data.subarray(0, 2 * MiB));
    await eventually(() => dataFiles(s).some((name) => name.endsWith('.partial')), 'the upload has begun');
    req.destroy();
    await eventually(async () => (await show(s, owner, id)).status === 'queued', 'the image is queued again');
    assert.equal((await show(s, owner, id)).size, null);
    await eventually(() => dataFiles(s).length === 0, 'the partial file is removed');
  });
});
