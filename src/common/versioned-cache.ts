/**
 * A bounded cache whose entries are valid for one version of what they were computed from: asked
 * with a new version, it forgets everything. Bounded by entry count and by total weight (bytes,
 * images, …); the least recently stored entries go first.
 */
export class VersionedCache<V> {
  private version = '';
  private readonly entries = new Map<string, V>();
  private weight = 0;

  constructor(
    private readonly limits: { maxEntries: number; maxWeight: number; maxItemWeight?: number },
    private readonly weigh: (value: V) => number,
  ) {}

  get(key: string, version: string): V | undefined {
    if (version !== this.version) {
      this.entries.clear();
      this.weight = 0;
      this.version = version;
      return undefined;
    }
    return this.entries.get(key);
  }

  /** Keeps a value computed for `version`; one computed for an older version is dropped. */
  put(key: string, version: string, value: V): void {
    const weight = this.weigh(value);
    if (version !== this.version || weight > (this.limits.maxItemWeight ?? this.limits.maxWeight)) return;
    const previous = this.entries.get(key);
    if (previous !== undefined) this.weight -= this.weigh(previous);
    this.entries.delete(key);
    this.entries.set(key, value);
    this.weight += weight;
    while (this.entries.size > this.limits.maxEntries || this.weight > this.limits.maxWeight) {
      const [oldestKey, oldest] = this.entries.entries().next().value!;
      this.entries.delete(oldestKey);
      this.weight -= this.weigh(oldest);
    }
  }
}
