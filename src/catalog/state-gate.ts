/**
 * Requests run together; a change of the whole catalog (a restore, a reset, a snapshot) runs alone. It waits for
 * the requests in flight to finish, and requests arriving meanwhile wait for it to end, so no request of this
 * process sees part of it. Both waits are bounded: a change the requests do not make room for in time is refused,
 * and a request that waits too long is told to try again.
 */
import { conflict } from './errors.js';

export class StateGate {
  private inFlight = 0;
  /** Settles when the change under way ends; null while none runs. */
  private change: Promise<void> | null = null;
  /** Called once no request is in flight, while a change waits for that. */
  private drained: (() => void) | null = null;

  constructor(private readonly waitMs: number) {}

  /** Admits a request: at once (true), or once the change under way has ended; false when that took too long. */
  enter(): true | Promise<boolean> {
    if (this.change) return this.enterAfterChange();
    this.inFlight++;
    return true;
  }

  private async enterAfterChange(): Promise<boolean> {
    const deadline = Date.now() + this.waitMs;
    while (this.change) {
      if (!(await settlesWithin(this.change, deadline - Date.now()))) return false;
    }
    this.inFlight++;
    return true;
  }

  /** A request admitted by `enter` has ended. */
  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  /** Runs `work` with no request in flight, after any change under way. */
  async alone<T>(work: () => Promise<T>): Promise<T> {
    while (this.change) await this.change;
    let end!: () => void;
    this.change = new Promise((resolve) => (end = resolve));
    try {
      if (this.inFlight > 0 && !(await settlesWithin(new Promise<void>((resolve) => (this.drained = resolve)), this.waitMs))) {
        throw conflict(`Requests in flight did not finish within ${this.waitMs / 1000} seconds; nothing was changed. Try again.`);
      }
      return await work();
    } finally {
      this.drained = null;
      this.change = null;
      end();
    }
  }
}

/** Whether `promise` settles within `ms` milliseconds. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  if (ms <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
