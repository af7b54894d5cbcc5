/**
 * Whole answers to repeated read requests, valid for one catalog version: the same question about an
 * unchanged catalog gets the same bytes without being worked out again. Any change to the catalog
 * (its version token) retires every answer. Bounded by entries and by bytes.
 */
export class AnswerCache {
  private version = '';
  private readonly answers = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string, version: string): Buffer | undefined {
    if (version !== this.version) {
      this.answers.clear();
      this.bytes = 0;
      this.version = version;
      return undefined;
    }
    return this.answers.get(key);
  }

  put(key: string, version: string, answer: Buffer): void {
    if (version !== this.version || answer.length > this.maxBytes / 16) return;
    this.bytes -= this.answers.get(key)?.length ?? 0;
    this.answers.set(key, answer);
    this.bytes += answer.length;
    while (this.answers.size > this.maxEntries || this.bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.answers.entries().next().value!;
      this.answers.delete(oldestKey);
      this.bytes -= oldest.length;
    }
  }
}
