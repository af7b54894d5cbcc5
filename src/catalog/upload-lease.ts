/**
 * Who receives an image's data. Processes and machines that share one catalog and one place for image
 * data must tell an upload that another of them is receiving from one whose receiver is gone: only the
 * latter may be given back. Each upload holds a lease naming its receiving process, renewed while it
 * receives. A lease's holder is alive if the host can tell (this process, still receiving; another of the
 * same machine, still running: see `host/processes.ts`); otherwise, elsewhere, while the lease has not lapsed.
 */
import type { Receivers, UploadLease, UploadLeaseStore } from './ports.js';

/** How long a lease lasts unless renewed, and how often a receiving process renews it. */
export const LEASE_MS = 120_000;
export const RENEW_MS = 30_000;

/**
 * How long partial data of an image the catalog does not hold is left to its writer: `glint import` writes
 * an image's data before it records the image, so it has no image to lease.
 */
export const IMPORT_WRITE_MS = 24 * 3600 * 1000;

/** A lease for this process receiving `imageId`, lasting LEASE_MS from now. */
export function newLease(receivers: Receivers, imageId: string): UploadLease {
  return { image_id: imageId, holder: receivers.self, expires_at: leaseEnd() };
}

export function leaseEnd(): string {
  return new Date(Date.now() + LEASE_MS).toISOString();
}

/** Whether the lease's holder may still be receiving: see the module comment. */
export function isHeld(receivers: Receivers, lease: UploadLease): boolean {
  return receivers.alive(lease) ?? lease.expires_at > new Date().toISOString();
}

/** This process's lease of an image's data, renewed until released. */
export interface HeldLease {
  /** Ends the lease, if this process still holds it. */
  release(): Promise<void>;
}

/**
 * Takes this process's lease of the image's data: of two processes (or requests) racing, one takes it, the
 * other gets `refused()`. A lease whose holder is gone is taken over.
 */
export async function holdLease(leases: UploadLeaseStore, receivers: Receivers, imageId: string, refused: () => Error): Promise<HeldLease> {
  const lease = newLease(receivers, imageId);
  if (!(await leases.claimUpload(lease))) {
    const current = await leases.uploadLease(imageId);
    if (!current || isHeld(receivers, current) || !(await leases.claimUpload(lease, current.holder))) throw refused();
  }
  receivers.receiving(imageId, true);
  // A renewal that fails is tried again at the next; the lease lasts several renewals.
  const renewal = setInterval(() => void leases.renewUpload({ ...lease, expires_at: leaseEnd() }).catch(() => undefined), RENEW_MS).unref();
  return {
    async release() {
      clearInterval(renewal);
      receivers.receiving(imageId, false);
      // Whatever happens here, a lease left behind names a holder that is not receiving, and the next one takes it over.
      await leases.releaseUpload(imageId, lease.holder).catch(() => undefined);
    },
  };
}
