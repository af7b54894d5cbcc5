import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { test } from 'node:test';
import { danglingReferences, tablesToCheck, tableShapes } from './reference-check.js';

function catalog(): Database.Database {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE parents (id TEXT PRIMARY KEY);
    CREATE TABLE children (parent TEXT REFERENCES parents (id));
    CREATE TABLE others (n INTEGER);
    INSERT INTO parents VALUES ('a'), ('b');
    INSERT INTO children VALUES ('a'), ('b');
  `);
  db.pragma('foreign_keys = OFF');
  return db;
}

/** Runs `migration` over a fresh catalog: the tables then checked, and whether they refer to rows that are gone. */
function afterMigration(migration: string): { checked: string[]; dangling: boolean } {
  const db = catalog();
  const before = tableShapes(db);
  db.exec(migration);
  const checked = tablesToCheck(db, before);
  return { checked: checked.sort(), dangling: danglingReferences(db, checked) };
}

test('a new table is checked alone', () => {
  assert.deepEqual(afterMigration('CREATE TABLE leases (parent TEXT PRIMARY KEY REFERENCES parents (id))'), { checked: ['leases'], dangling: false });
});

test('a rebuilt table is checked with the tables that refer to it, and a row it lost is found', () => {
  const rebuilt = afterMigration(`
    CREATE TABLE parents_new (id TEXT PRIMARY KEY);
    INSERT INTO parents_new SELECT id FROM parents WHERE id = 'a';
    DROP TABLE parents;
    ALTER TABLE parents_new RENAME TO parents;
  `);
  assert.deepEqual(rebuilt, { checked: ['children', 'parents'], dangling: true });
});

test('a table dropped from under the tables that refer to it is found', () => {
  assert.deepEqual(afterMigration('DROP TABLE parents'), { checked: ['children'], dangling: true });
});
