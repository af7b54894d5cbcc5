/**
 * Image data on its way in, and what an upload cut short leaves behind: an upload streams under a lease naming
 * its receiver (queued → saving → active, or back to queued), and recovery gives back the uploads whose
 * receiver is gone. No HTTP in here; failures are CatalogErrors in the image service's words.
 */
import type { RequestContext } from '../identity/context.js';
import { badRequest, gone, isKind } from './errors.js';
import type { Image } from './image.js';
import { changeImage } from './image-changes.js';
import { declaredVirtualSize, DiskInspector, formatMatches, type Inspection } from './inspect/inspector.js';
import { now } from './iso8601.js';
import type { BlobStore, BlobWriter, ImageStore, Receivers, UploadLease, UploadLeaseStore } from './ports.js';
import type { CatalogService } from './service.js';
import { checkFormatsForData, transition, transitionRefused } from './status.js';
import { digesting } from './data-digest.js';
import { IMPORT_WRITE_MS, isHeld, leaseEnd, newLease, RENEW_MS } from './upload-lease.js';

export interface UploadLimits {
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** Inspect the disk format while the data streams, refusing unsafe or mislabelled images. */
  inspect: boolean;
}

/** The virtual size of inspected data, or the reason the image service refuses it. */
function checkedVirtualSize(inspection: Inspection, declared: string | null): number | null {
  if (inspection.unsafe.length > 0) throw badRequest(`Image is not acceptable: ${inspection.unsafe.join('; ')}.`);
  if (!formatMatches(declared, inspection.format)) {
    throw badRequest(`Image disk_format is ${declared} but the uploaded data is ${inspection.format}.`);
  }
  return inspection.virtualSize;
}

export class UploadService {
  /** The uploads under way, each settling once its outcome is recorded (see `idle`). */
  private readonly receiving = new Set<Promise<unknown>>();

