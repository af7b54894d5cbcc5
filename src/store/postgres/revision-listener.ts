/**
 * One connection of its own that keeps a process's `KnownRevisions` current: it LISTENs for the revisions'
 * notifications (sent by triggers, so by every writer) and reads both revisions every `everyMs`, which
 * confirms what is known even when a notification was lost. When the connection fails or stops answering it
 * is replaced (and LISTENs again); meanwhile what is known ages past its bound and requests read the revisions
 * themselves.
 */
import pg from 'pg';
import type { KnownRevisions, RevisionName, Revisions } from './known-revisions.js';

/** The channel the revision triggers notify on, with `<table> <revision>` as payload. */
export const REVISIONS_CHANNEL = 'glint_revisions';

/** The listening connection's name in `pg_stat_activity`. */
export const LISTENER_NAME = 'glint revisions';

export const REVISIONS_SQL = 'SELECT c.revision AS catalog, i.revision AS identity FROM catalog_revision c, identity_revision i';

const NOTIFIED: Record<string, RevisionName> = { catalog_revision: 'catalog', identity_revision: 'identity' };

export class RevisionListener {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly known: KnownRevisions,
    private readonly everyMs: number,
  ) {}

  start(): void {
    const client = new pg.Client({ ...this.config, application_name: LISTENER_NAME, connectionTimeoutMillis: this.known.boundMs * 10, query_timeout: this.known.boundMs * 10 });
    this.client = client;
    client.on('error', () => this.replace(client));
    client.on('end', () => this.replace(client));
    client.on('notification', ({ channel, payload }) => {
      const [table, revision] = (payload ?? '').split(' ');
      if (channel === REVISIONS_CHANNEL && Object.hasOwn(NOTIFIED, table)) this.known.tell(NOTIFIED[table], Number(revision));
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${REVISIONS_CHANNEL}`))
      .then(() => this.confirm(client))
      .catch(() => this.replace(client));
  }

  private async confirm(client: pg.Client): Promise<void> {
    if (this.client !== client) return;
    const sentAt = this.known.now();
    const { rows } = await client.query<Revisions>(REVISIONS_SQL);
    this.known.confirm(rows[0], sentAt);
    this.later(() => void this.confirm(client).catch(() => this.replace(client)));
  }

  /** Ends a failed connection and starts another a little later, unless closing. */
  private replace(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.later(() => this.start());
  }

  private later(work: () => void): void {
    if (this.closed) return;
    this.timer = setTimeout(work, this.everyMs);
    // Nothing to keep the process alive for.
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
