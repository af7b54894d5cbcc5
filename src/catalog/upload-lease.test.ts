import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, mock, test } from 'node:test';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { openSqlite } from '../store/sqlite/open.js';
import { newImage, type Image } from './image.js';
import type { BlobWriter, ImageStore, UploadLeaseStore } from './ports.js';
import { ImagePolicy } from './policy.js';
import { CatalogService } from './service.js';
import { holderOf, thisProcess } from '../host/processes.js';
import { IMPORT_WRITE_MS, isHeld, newLease, RENEW_MS } from './upload-lease.js';
import { UploadService } from './uploads.js';

const linux = process.platform === 'linux';
const PAST = '2000-01-01T00:00:00.000Z';
const FUTURE = '2100-01-01T00:00:00.000Z';
const ELSEWHERE = 'another-machine|12|34';
/** A process of this machine that has ended: its pid names no process, or another one. */
const ended = () => holderOf(spawnSync(process.execPath, ['-e', '']).pid);
const lease = (holder: string, expires_at: string, image_id = 'x') => ({ image_id, holder, expires_at });

const work = mkdtempSync(join(tmpdir(), 'glint-upload-lease-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Fixture {
  store: ImageStore;
  leases: UploadLeaseStore;
  uploads: UploadService;
  blobs: FsBlobStore;
  /** The directory of the image data. */
  images: string;
  /** A new image of project `p` in `status`. */
  image: (status: Image['status']) => Promise<Image>;
  /** A new image in saving with a partial write, leased as `holder` says (none when null) until `end`. */
  receiving: (holder: string | null, end?: string) => Promise<string>;
  /** The directory of the staged data. */
  staged: string;
  /** A new image in uploading with a partial write of staged data, leased as `holder` says. */
  staging: (holder: string | null) => Promise<string>;
  /** A new image in uploading whose data was staged in full. */
  stagedInFull: () => Promise<string>;
}

/** A catalog of its own for the test body, closed afterwards with the writes it left open. */
function withCatalog(body: (fixture: Fixture) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(work, 'catalog-'));
    const storage = openSqlite(join(dir, 'catalog.sqlite'));
    const { images: store, leases } = storage;
    const imageDir = join(dir, 'images');
    const blobs = new FsBlobStore(imageDir);
    const writers: BlobWriter[] = [];
    const image = async (status: Image['status']) => {
      const created = { ...newImage(randomUUID(), 'p', new Date().toISOString()), status, disk_format: 'raw', container_format: 'bare' };
      await store.insertImage({ image: created, members: [] });
      return created;
    };
    const stagedDir = join(dir, 'staging');
    const stagingStore = new FsBlobStore(stagedDir);
    const writing = (into: FsBlobStore, status: Image['status']) => async (holder: string | null, end = FUTURE) => {
      const { id } = await image(status);
      writers.push(await into.begin(id));
      if (holder) await leases.claimUpload(lease(holder, end, id));
      return id;
    };
    const stagedInFull = async () => {
      const { id } = await image('uploading');
      await store.updateImage(id, { size: 3 });
      await stagingStore.put(id, new Uint8Array(3));
      return id;
    };
    try {
      const uploads = new UploadService(new CatalogService(store, blobs, stagingStore, new ImagePolicy('secure')), store, leases, blobs, stagingStore, thisProcess);
      await body({
        store, leases, uploads, blobs, images: imageDir, image, receiving: writing(blobs, 'saving'), staged: stagedDir,
        staging: writing(stagingStore, 'uploading'), stagedInFull,
      });
    } finally {
      for (const writer of writers) await writer.abort();
      await storage.close();
    }
  };
}

describe('isHeld', () => {
  test("this process's lease is held while it receives, even past its end", () => {
    const own = { ...newLease(thisProcess, 'x'), expires_at: PAST };
    thisProcess.receiving('x', true);
    assert.equal(isHeld(thisProcess, own), true);
    thisProcess.receiving('x', false);
    assert.equal(isHeld(thisProcess, { ...own, expires_at: FUTURE }), false);
  });

  test('a lease of another process on this machine is held while that very process runs, whatever its end', { skip: !linux && 'needs /proc' }, () => {
    assert.equal(isHeld(thisProcess, lease(holderOf(process.ppid), PAST)), true);
    assert.equal(isHeld(thisProcess, lease(ended(), FUTURE)), false);
    const [place, pid] = holderOf(process.ppid).split('|');
    assert.equal(isHeld(thisProcess, lease(`${place}|${pid}|1`, FUTURE)), false, 'another process that has the pid now');
  });

  test('a lease of a process elsewhere is held until its end', () => {
    assert.equal(isHeld(thisProcess, lease(ELSEWHERE, FUTURE)), true);
    assert.equal(isHeld(thisProcess, lease(ELSEWHERE, PAST)), false);
  });
});

