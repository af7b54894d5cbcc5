/**
 * Image data on its way in, and what an upload cut short leaves behind: an upload streams under a lease naming
 * its receiver (queued → saving → active, or back to queued), as does data staged for an import (queued →
 * uploading, or back to queued), and recovery gives back the writes whose receiver is gone. No HTTP in here;
 * failures are CatalogErrors in the image service's words.
 */
import type { RequestContext } from '../identity/context.js';
import { gone, isKind, notFound, type CatalogError } from './errors.js';
import type { Image } from './image.js';
import { changeImage } from './image-changes.js';
import { writeImageData, type UploadLimits } from './image-data.js';
import { now } from './iso8601.js';
import type { BlobStore, BlobWriter, ImageStore, Receivers, UploadLease, UploadLeaseStore } from './ports.js';
import type { CatalogService } from './service.js';
import { checkFormatsForData, transition, transitionRefused } from './status.js';
import { capped } from './data-digest.js';
import { holdLease, IMPORT_WRITE_MS, isHeld } from './upload-lease.js';

export class UploadService {
  /** The uploads under way, each settling once its outcome is recorded (see `idle`). */
  private readonly receiving = new Set<Promise<unknown>>();

  constructor(
    private readonly catalog: CatalogService,
    private readonly images: ImageStore,
    private readonly leases: UploadLeaseStore,
    private readonly blobs: BlobStore,
    /** Where staged data waits to be imported. */
    private readonly staging: BlobStore,
    private readonly receivers: Receivers,
  ) {}