  constructor(
    private readonly catalog: CatalogService,
    private readonly images: ImageStore,
    private readonly leases: UploadLeaseStore,
    private readonly blobs: BlobStore,
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

  /**
   * Streams image data into the catalog: queued → saving → active. The bytes are durable before
   * the image turns active; if anything fails on the way, the image goes back to queued.
   */
  async upload(ctx: RequestContext, id: string, source: AsyncIterable<Uint8Array>, limits: UploadLimits): Promise<Image> {
    const receiving = this.uploadUnderLease(ctx, id, source, limits);
    this.receiving.add(receiving);
    try {
      return await receiving;
    } finally {
      this.receiving.delete(receiving);
    }
  }

  private async uploadUnderLease(ctx: RequestContext, id: string, source: AsyncIterable<Uint8Array>, limits: UploadLimits): Promise<Image> {
    const image = await this.catalog.changeable(ctx, id, 'upload_image', `Not allowed to upload image data for image ${id}`);
    transition(image.status, 'saving');
    checkFormatsForData(image);
    // The lease comes first, so that a process starting meanwhile on a shared catalog leaves this upload
    // alone; the write begins before the image is marked saving, so a crash at any point after the mark
    // leaves the trace that recovery looks for.
    const lease = await this.claimUpload(id);
    this.receivers.receiving(id, true);
    // A renewal that fails is tried again at the next; the lease lasts several renewals.
    const renewal = setInterval(() => void this.leases.renewUpload({ ...lease, expires_at: leaseEnd() }).catch(() => undefined), RENEW_MS).unref();
    try {
      return await this.receive(image, await this.blobs.begin(id), source, limits);
    } finally {
      clearInterval(renewal);
      this.receivers.receiving(id, false);
      // The upload's outcome stands whatever happens here: a lease left behind names a holder that is not
      // receiving, and the next upload of the image takes it over.
      await this.leases.releaseUpload(id, lease.holder).catch(() => undefined);
    }
  }

  /**
   * This process's lease of the image's upload. Of two uploads racing, one takes it; the other is refused
   * as though the image were saving already. A lease whose holder is gone is taken over.
   */
  private async claimUpload(id: string): Promise<UploadLease> {
    const lease = newLease(this.receivers, id);
    if (await this.leases.claimUpload(lease)) return lease;
    const current = await this.leases.uploadLease(id);
    if (current && !isHeld(this.receivers, current) && (await this.leases.claimUpload(lease, current.holder))) return lease;
    throw transitionRefused('saving', 'saving');
  }

  /** Marks the image saving and streams its data in: active once the bytes are durable, queued again if they fail. */
  private async receive(image: Image, writer: BlobWriter, source: AsyncIterable<Uint8Array>, limits: UploadLimits): Promise<Image> {
    const id = image.id;
    let marked: Image;
    try {
      marked = await changeImage(this.images, image, (current) => ({ status: transition(current.status, 'saving'), updated_at: now() }));
    } catch (err) {
      await writer.abort();
      throw err;
    }
    // Inspected always: without inspection's refusals, the virtual size is still recorded as the image service does.
    const inspector = new DiskInspector();
    const { stream, digest } = digesting(source, limits.maxBytes, [inspector]);
    const saving = marked.status;
    try {
      await writer.write(stream);
      const data = digest();
      const inspection = inspector.finish();
      const virtualSize = limits.inspect
        ? checkedVirtualSize(inspection, image.disk_format)
        : declaredVirtualSize(marked.disk_format, marked.container_format, inspection, data.size);
      return await this.endUpload(marked, { ...data, virtual_size: virtualSize, status: transition(saving, 'active'), has_data: true, updated_at: now() });
    } catch (err) {
      await this.blobs.delete(id);
      if (!isKind(err, 'gone')) await this.endUpload(marked, { status: transition(saving, 'queued'), updated_at: now() }).catch(throwUnlessGone);
      throw err;
    }
  }

  /**
   * Records an upload's outcome, only while the image is still saving: one deleted meanwhile (or given back by
   * recovery) must stay as it is, and its data goes, as the reference does (Glance's `image_data.upload`).
   */
  private async endUpload(marked: Image, changes: Partial<Image>): Promise<Image> {
    const goneAway = () =>
      gone(`Image ${marked.id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`);
    try {
      return await changeImage(this.images, marked, (current) => {
        if (current.status !== marked.status) throw goneAway();
        return changes;
      });
    } catch (err) {
      throw isKind(err, 'not_found') ? goneAway() : err;
    }
  }

  /**
   * Images whose upload nobody receives any more go back to queued: those that left partial data, and
   * those whose data was put in place but never recorded (the receiver stopped between the two), and those
   * whose receiver left its lease behind. Either way the bytes were never checked into the catalog, so they
   * are dropped. An upload whose lease names a receiver that may still be alive (see `upload-lease.ts`) is
   * left alone, as are images in `saving` without any data or lease (e.g. imported in that state). Partial
   * data of an image the catalog does not hold is dropped once IMPORT_WRITE_MS old. With `among`, only those
   * images are looked at.
   */
  async recoverInterruptedUploads(among?: string[]): Promise<number> {
    // Images whose receiver is gone, with the lease it left (if any). Each is asked after its trace was
    // found, never from an earlier reading: an upload takes its lease before it leaves any trace.
    const gone = new Map<string, UploadLease | null>();
    const looked = (id: string) => !among || among.includes(id);
    const abandoned = async (id: string) => {
      const lease = await this.leases.uploadLease(id);
      if (lease && isHeld(this.receivers, lease)) return false;
      gone.set(id, lease);
      return true;
    };
    const interrupted = new Set(
      await this.blobs.interrupted(async (id, lastActive) => {
        if (!looked(id)) return false;
        if (await this.images.getImage(id)) return abandoned(id);
        return Date.now() - lastActive.getTime() > IMPORT_WRITE_MS;
      }),
    );
    let recovered = 0;
    for (const { id, updated_at } of await this.images.unfinishedUploads()) {
      if (!looked(id)) continue;
      if (!interrupted.has(id)) {
        // Without partial data, an upload left a trace if its data was put in place but never recorded, or if
        // its lease outlived it (its receiver could not record the outcome: the catalog's disk was full).
        const unrecorded = await this.blobs.open(id, { start: 0, end: 0 });
        unrecorded?.destroy();
        if (!unrecorded && !(await this.leases.uploadLease(id))) continue;
        if (!(await abandoned(id))) continue;
      }
      await this.blobs.delete(id);
      // Only as it was read: other processes may be serving the image meanwhile.
      if (await this.images.updateImage(id, { status: transition('saving', 'queued'), updated_at: now() }, updated_at)) recovered++;
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
  if (!isKind(err, 'gone')) throw err;
}
