/**
 * The catalog and identity revisions of a PostgreSQL catalog as this process last learnt them, and whether
 * that is recent enough to answer from without asking the database.
 *
 * What is known was confirmed at some instant: a read of both revisions sent then saw every change committed
 * before it. Notifications (and later reads) only raise it. Within `boundMs` of that instant the known
 * revisions are answered at once, so a change committed by anyone is seen by every request that starts more
 * than `boundMs` after the commit, whether or not its notification arrives. A change made through this
 * process is seen by its next request at once: it takes a read sent after it to be trusted again.
 */

export type RevisionName = 'catalog' | 'identity';

export type Revisions = Record<RevisionName, number>;

export class KnownRevisions {
  private readonly latest: Revisions = { catalog: -1, identity: -1 };
  private confirmedAt = -Infinity;
  private changedHereAt = -Infinity;

  constructor(
    readonly boundMs: number,
    readonly now: () => number = () => performance.now(),
  ) {}

  /** The revision, when what is known may be answered from; undefined when it must be read. */
  current(name: RevisionName): string | undefined {
    return this.now() - this.confirmedAt < this.boundMs ? String(this.latest[name]) : undefined;
  }

  /** The highest value learnt of the revision, however long ago. */
  known(name: RevisionName): string {
    return String(this.latest[name]);
  }

  /** Both revisions as read by a query sent at `sentAt` (by `now`). */
  confirm(read: Revisions, sentAt: number): void {
    this.tell('catalog', read.catalog);
    this.tell('identity', read.identity);
    // A read sent before this process's latest change may not have seen it.
    if (sentAt >= this.changedHereAt) this.confirmedAt = Math.max(this.confirmedAt, sentAt);
  }

  /** A revision's new value, as a notification told it; revisions only grow, so an older one is ignored. */
  tell(name: RevisionName, value: number): void {
    if (value > this.latest[name]) this.latest[name] = value;
  }

  /** This process changed the catalog or the accounts: what is known is no longer enough until read again. */
  changedHere(): void {
    this.changedHereAt = this.now();
    this.confirmedAt = -Infinity;
  }
}