  /**
   * Resolves once no upload is under way. An upload whose client went away records its outcome (the image
   * queued again, its partial data removed) after the request ended, so a process shutting down waits for
   * this before it closes the store.
   */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.receiving]);
  }

  /** How many uploads this process has under way. */
  get underWay(): number {
    return this.receiving.size;
  }

  private async tracked<T>(work: Promise<T>): Promise<T> {
    this.receiving.add(work);
    try {
      return await work;
    } finally {
      this.receiving.delete(work);
    }
  }

  /**
   * Streams image data into the catalog: queued → saving → active. The bytes are durable before
   * the image turns active; if anything fails on the way, the image goes back to queued.
   */
  async upload(ctx: RequestContext, id: string, source: AsyncIterable<Uint8Array>, limits: UploadLimits): Promise<Image> {
    const image = await this.catalog.changeable(ctx, id, 'upload_image', `Not allowed to upload image data for image ${id}`);
    return this.tracked(
      this.receive(image, { into: this.blobs, status: 'saving', gone: uploadGone(id) }, async (writer) => ({
        ...(await writeImageData(writer, source, limits, image)),
        status: transition('saving', 'active'),
        has_data: true,
      })),
    );
  }

  /**
   * Stages image data for a glance-direct import (the reference's `image_data.stage`): queued → uploading,
   * the data kept in the staging store with its size on the image; back to queued if it fails.
   */
  async stage(ctx: RequestContext, id: string, source: AsyncIterable<Uint8Array>, limits: UploadLimits): Promise<void> {
    const image = await this.catalog.changeable(ctx, id, 'modify_image');
    await this.tracked(
      this.receive(image, { into: this.staging, status: 'uploading', gone: () => notFound(`No image found with ID ${id}`) }, async (writer) => ({
        size: await writer.write(capped(source, limits.maxBytes)),
      })),
    );
  }

  /**
   * Receives an image's data under this process's lease: the image is marked `target.status` and its data
   * written `into` the store; the image takes the changes `write` returns once the data is durable, or goes back
   * to queued (its data removed) if anything fails. An image deleted meanwhile stays so, and `gone` is thrown.
   */
  private async receive(image: Image, target: ReceiveTarget, write: (writer: BlobWriter) => Promise<Partial<Image>>): Promise<Image> {
    const { id } = image;
    transition(image.status, target.status);
    // Staged data waits for its formats until the import; the image's own data needs them now.
    if (target.status === 'saving') checkFormatsForData(image);
    // The lease comes first, so that a process starting meanwhile on a shared catalog leaves this write
    // alone; the write begins before the image is marked, so a crash at any point after the mark leaves the
    // trace that recovery looks for. Of two writes racing, the second is refused as though the image were
    // marked already.
    const lease = await holdLease(this.leases, this.receivers, id, () => transitionRefused(target.status, target.status));
    try {
      const writer = await target.into.begin(id);
      let marked: Image;
      try {
        marked = await changeImage(this.images, image, (current) => ({ status: transition(current.status, target.status), updated_at: now() }));
      } catch (err) {
        await writer.abort();
        throw err;
      }
      try {
        const changes = await write(writer);
        return await this.endReceiving(marked, target, { ...changes, updated_at: now() });
      } catch (err) {
        await target.into.delete(id);
        if (!isKind(err, 'gone') && !isKind(err, 'not_found')) {
          await this.endReceiving(marked, target, { status: transition(target.status, 'queued'), updated_at: now() }).catch(throwUnlessGone);
        }
        throw err;
      }
    } finally {
      await lease.release();
    }
  }

  /**
   * Records a write's outcome, only while the image is still as the write marked it: one deleted meanwhile (or
   * given back by recovery) must stay as it is, and its data goes, as the reference does (Glance's
   * `image_data.upload`).
   */
  private async endReceiving(marked: Image, target: ReceiveTarget, changes: Partial<Image>): Promise<Image> {
    try {
      return await changeImage(this.images, marked, (current) => {
        if (current.status !== marked.status) throw target.gone();
        return changes;
      });
    } catch (err) {
      throw isKind(err, 'not_found') ? target.gone() : err;
    }
  }

  /**
   * Images whose upload (or staging) nobody receives any more go back to queued: those that left partial data,
   * and those whose data was put in place but never recorded (the receiver stopped between the two), and those
   * whose receiver left its lease behind. Either way the bytes were never checked into the catalog, so they
   * are dropped. A write whose lease names a receiver that may still be alive (see `upload-lease.ts`) is left
   * alone, as are images in `saving` or `uploading` without any data or lease (e.g. imported in that state).
   * Partial data of an image the catalog does not hold is dropped once IMPORT_WRITE_MS old. With `among`, only
   * those images are looked at.
   */
  async recoverInterruptedUploads(among?: string[]): Promise<number> {
    // Images whose receiver is gone, with the lease it left (if any). Each is asked after its trace was
    // found, never from an earlier reading: a write takes its lease before it leaves any trace.
    const gone = new Map<string, UploadLease | null>();
    const looked = (id: string) => !among || among.includes(id);
    const abandoned = async (id: string) => {
      const lease = await this.leases.uploadLease(id);
      if (lease && isHeld(this.receivers, lease)) return false;
      gone.set(id, lease);
      return true;
    };
    const partial = async (store: BlobStore) =>
      store.interrupted(async (id, lastActive) => {
        if (!looked(id)) return false;
        if (await this.images.getImage(id)) return abandoned(id);
        return Date.now() - lastActive.getTime() > IMPORT_WRITE_MS;
      });
    const interrupted = new Set([...(await partial(this.blobs)), ...(await partial(this.staging))]);
    let recovered = 0;
    for (const { id, updated_at, status } of await this.images.unfinishedUploads()) {
      if (!looked(id)) continue;
      const store = status === 'uploading' ? this.staging : this.blobs;
      if (!interrupted.has(id)) {
        // Without partial data, a write left a trace if its data was put in place but never recorded, or if
        // its lease outlived it (its receiver could not record the outcome: the catalog's disk was full).
        const unrecorded = await store.open(id, { start: 0, end: 0 });
        unrecorded?.destroy();
        if (!unrecorded && !(await this.leases.uploadLease(id))) continue;
        if (!(await abandoned(id))) continue;
      }
      await store.delete(id);
      // Only as it was read: other processes may be serving the image meanwhile.
      if (await this.images.updateImage(id, { status: transition(status, 'queued'), updated_at: now() }, updated_at)) recovered++;
    }
    for (const [id, lease] of gone) if (lease) await this.leases.releaseUpload(id, lease.holder);
    return recovered;
  }

  /**
   * Gives back the uploads whose lease lapsed (a receiver on another machine stopped renewing it) without
   * waiting for a start to do it.
   */
  async recoverLapsedUploads(): Promise<number> {
    const lapsed = await this.leases.lapsedUploadLeases(new Date().toISOString());
    return lapsed.length === 0 ? 0 : this.recoverInterruptedUploads(lapsed.map((lease) => lease.image_id));
  }
}

function throwUnlessGone(err: unknown): void {
  if (!isKind(err, 'gone') && !isKind(err, 'not_found')) throw err;
}

/** Where a write goes, what the image is while it does, and what answers a write whose image went away. */
interface ReceiveTarget {
  into: BlobStore;
  status: 'saving' | 'uploading';
  gone: () => CatalogError;
}

const uploadGone = (id: string) => () =>
  gone(`Image ${id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);
