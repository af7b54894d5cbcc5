// The control API's catalog state (`/glint/v1/` on the identity listener): snapshots that round-trip a catalog
// with its image data, restores that no request sees half of, resets, and the refusals, on SQLite with image data
// in the data directory and on PostgreSQL with image data in S3.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createGlint } from '../src/app.js';
import { loadConfig, type Config, type ConfigInput } from '../src/config.js';
import { freshDatabase } from './support/postgres-server.js';
import { seenElsewhere } from './support/seen-elsewhere.js';
import { startTestS3 } from './support/s3-test-server.js';
import { createImage, expectStatus, imageApi, computeApi, newCaller, upload, type Caller, type Server } from './support/image-api.js';

// Top-level, so that a server that cannot start fails this file rather than skipping its tests.
const s3 = await startTestS3();
after(() => s3.close());
let prefixes = 0;

const ADMIN = `admin:${'0'.repeat(32)}`;

/** A Glint on a data directory of its own, and (`postgres`) its catalog in a new database and its data in S3. */
async function start(backend: 'sqlite' | 'postgres'): Promise<Server & { config: Config }> {
  const dir = mkdtempSync(join(tmpdir(), 'glint-state-api-'));
  const stores: ConfigInput = backend === 'postgres' ? { database: await freshDatabase(), blobs: s3.url(`state-${++prefixes}/`) } : {};
  const config = loadConfig({ profile: 'openstack', auth: 'noauth', ...stores, dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {});
  return { glint: await createGlint(config), dir, config };
}

/** Runs `body` on a new Glint; `another` opens a second process's worth of Glint on the same catalog. */
async function withServer(backend: 'sqlite' | 'postgres', body: (server: Server, another: () => Promise<Server>) => Promise<void>): Promise<void> {
  const server = await start(backend);
  const others: Server[] = [];
  const another = async () => {
    const other = { glint: await createGlint(server.config), dir: server.dir };
    others.push(other);
    return other;
  };
  try {
    await body(server, another);
  } finally {
    for (const glint of [...others, server].map((s) => s.glint)) await glint.close();
    rmSync(server.dir, { recursive: true, force: true });
  }
}

/** A control API request, as the admin unless `token` says otherwise. */
function control(server: Server, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, token: string | null = ADMIN) {
  return server.glint.identity.inject({
    method,
    url,
    headers: { ...(token === null ? {} : { 'x-auth-token': token }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function names(server: Server, caller: Caller): Promise<string[]> {
  const res = await imageApi(server, caller, { url: '/v2/images?sort=name:asc' });
  expectStatus(res, 200, 'list');
  return res.json<{ images: Array<{ name: string }> }>().images.map((image) => image.name);
}

async function download(server: Server, caller: Caller, id: string) {
  return imageApi(server, caller, { url: `/v2/images/${id}/file` });
}

const bytesOf = (seed: number, length = 300_000) => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed * 31) & 0xff));

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`control API on ${backend}`, () => {
    test('a snapshot round-trips the catalog with its image data; the restore drops what came after, data included', () => withServer(backend, async (server) => {
      const caller = newCaller();
      const kept = await createImage(server, caller, { name: 'kept' });
      const keptData = bytesOf(1);
      expectStatus(await upload(server, caller, kept, keptData), 204, 'upload kept');

      const saved = await control(server, 'POST', '/glint/v1/snapshots', { name: 'before-suite' });
      expectStatus(saved, 201, 'save');
      assert.equal(saved.json<{ snapshot: { name: string } }>().snapshot.name, 'before-suite');

      const later = await createImage(server, caller, { name: 'later' });
      expectStatus(await upload(server, caller, later, bytesOf(2)), 204, 'upload later');
      expectStatus(await imageApi(server, caller, { method: 'DELETE', url: `/v2/images/${kept}` }), 204, 'delete kept');
      assert.deepEqual(await names(server, caller), ['later']);

      expectStatus(await control(server, 'POST', '/glint/v1/snapshots/before-suite/restore'), 204, 'restore');
      assert.deepEqual(await names(server, caller), ['kept']);
      const data = await download(server, caller, kept);
      expectStatus(data, 200, 'download after restore');
      assert.ok(data.rawPayload.equals(keptData));
      expectStatus(await download(server, caller, later), 404, 'download of an image the snapshot lacks');
      assert.deepEqual(await server.glint.blobs.ids(), [kept]);

      const listed = await control(server, 'GET', '/glint/v1/snapshots');
      expectStatus(listed, 200, 'list snapshots');
      assert.deepEqual(listed.json<{ snapshots: Array<{ name: string }> }>().snapshots.map((s) => s.name), ['before-suite']);
      expectStatus(await control(server, 'DELETE', '/glint/v1/snapshots/before-suite'), 204, 'delete snapshot');
      assert.deepEqual((await control(server, 'GET', '/glint/v1/snapshots')).json(), { snapshots: [] });
      expectStatus(await control(server, 'POST', '/glint/v1/snapshots/before-suite/restore'), 404, 'restore of a deleted snapshot');
    }));

    test('another process on the same catalog answers from the restored catalog, its caches retired', () => withServer(backend, async (server, another) => {
      const caller = newCaller();
      await createImage(server, caller, { name: 'saved' });
      expectStatus(await control(server, 'POST', '/glint/v1/snapshots', { name: 'saved' }), 201, 'save');
      await createImage(server, caller, { name: 'after' });
      const other = await another();
      // Asked twice, so that the answer is cached there.
      assert.deepEqual(await names(other, caller), ['after', 'saved']);
      assert.deepEqual(await names(other, caller), ['after', 'saved']);
      expectStatus(await control(server, 'POST', '/glint/v1/snapshots/saved/restore'), 204, 'restore');
      await seenElsewhere(backend);
      assert.deepEqual(await names(other, caller), ['saved']);
      const compute = await computeApi(other, caller, { url: '/images' });
      assert.deepEqual(compute.json<{ images: Array<{ name: string }> }>().images.map((image) => image.name), ['saved']);
    }));

    test('every list answered while a restore runs is wholly the old catalog or wholly the new one', () => withServer(backend, async (server) => {
      const caller = newCaller();
      const old = ['old-1', 'old-2', 'old-3', 'old-4'];
      const restored = ['new-1', 'new-2', 'new-3', 'new-4', 'new-5'];
      for (const name of restored) await createImage(server, caller, { name });
      expectStatus(await control(server, 'POST', '/glint/v1/snapshots', { name: 'new' }), 201, 'save');
      expectStatus(await control(server, 'POST', '/glint/v1/reset', { to: 'empty' }), 204, 'reset');
      for (const name of old) await createImage(server, caller, { name });

      const seen: string[][] = [];
      let restoring = true;
      const readers = Array.from({ length: 4 }, async () => {
        while (restoring) {
          seen.push(await names(server, caller));
          const compute = await computeApi(server, caller, { url: '/images' });
          expectStatus(compute, 200, 'compute list');
          seen.push(compute.json<{ images: Array<{ name: string }> }>().images.map((image) => image.name).sort());
        }
      });
      const restore = control(server, 'POST', '/glint/v1/snapshots/new/restore').finally(() => (restoring = false));
      expectStatus(await restore, 204, 'restore');
      await Promise.all(readers);
      seen.push(await names(server, caller));
      for (const answer of seen) assert.ok([old.join(), restored.join()].includes(answer.join()), `a mixed answer: ${answer.join()}`);
      assert.deepEqual(seen.at(-1), restored);
    }));

    test("an image id used anew after a reset gets the snapshot's data back on restore, not the newer bytes", () => withServer(backend, async (server) => {
      const caller = newCaller();
      const id = await createImage(server, caller, { name: 'first-life' });
      expectStatus(await upload(server, caller, id, bytesOf(4)), 204, 'upload');
      expectStatus(await control(server, 'POST', '/glint/v1/snapshots', { name: 'first' }), 201, 'save');
      expectStatus(await control(server, 'POST', '/glint/v1/reset'), 204, 'reset');
      await createImage(server, caller, { id, name: 'second-life' });
      expectStatus(await upload(server, caller, id, bytesOf(5)), 204, 'upload anew');

      expectStatus(await control(server, 'POST', '/glint/v1/snapshots/first/restore'), 204, 'restore');
      assert.deepEqual(await names(server, caller), ['first-life']);
      assert.ok((await download(server, caller, id)).rawPayload.equals(bytesOf(4)));
    }));

    test('a reset empties the catalog and its data, or goes back to the start snapshot; the accounts stay', () => withServer(backend, async (server) => {
      const caller = newCaller();
      const first = await createImage(server, caller, { name: 'at-start' });
      expectStatus(await upload(server, caller, first, bytesOf(3)), 204, 'upload');
      expectStatus(await control(server, 'POST', '/glint/v1/reset', { to: 'start' }), 404, 'reset to a start never saved');
      expectStatus(await control(server, 'POST', '/glint/v1/snapshots', { name: 'start' }), 201, 'save start');
      await createImage(server, caller, { name: 'during-suite' });

      expectStatus(await control(server, 'POST', '/glint/v1/reset'), 204, 'reset to empty');
      assert.deepEqual(await names(server, caller), []);
      assert.deepEqual(await server.glint.blobs.ids(), []);

      expectStatus(await control(server, 'POST', '/glint/v1/reset', { to: 'start' }), 204, 'reset to start');
      assert.deepEqual(await names(server, caller), ['at-start']);
      assert.ok((await download(server, caller, first)).rawPayload.equals(bytesOf(3)));
    }));
  });
}

describe('control API refusals', () => {
  test('only an admin may use it: 401 without a token, 403 for a member, in the identity API format', () => withServer('sqlite', async (server) => {
    const none = await control(server, 'GET', '/glint/v1/snapshots', undefined, null);
    expectStatus(none, 401, 'no token');
    assert.equal(none.json<{ error: { code: number } }>().error.code, 401);
    const member = await control(server, 'POST', '/glint/v1/reset', undefined, newCaller().token);
    expectStatus(member, 403, 'member');
    assert.deepEqual(member.json(), {
      error: { code: 403, title: 'Forbidden', message: 'You are not authorized to perform the requested action: glint:reset.' },
    });
    expectStatus(await control(server, 'POST', '/glint/v1/snapshots', '{not json', newCaller().token), 403, 'a member with a body that is no JSON');
  }));

  test('names that are no snapshot names are refused before anything is touched; unknown ones are 404', () => withServer('sqlite', async (server) => {
    for (const name of ['../escape', '..', '.hidden', 'a/b', '', 'x'.repeat(49), 'white space']) {
      const res = await control(server, 'POST', '/glint/v1/snapshots', { name });
      expectStatus(res, 400, `save ${JSON.stringify(name)}`);
      assert.match(res.json<{ error: { message: string } }>().error.message, /^Invalid snapshot name/);
    }
    expectStatus(await control(server, 'POST', '/glint/v1/snapshots', { name: 7 }), 400, 'a name that is no string');
    expectStatus(await control(server, 'POST', '/glint/v1/snapshots/..%2F..%2Fetc/restore'), 400, 'restore of an escaping name');
    expectStatus(await control(server, 'DELETE', '/glint/v1/snapshots/..%2Fcatalog'), 400, 'delete of an escaping name');
    expectStatus(await control(server, 'POST', '/glint/v1/snapshots/nope/restore'), 404, 'restore unknown');
    expectStatus(await control(server, 'DELETE', '/glint/v1/snapshots/nope'), 404, 'delete unknown');
    expectStatus(await control(server, 'POST', '/glint/v1/reset', { to: 'yesterday' }), 400, 'a reset target that is none');
    expectStatus(await control(server, 'POST', '/glint/v1/reset', '{not json'), 400, 'a body that is no JSON');
  }));

  test('a reset or restore while an upload runs is refused, changing nothing; an image merely left saving does not stop it', () => withServer('sqlite', async (server) => {
    const caller = newCaller();
    const id = await createImage(server, caller, { name: 'uploading' });
    assert.equal(await server.glint.storage.images.updateImage(id, { status: 'saving' }), true);
    expectStatus(await control(server, 'POST', '/glint/v1/snapshots', { name: 'saving' }), 201, 'save with an image saving and no upload');
    assert.equal(await server.glint.storage.leases.claimUpload({ image_id: id, holder: 'another-process', expires_at: '2999-01-01T00:00:00.000Z' }), true);
    for (const [url, body] of [['/glint/v1/reset', undefined], ['/glint/v1/snapshots/saving/restore', undefined], ['/glint/v1/snapshots', { name: 'other' }]] as const) {
      const res = await control(server, 'POST', url, body);
      expectStatus(res, 409, `${url} during an upload`);
      assert.match(res.json<{ error: { message: string } }>().error.message, /^1 upload\(s\) and 0 import\(s\) are in progress/);
    }
    assert.deepEqual(await names(server, caller), ['uploading']);
  }));
});
