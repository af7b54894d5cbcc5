import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, mock, test } from 'node:test';
import type { BlobWriter } from '../blobs/blob-store.js';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { newImage } from './image.js';
import { CatalogService } from './service.js';
import { holderOf, holding, isHeld, newLease, RENEW_MS } from './upload-lease.js';

const linux = process.platform === 'linux';
const PAST = '2000-01-01T00:00:00.000Z';
const FUTURE = '2100-01-01T00:00:00.000Z';
/** A process of this machine that has ended: its pid names no process, or another one. */
const ended = () => holderOf(spawnSync(process.execPath, ['-e', '']).pid!);
const lease = (holder: string, expires_at: string, image_id = 'x') => ({ image_id, holder, expires_at });

describe('isHeld', () => {
  test("this process's lease is held while it receives, even past its end", () => {
    const lease = { ...newLease('x'), expires_at: PAST };
    holding('x', true);
    assert.equal(isHeld(lease), true);
    holding('x', false);
    assert.equal(isHeld({ ...lease, expires_at: FUTURE }), false);
  });

  test('a lease of another process on this machine is held while that very process runs, whatever its end', { skip: !linux && 'needs /proc' }, () => {
    assert.equal(isHeld(lease(holderOf(process.ppid), PAST)), true);
    assert.equal(isHeld(lease(ended(), FUTURE)), false);
    const [place, pid] = holderOf(process.ppid).split('|');
    assert.equal(isHeld(lease(`${place}|${pid}|1`, FUTURE)), false, 'another process that has the pid now');
  });

  test('a lease of a process elsewhere is held until its end', () => {
    assert.equal(isHeld(lease('another-machine|12|34', FUTURE)), true);
    assert.equal(isHeld(lease('another-machine|12|34', PAST)), false);
  });
});

describe('recoverInterruptedUploads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glint-upload-lease-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('gives back the uploads whose receiver is gone and leaves the others receiving', { skip: !linux && 'needs /proc' }, async () => {
    const store = new SqliteStore(join(dir, 'catalog.sqlite'));
    const blobs = new FsBlobStore(join(dir, 'images'));
    const catalog = new CatalogService(store, blobs);
    const writers: BlobWriter[] = [];
    try {
      const holders = { elsewhere: 'another-machine|12|34', lapsed: 'another-machine|56|78', ended: ended(), none: null };
      const ids: Record<string, string> = {};
      for (const [name, holder] of Object.entries(holders)) {
        const image = { ...newImage(randomUUID(), 'p', new Date().toISOString()), name, status: 'saving' as const };
        ids[name] = image.id;
        await store.insertImage({ image, members: [] });
        writers.push(await blobs.begin(image.id));
        if (holder) await store.claimUpload(lease(holder, name === 'lapsed' ? PAST : FUTURE, image.id));
      }

      assert.equal(await catalog.recoverInterruptedUploads(), 3);
      const status = async (name: string) => (await store.getImage(ids[name]))!.status;
      assert.deepEqual([await status('elsewhere'), await status('lapsed'), await status('ended'), await status('none')], ['saving', 'queued', 'queued', 'queued']);
      for (const name of ['lapsed', 'ended']) assert.equal(await store.uploadLease(ids[name]), null, `the lease left by the ${name} receiver`);
      assert.deepEqual(await store.uploadLease(ids.elsewhere), lease(holders.elsewhere, FUTURE, ids.elsewhere));
      assert.deepEqual(readdirSync(join(dir, 'images')).map((name) => name.split('.')[1]), [ids.elsewhere], 'only the partial data still being written');
    } finally {
      for (const writer of writers) await writer.abort();
      await store.close();
    }
  });
});

describe('recoverLapsedUploads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glint-upload-lapsed-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('gives back the uploads whose lease lapsed, and only those', async () => {
    const store = new SqliteStore(join(dir, 'catalog.sqlite'));
    const blobs = new FsBlobStore(join(dir, 'images'));
    const catalog = new CatalogService(store, blobs);
    const writers: BlobWriter[] = [];
    try {
      const ids: string[] = [];
      for (const expires of [PAST, FUTURE, null]) {
        const image = { ...newImage(randomUUID(), 'p', new Date().toISOString()), status: 'saving' as const };
        ids.push(image.id);
        await store.insertImage({ image, members: [] });
        writers.push(await blobs.begin(image.id));
        if (expires) await store.claimUpload(lease('another-machine|12|34', expires, image.id));
      }
      assert.equal(await catalog.recoverLapsedUploads(), 1);
      const statuses = await Promise.all(ids.map(async (id) => (await store.getImage(id))!.status));
      assert.deepEqual(statuses, ['queued', 'saving', 'saving'], 'an image without a lease is for a start to give back');
      assert.equal(await store.uploadLease(ids[0]), null);
      assert.equal(await catalog.recoverLapsedUploads(), 0);
    } finally {
      for (const writer of writers) await writer.abort();
      await store.close();
    }
  });
});

describe('an upload under way', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glint-upload-renewal-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ctx = { userId: 'u', projectId: 'p', roles: ['member'], isAdmin: false };
  const limits = { maxBytes: 100, inspect: false };
  const data = async function* () {
    yield new Uint8Array(10);
  };

  test('is refused while another receiver holds the lease, and takes over one whose receiver is gone', async () => {
    const store = new SqliteStore(join(dir, 'takeover.sqlite'));
    const catalog = new CatalogService(store, new FsBlobStore(join(dir, 'takeover')));
    try {
      const image = newImage(randomUUID(), 'p', new Date().toISOString());
      await store.insertImage({ image, members: [] });
      await store.claimUpload(lease('another-machine|12|34', FUTURE, image.id));
      await assert.rejects(catalog.upload(ctx, image.id, data(), limits), /Image status transition from saving to saving is not allowed/);
      await store.releaseUpload(image.id, 'another-machine|12|34');
      // One this very process left behind, its release having failed.
      await store.claimUpload(newLease(image.id));
      assert.equal((await catalog.upload(ctx, image.id, data(), limits)).status, 'active');
      assert.equal(await store.uploadLease(image.id), null);
    } finally {
      await store.close();
    }
  });

  test('renews its lease while it receives, and ends it when done', async () => {
    const store = new SqliteStore(join(dir, 'catalog.sqlite'));
    const catalog = new CatalogService(store, new FsBlobStore(join(dir, 'images')));
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const image = newImage(randomUUID(), 'p', new Date().toISOString());
      await store.insertImage({ image, members: [] });
      let finish!: () => void;
      const held = new Promise<void>((resolve) => (finish = resolve));
      let started!: () => void;
      const receiving = new Promise<void>((resolve) => (started = resolve));
      const source = (async function* () {
        yield new Uint8Array(10);
        started();
        await held;
      })();
      const upload = catalog.upload(ctx, image.id, source, limits);
      await receiving;

      const lease = (await store.uploadLease(image.id))!;
      assert.ok(isHeld(lease), 'held by this process');
      await store.renewUpload({ ...lease, expires_at: PAST });
      mock.timers.tick(RENEW_MS);
      for (let tries = 0; (await store.uploadLease(image.id))!.expires_at === PAST; tries++) {
        assert.ok(tries < 100, 'renewed');
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok((await store.uploadLease(image.id))!.expires_at > new Date().toISOString());

      finish();
      assert.equal((await upload).status, 'active');
      assert.equal(await store.uploadLease(image.id), null);
    } finally {
      mock.timers.reset();
      await store.close();
    }
  });
});
