/**
 * What tokens and access keys stand for, kept in this process while the identity revision holds (see
 * `IdentityStore.revision`): checking a credential again costs a revision read, not queries. A new revision
 * forgets every entry, each entry ends when what it stands for does (a token's expiry), and the least recently
 * stored go first beyond the bound. Hits and misses are counted for whoever reports them.
 */
import { VersionedCache } from '../common/versioned-cache.js';

interface Entry<V> {
  value: V;
  /** Milliseconds since the epoch from which the entry is no longer valid. */
  endsAt: number;
}

export class RevisionCache<V> {
  hits = 0;
  misses = 0;
  private readonly entries: VersionedCache<Entry<V>>;

  constructor(maxEntries: number) {
    this.entries = new VersionedCache({ maxEntries, maxWeight: maxEntries }, () => 1);
  }

  get(key: string, revision: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key, revision);
    if (entry !== undefined && now < entry.endsAt) {
      this.hits++;
      return entry.value;
    }
    this.misses++;
    return undefined;
  }

  /** Keeps a value found at `revision`, valid until `endsAt`; one found at an older revision than the latest asked is dropped. */
  put(key: string, revision: string, value: V, endsAt = Infinity): void {
    this.entries.put(key, revision, { value, endsAt });
  }
}
