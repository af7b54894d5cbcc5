/**
 * This process and the others of its machine, as Linux's /proc tells them apart: the receivers of uploads
 * (see `catalog/upload-lease.ts`). A pid alone may name another process by the time it is asked about, so a
 * process is named by its machine's boot, its pid namespace, its pid and when it started. What this process
 * receives is its own state, shared by every catalog service it runs.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Receivers, UploadLease } from '../catalog/ports.js';

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

export const thisProcess: Receivers = {
  self: THIS_PROCESS,
  receiving(imageId: string, held: boolean): void {
    if (held) receiving.add(imageId);
    else receiving.delete(imageId);
  },
  alive(lease: UploadLease): boolean | null {
    if (lease.holder === THIS_PROCESS) return receiving.has(lease.image_id);
    const [place, pid, start] = lease.holder.split('|');
    return PLACE && place === PLACE ? startTick(Number(pid)) === start : null;
  },
};
