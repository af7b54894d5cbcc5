/** How long a change committed through one process may go unseen by another on the same catalog (see `ImageStore.version`). */
import { setTimeout as delay } from 'node:timers/promises';
import { REVISION_BOUND_MS } from '../../src/store/postgres/pg-connection.js';

/** Resolves once every other process on a `backend` catalog sees the changes committed before the call. */
export function seenElsewhere(backend: 'sqlite' | 'postgres'): Promise<void> {
  return delay(backend === 'postgres' ? REVISION_BOUND_MS : 0);
}
