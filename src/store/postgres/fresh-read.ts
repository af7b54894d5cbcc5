/**
 * A value read from the database by a query that started after the call asking for it, so a change committed
 * before the call (by any process) is never missed. Calls made while a read is under way share the next one,
 * so under load one read at a time serves every caller.
 */
export class FreshRead<T> {
  private underWay: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (!this.underWay) return this.start();
    this.next ??= this.underWay.then(
      () => this.start(),
      () => this.start(),
    );
    return this.next;
  }

  private start(): Promise<T> {
    this.next = null;
    const read: Promise<T> = this.read().finally(() => {
      if (this.underWay === read) this.underWay = null;
    });
    this.underWay = read;
    return read;
  }
}
