/**
 * Who receives an image's data. Processes and machines that share one catalog and one place for image
 * data must tell an upload that another of them is receiving from one whose receiver is gone: only the
 * latter may be given back. Each upload holds a lease naming its receiving process, renewed while it
 * receives. A lease's holder is alive if it is this process and still receiving; if it is a process
 * this one can see (same machine and process namespace) that is still running, the very process that
 * began (its pid and start time match); otherwise, elsewhere, while the lease has not lapsed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import type { UploadLease } from './ports.js';

/** How long a lease lasts unless renewed, and how often a receiving process renews it. */
export const LEASE_MS = 120_000;
export const RENEW_MS = 30_000;

/**
 * How long partial data of an image the catalog does not hold is left to its writer: `glint import` writes
 * an image's data before it records the image, so it has no image to lease.
 */
export const IMPORT_WRITE_MS = 24 * 3600 * 1000;

/** The machine's boot and this process's pid namespace, which make a pid mean one process; null off Linux. */
const PLACE = (() => {
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}/${readlinkSync('/proc/self/ns/pid')}`;
  } catch {
    return null;
  }
})();

/** When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat); null when there is no such process. */
function startTick(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** A process of this machine as a lease names it, `<place>|<pid>|<start tick>`: what another process can check. */
export function holderOf(pid: number): string {
  return `${PLACE}|${pid}|${startTick(pid)}`;
}

/** This process as its leases name it; where there is no /proc, a random name that only a lease's end retires. */
const THIS_PROCESS = PLACE ? holderOf(process.pid) : `elsewhere|${randomUUID()}`;

/** The images whose data this process receives under a lease of its own. */
const receiving = new Set<string>();

/** This process took the lease of `imageId` (true) or let go of it (false). */
export function holding(imageId: string, held: boolean): void {
  if (held) receiving.add(imageId);
  else receiving.delete(imageId);
}

/** A lease for this process receiving `imageId`, lasting LEASE_MS from now. */
export function newLease(imageId: string): UploadLease {
  return { image_id: imageId, holder: THIS_PROCESS, expires_at: leaseEnd() };
}

export function leaseEnd(): string {
  return new Date(Date.now() + LEASE_MS).toISOString();
}

/** Whether the lease's holder may still be receiving: see the module comment. */
export function isHeld(lease: UploadLease): boolean {
  if (lease.holder === THIS_PROCESS) return receiving.has(lease.image_id);
  const [place, pid, start] = lease.holder.split('|');
  if (PLACE && place === PLACE) return startTick(Number(pid)) === start;
  return lease.expires_at > new Date().toISOString();
}