describe('giving back uploads', () => {
  test('on start: those whose receiver is gone, and not those still received', { skip: !linux && 'needs /proc' }, withCatalog(async ({ leases, store, uploads, images, receiving }) => {
    const elsewhere = await receiving(ELSEWHERE);
    const gone = [await receiving(ELSEWHERE, PAST), await receiving(ended()), await receiving(null)];

    assert.equal(await uploads.recoverInterruptedUploads(), 3);
    for (const id of gone) {
      assert.equal((await store.getImage(id))!.status, 'queued');
      assert.equal(await leases.uploadLease(id), null, 'the lease its receiver left is gone too');
    }
    assert.equal((await store.getImage(elsewhere))!.status, 'saving');
    assert.deepEqual(await leases.uploadLease(elsewhere), lease(ELSEWHERE, FUTURE, elsewhere));
    assert.deepEqual(readdirSync(images).map((name) => name.split('.')[1]), [elsewhere], 'only the partial data still being written');
  }));

  test('on start: data written for an image the catalog does not hold yet, as an import writes it, is left to its writer for a day', withCatalog(async ({ uploads, blobs, images }) => {
    const importing = await blobs.begin(randomUUID());
    assert.equal(await uploads.recoverInterruptedUploads(), 0);
    assert.equal(await importing.write([new Uint8Array(10)]), 10);
    const crashed = await blobs.begin(randomUUID());
    mock.timers.enable({ apis: ['Date'], now: Date.now() + IMPORT_WRITE_MS + 60_000 });
    try {
      assert.equal(await uploads.recoverInterruptedUploads(), 0);
    } finally {
      mock.timers.reset();
    }
    assert.deepEqual(readdirSync(images).filter((name) => name.endsWith('.partial')), [], 'a day later, it is cleared');
    await crashed.abort();
  }));

  test('on start: staging whose receiver is gone, and not data staged in full', withCatalog(async ({ store, uploads, staged, staging, stagedInFull }) => {
    const cut = [await staging(ELSEWHERE), await staging(null)];
    const full = await stagedInFull();
    assert.equal(await uploads.recoverLapsedUploads(), 0, 'a lease elsewhere that has not lapsed is held');
    assert.equal(await uploads.recoverInterruptedUploads(), 1);
    assert.equal((await store.getImage(cut[1]))!.status, 'queued');
    assert.equal((await store.getImage(cut[0]))!.status, 'uploading', 'still received elsewhere');
    assert.equal((await store.getImage(full))!.status, 'uploading', 'staged, waiting for its import');
    assert.deepEqual(readdirSync(staged).map((name) => name.replace(/^\.([^.]+)\..*$/, '$1')).sort(), [cut[0], full].sort());
  }));

  test('while running: those whose lease lapsed, and only those', withCatalog(async ({ leases, store, uploads, receiving }) => {
    const ids = [await receiving(ELSEWHERE, PAST), await receiving(ELSEWHERE), await receiving(null)];
    assert.equal(await uploads.recoverLapsedUploads(), 1);
    const statuses = await Promise.all(ids.map(async (id) => (await store.getImage(id))!.status));
    assert.deepEqual(statuses, ['queued', 'saving', 'saving'], 'an image without a lease is for a start to give back');
    assert.equal(await leases.uploadLease(ids[0]), null);
    assert.equal(await uploads.recoverLapsedUploads(), 0);
  }));
});

describe('an upload', () => {
  const ctx = { userId: 'u', projectId: 'p', roles: ['member'], isAdmin: false };
  const limits = { maxBytes: 100, inspect: false };
  const data = async function* () {
    yield new Uint8Array(10);
  };

  test('is refused while another receiver holds the lease, and takes over one whose receiver is gone', withCatalog(async ({ leases, uploads, image }) => {
    const { id } = await image('queued');
    await leases.claimUpload(lease(ELSEWHERE, FUTURE, id));
    await assert.rejects(uploads.upload(ctx, id, data(), limits), /Image status transition from saving to saving is not allowed/);
    await leases.releaseUpload(id, ELSEWHERE);
    // One this very process left behind, its release having failed.
    await leases.claimUpload(newLease(thisProcess, id));
    assert.equal((await uploads.upload(ctx, id, data(), limits)).status, 'active');
    assert.equal(await leases.uploadLease(id), null);
  }));

  test('renews its lease while it receives, and ends it when done', withCatalog(async ({ leases, uploads, image }) => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const { id } = await image('queued');
      let finish!: () => void;
      const held = new Promise<void>((resolve) => (finish = resolve));
      let started!: () => void;
      const receiving = new Promise<void>((resolve) => (started = resolve));
      const source = (async function* () {
        yield new Uint8Array(10);
        started();
        await held;
      })();
      const upload = uploads.upload(ctx, id, source, limits);
      await receiving;

      const own = (await leases.uploadLease(id))!;
      assert.ok(isHeld(thisProcess, own), 'held by this process');
      await leases.renewUpload({ ...own, expires_at: PAST });
      mock.timers.tick(RENEW_MS);
      for (let tries = 0; (await leases.uploadLease(id))!.expires_at === PAST; tries++) {
        assert.ok(tries < 100, 'renewed');
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok((await leases.uploadLease(id))!.expires_at > new Date().toISOString());

      finish();
      assert.equal((await upload).status, 'active');
      assert.equal(await leases.uploadLease(id), null);
    } finally {
      mock.timers.reset();
    }
  }));
});
