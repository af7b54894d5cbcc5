/**
 * The catalog's connection pool in PostgreSQL, for several Glint processes (or machines) on one catalog:
 * every change runs in a transaction that also moves the catalog revision, and the catalog version is that
 * revision, as PostgreSQL tells it to every process (see KnownRevisions for the bound on how late), so no
 * process answers from a cache another one made stale for longer than that.
 * The image, identity and lease stores all run on it.
 */
import pg from 'pg';
import { throwAsFull } from '../../common/storage-full.js';
import { MAX_PREPARED } from '../sql/list-sql.js';
import type { SqlRunner } from '../sql/sql-runner.js';
import { runStepsAsync, UniqueViolation, type StepRunner, type Steps } from '../sql/sql-steps.js';
import { FreshRead } from './fresh-read.js';
import { KnownRevisions, type RevisionName, type Revisions } from './known-revisions.js';
import { MIGRATIONS } from './migrations.js';
import { RevisionListener, REVISIONS_SQL } from './revision-listener.js';

/** PostgreSQL's disk_full (SQLSTATE 53100): the server could not extend a file; the transaction is rolled back. */
const catalogFull = (err: unknown) => throwAsFull('catalog', err, (e) => (e as { code?: string }).code === '53100');

/** An id for the migrations' advisory lock, so processes starting together migrate one at a time. */
const MIGRATION_LOCK = 0x676c696e74;

/**
 * How stale a revision this process answers from may be: a change committed this long before a request
 * starts is seen by it. The listening connection confirms the revisions four times within it, so a late
 * answer or two still leaves them confirmed.
 */
export const REVISION_BOUND_MS = 200;
const CONFIRM_EVERY_MS = REVISION_BOUND_MS / 4;

/** Our SQL uses `?` placeholders (as SQLite's does); PostgreSQL numbers them. None of it has a literal `?`. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * PostgreSQL text cannot hold the NUL character, which the APIs therefore refuse in what they store; a
 * read may still be asked about such text (a name filter, an id in a URL). No row holds it, so it is
 * sent as NULL, which equals nothing, just as the text would. A write with one is a bug above the store.
 */
function withoutNul(sql: string, params: unknown[]): unknown[] {
  const hasNul = (param: unknown) => typeof param === 'string' && param.includes('\0');
  if (!params.some(hasNul)) return params;
  if (!/^\s*SELECT\b/i.test(sql)) throw new Error('PostgreSQL text cannot hold a NUL character');
  return params.map((param) => (hasNul(param) ? null : param));
}

export class PgConnection implements SqlRunner, StepRunner {
  private readonly known = new KnownRevisions(REVISION_BOUND_MS);
  private readonly revisions = new FreshRead(() => this.readRevisions());
  private readonly listener: RevisionListener;
  /** Statement names by SQL text: each distinct statement is prepared once per connection. */
  private readonly names = new Map<string, string>();

  private constructor(
    readonly pool: pg.Pool,
    config: pg.ClientConfig,
  ) {
    this.listener = new RevisionListener(config, this.known, CONFIRM_EVERY_MS);
  }

  /** Connects, and brings the schema up to date. */
  static async open(url: string): Promise<PgConnection> {
    const config: pg.ClientConfig = {
      connectionString: url,
      // Plans for the values asked: a generic plan cannot tell a changes-since of the last minute (a few
      // rows, best found through updated_at) from one of last year (most rows, best walked in list order).
      // No JIT: it compiles a query whose estimate is high (many filters: over a million) for hundreds of
      // milliseconds, where the catalog's queries run for a few.
      options: '-c plan_cache_mode=force_custom_plan -c jit=off',
      // bigint (sizes) as numbers: image sizes stay far below 2^53.
      types: { getTypeParser: (oid, format) => (oid === pg.types.builtins.INT8 ? Number : (pg.types.getTypeParser(oid, format) as (text: string) => unknown)) },
    };
    const pool = new pg.Pool({ ...config, max: 10 });
    // An idle connection that breaks (the server restarts) is replaced on the next query; without a
    // listener its error would end the process.
    pool.on('error', () => undefined);
    const connection = new PgConnection(pool, config);
    try {
      await connection.migrate();
    } catch (err) {
      await pool.end();
      throw new Error(`cannot open the PostgreSQL catalog: ${(err as Error).message}`, { cause: err });
    }
    connection.listener.start();
    return connection;
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version');
      const version = rows[0]?.version ?? 0;
      if (rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES (0)');
      for (let v = version; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]);
      if (version < MIGRATIONS.length) await client.query('UPDATE schema_version SET version = $1', [MIGRATIONS.length]);
    });
  }

  /** Runs a statement, prepared once per connection under a name of its own (up to MAX_PREPARED of them). */
  async execute<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<pg.QueryResult<R>> {
    let name = this.names.get(sql);
    if (!name && this.names.size < MAX_PREPARED) {
      name = `glint_${this.names.size + 1}`;
      this.names.set(sql, name);
    }
    return on.query<R>({ name, text: numbered(sql), values: withoutNul(sql, params) }).catch(catalogFull);
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<R[]> {
    return (await this.execute<R>(sql, params, on)).rows;
  }

  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      return catalogFull(err);
    } finally {
      client.release();
      this.known.changedHere();
    }
  }

  /** A change to the image catalog: one transaction, which also moves the catalog revision. */
  write<T>(change: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      const result = await change(client);
      await this.query('UPDATE catalog_revision SET revision = revision + 1', [], client);
      return result;
    });
  }

  async atomically<T>(steps: () => Steps<T>): Promise<T> {
    try {
      return await this.write((client) =>
        runStepsAsync(steps(), async ({ sql, params }) => {
          const result = await this.execute(sql, params, client);
          return { rows: result.rows, changes: result.rowCount ?? 0 };
        }),
      );
    } catch (err) {
      // unique_violation (SQLSTATE 23505)
      if ((err as { code?: string }).code === '23505') throw new UniqueViolation({ cause: err });
      throw err;
    }
  }

  /** The catalog revision (see KnownRevisions for how fresh): every change to the image catalog moves it. */
  version(): string | Promise<string> {
    return this.revision('catalog');
  }

  /** The identity revision (see KnownRevisions for how fresh): moved by every change that can end a token's or key's use. */
  identityRevision(): string | Promise<string> {
    return this.revision('identity');
  }

  /** At once while the listening connection keeps the revisions confirmed; otherwise read (see FreshRead). */
  private revision(name: RevisionName): string | Promise<string> {
    return this.known.current(name) ?? this.revisions.get().then(() => this.known.known(name));
  }

  private async readRevisions(): Promise<void> {
    const sentAt = this.known.now();
    const [read] = await this.query<Revisions>(REVISIONS_SQL);
    this.known.confirm(read, sentAt);
  }

  async all<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.query<R & pg.QueryResultRow>(sql, params);
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    try {
      return (await this.execute(sql, params)).rowCount ?? 0;
    } finally {
      this.known.changedHere();
    }
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.pool.end();
  }
}
