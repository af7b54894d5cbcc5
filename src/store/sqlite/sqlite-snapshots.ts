/**
 * Snapshots of an embedded catalog: each a SQLite file, `snapshots/NAME/catalog.sqlite` beside the catalog, made
 * with SQLite's online backup and then stripped of the accounts, so a copy holds no password hash or token.
 * A restore attaches the copy and replaces the catalog's tables from it in one transaction.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { rename, rm, rmdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CatalogSnapshots, SnapshotInfo } from '../../catalog/ports.js';
import { isSnapshotName } from '../../catalog/snapshot-name.js';
import { CATALOG_TABLES, CATALOG_TABLES_DEPENDENTS_FIRST, checkedName } from '../sql/catalog-tables.js';
import type { SqliteConnection } from './sqlite-connection.js';

const FILE = 'catalog.sqlite';

export class SqliteSnapshots implements CatalogSnapshots {
  constructor(
    private readonly connection: SqliteConnection,
    /** `DATA_DIR/snapshots`: the image data's snapshots sit beside each copy (see `FsBlobStore.snapshot`). */
    private readonly dir: string,
  ) {}

  private file(name: string): string {
    return join(this.dir, checkedName(name), FILE);
  }

  async save(name: string): Promise<SnapshotInfo> {
    const file = this.file(name);
    mkdirSync(join(this.dir, name), { recursive: true, mode: 0o700 });
    const temp = `${file}.${randomUUID()}.partial`;
    try {
      await this.connection.db.backup(temp);
      chmodSync(temp, 0o600);
      stripAccounts(temp);
      await rename(temp, file);
    } catch (err) {
      await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(temp + suffix, { force: true })));
      throw err;
    }
    return this.info(name);
  }

  private info(name: string): SnapshotInfo {
    return { name, created_at: statSync(this.file(name)).mtime.toISOString() };
  }

  async list(): Promise<SnapshotInfo[]> {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => isSnapshotName(name) && existsSync(join(this.dir, name, FILE)))
      .sort()
      .map((name) => this.info(name));
  }

  async restore(name: string): Promise<boolean> {
    const file = this.file(name);
    if (!existsSync(file)) return false;
    const { db } = this.connection;
    db.prepare('ATTACH DATABASE ? AS snapshot').run(file);
    try {
      const made = db.pragma('snapshot.user_version', { simple: true });
      const current = db.pragma('main.user_version', { simple: true });
      if (made !== current) throw new Error(`snapshot ${name} was made by a Glint whose catalog schema (${String(made)}) is not this one's (${String(current)})`);
      this.connection.write(() => {
        for (const table of CATALOG_TABLES_DEPENDENTS_FIRST) db.prepare(`DELETE FROM main.${table}`).run();
        for (const table of CATALOG_TABLES) db.prepare(`INSERT INTO main.${table} SELECT * FROM snapshot.${table}`).run();
      });
    } finally {
      db.prepare('DETACH DATABASE snapshot').run();
    }
    return true;
  }

  async delete(name: string): Promise<boolean> {
    const file = this.file(name);
    if (!existsSync(file)) return false;
    await rm(file, { force: true });
    // The snapshot's directory goes with the last of what it held.
    await rmdir(join(this.dir, name)).catch(() => undefined);
    return true;
  }

  async clear(): Promise<void> {
    const { db } = this.connection;
    this.connection.write(() => {
      for (const table of CATALOG_TABLES_DEPENDENTS_FIRST) db.prepare(`DELETE FROM ${table}`).run();
    });
  }
}

/** Empties every table of the copy that is not the catalog's: the accounts stay in the live file only. */
function stripAccounts(file: string): void {
  const copy = new Database(file);
  try {
    // Every account table goes, so the order of their references does not matter.
    copy.pragma('foreign_keys = OFF');
    const catalog = new Set<string>(CATALOG_TABLES);
    const tables = copy.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    copy.transaction(() => {
      for (const table of tables) if (!catalog.has(table)) copy.prepare(`DELETE FROM ${table}`).run();
    })();
  } finally {
    copy.close();
  }
}
