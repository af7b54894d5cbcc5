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

test('a new table is checked alone', () => {
  const db = catalog();
  const before = tableShapes(db);
  db.exec('CREATE TABLE leases (parent TEXT PRIMARY KEY REFERENCES parents (id))');
  assert.deepEqual(tablesToCheck(db, before), ['leases']);
  assert.equal(danglingReferences(db, tablesToCheck(db, before)), false);
});

test('a rebuilt table is checked with the tables that refer to it, and a row it lost is found', () => {
  const db = catalog();
  const before = tableShapes(db);
  db.exec(`
    CREATE TABLE parents_new (id TEXT PRIMARY KEY);
    INSERT INTO parents_new SELECT id FROM parents WHERE id = 'a';
    DROP TABLE parents;
    ALTER TABLE parents_new RENAME TO parents;
  `);
  assert.deepEqual(tablesToCheck(db, before).sort(), ['children', 'parents']);
  assert.equal(danglingReferences(db, tablesToCheck(db, before)), true);
});

test('a table dropped from under the tables that refer to it is found', () => {
  const db = catalog();
  const before = tableShapes(db);
  db.exec('DROP TABLE parents');
  assert.deepEqual(tablesToCheck(db, before), ['children']);
  assert.equal(danglingReferences(db, tablesToCheck(db, before)), true);
});
