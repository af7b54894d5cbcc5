/**
 * The foreign-key check after a migration, limited to what the migration can have broken. Migrations run
 * with foreign keys off (SQLite's way to rebuild a table others refer to), so each is checked afterwards;
 * checking the whole catalog reads every reference in it (seconds on a million images), while a
 * migration can only break those of the tables it created, rebuilt or dropped, and of the tables that
 * refer to them.
 */
import type Database from 'better-sqlite3';

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Each table's definition and where its rows live: a rebuilt table has a new root page, whatever its text. */
export type TableShapes = Map<string, string>;

export function tableShapes(db: Database.Database): TableShapes {
  const rows = db.prepare("SELECT name, sql, rootpage FROM sqlite_master WHERE type = 'table'").all() as { name: string; sql: string; rootpage: number }[];
  return new Map(rows.map((row) => [row.name, `${row.rootpage} ${row.sql}`]));
}

/** The tables whose references the change from `before` can have left dangling. */
export function tablesToCheck(db: Database.Database, before: TableShapes): string[] {
  const after = tableShapes(db);
  const changed = new Set([...before.keys()].filter((name) => before.get(name) !== after.get(name)));
  for (const [name, shape] of after) if (before.get(name) !== shape) changed.add(name);
  const referring = (table: string) =>
    (db.pragma(`foreign_key_list(${quoted(table)})`) as { table: string }[]).some((key) => changed.has(key.table));
  return [...after.keys()].filter((table) => changed.has(table) || referring(table));
}

/** Whether any of `tables` refers to a row that is not there. */
export function danglingReferences(db: Database.Database, tables: string[]): boolean {
  return tables.some((table) => (db.pragma(`foreign_key_check(${quoted(table)})`) as unknown[]).length > 0);
}
