/**
 * The embedded catalog's connection: one SQLite file in WAL mode, private to its owner, migrated on open,
 * statements prepared once per shape. The image, identity and lease stores all run on it.
 */
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { throwAsFull } from '../../common/storage-full.js';
import { MAX_PREPARED } from '../sql/list-sql.js';
import type { SqlRunner } from '../sql/sql-runner.js';
import { runSteps, UniqueViolation, type StepRunner, type Steps } from '../sql/sql-steps.js';
import { MIGRATIONS } from './migrations.js';
import { danglingReferences, tablesToCheck, tableShapes } from './reference-check.js';

/** SQLite's "no room": the disk is full (or the file reached its size cap); nothing of the transaction stays. */
const catalogFull = (err: unknown) => throwAsFull('catalog', err, (e) => (e as { code?: string }).code === 'SQLITE_FULL');

const PRIVATE_FILE = 0o600;

/** The page cache, in KiB: hot index pages of a big catalog outgrow the default 2 MiB. */
export const CACHE_KIB = 32_768;

export class SqliteConnection implements SqlRunner, StepRunner {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Image catalog changes made through this connection (see `version`). */
  private ownWrites = 0;
  /** Statements run outside `write` (the identity store's); with `ownWrites`, this connection's every change. */
  private ownRuns = 0;
  private readonly dataVersionStatement: Database.Statement;
  private readonly identityRevisionStatement: Database.Statement;
  /**
   * `PRAGMA data_version` as read by the code running now, forgotten when queued microtasks next run: a request
   * checks the catalog version and the identity revision, both from it, in one run, and reading it once saves a
   * statement per request. A commit another process makes meanwhile is seen from the next run, as if the request
   * came a moment sooner; what a request does after awaiting anything reads it afresh.
   */
  private turnDataVersion: number | undefined;
  private readonly forgetTurnDataVersion = () => {
    this.turnDataVersion = undefined;
  };
  /** The identity revision, and the changes (ours, others') it was read after. */
  private identityRevisionRead = { at: '', revision: '' };

  constructor(file: string) {
    // The catalog holds password hashes and sealed secrets: no other local user may read it, whatever the
    // umask. SQLite gives the -wal and -shm files it makes the main file's mode.
    closeSync(openSync(file, 'a', PRIVATE_FILE));
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) chmodSync(file + suffix, PRIVATE_FILE);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
    this.migrate();
    this.db.pragma('foreign_keys = ON');
    // The planner needs statistics to tell a selective filter (a name) from one most images match (a
    // status), or it walks the wrong index and sorts what it found; this refreshes them when stale.
    this.db.pragma('analysis_limit = 1000');
    this.db.pragma('optimize');
    this.dataVersionStatement = this.db.prepare('PRAGMA data_version').pluck();
    this.identityRevisionStatement = this.db.prepare('SELECT revision FROM identity_revision').pluck();
  }

  /**
   * Foreign keys are off meanwhile, as SQLite's procedure for rebuilding a table asks: a table others
   * refer to could not be dropped otherwise. Each migration is checked to leave no reference dangling.
   */
  private migrate(): void {
    this.db.pragma('foreign_keys = OFF');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        const before = tableShapes(this.db);
        this.db.exec(MIGRATIONS[v]);
        if (danglingReferences(this.db, tablesToCheck(this.db, before))) throw new Error(`migration ${v + 1} leaves references to nothing`);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /**
   * Every change goes through here: one transaction, and the list cache learns that its pages may be
   * stale (SQLite's data_version only reports commits of other connections).
   */
  write<T>(change: () => T): T {
    try {
      return this.db.transaction(change)();
    } catch (err) {
      return catalogFull(err);
    } finally {
      this.ownWrites++;
    }
  }

  async atomically<T>(steps: () => Steps<T>): Promise<T> {
    try {
      return this.write(() =>
        runSteps(steps(), ({ sql, params }) => {
          const statement = this.prepared(sql);
          return statement.reader ? { rows: statement.all(...params) as Record<string, unknown>[], changes: 0 } : { rows: [], changes: statement.run(...params).changes };
        }),
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new UniqueViolation({ cause: err });
      throw err;
    }
  }

  /** Lists build their SQL from the conditions present; each distinct shape is prepared once (up to MAX_PREPARED). */
  prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size < MAX_PREPARED) this.statements.set(sql, statement);
    }
    return statement;
  }

  async all<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return this.prepared(sql).all(...params) as R[];
    } catch (err) {
      return catalogFull(err);
    }
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    try {
      return this.prepared(sql).run(...params).changes;
    } catch (err) {
      return catalogFull(err);
    } finally {
      this.ownRuns++;
    }
  }

  /** Commits other connections (processes) made to the file since it was opened; this one's own do not count. */
  dataVersion(): number {
    if (this.turnDataVersion === undefined) {
      this.turnDataVersion = this.dataVersionStatement.get() as number;
      queueMicrotask(this.forgetTurnDataVersion);
    }
    return this.turnDataVersion;
  }

  version(): string {
    // data_version moves with other connections' commits only; this connection's own writes are counted here.
    return `${this.ownWrites}:${this.dataVersion()}`;
  }

  /**
   * The identity revision (see `IdentityStore.revision`): read at once, as a request's check must cost little, and
   * read again only after a change by any connection, which the data version and this connection's counts tell.
   */
  identityRevision(): string {
    const at = `${this.ownWrites}:${this.ownRuns}:${this.dataVersion()}`;
    if (at !== this.identityRevisionRead.at) this.identityRevisionRead = { at, revision: String(this.identityRevisionStatement.get()) };
    return this.identityRevisionRead.revision;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
