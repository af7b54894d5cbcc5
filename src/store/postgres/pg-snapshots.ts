/**
 * Snapshots of a PostgreSQL catalog, inside the same database: each a schema `glint_snapshot_NAME` holding a copy
 * of every catalog table, made in one repeatable-read transaction, so every process sharing the database can
 * restore it and the copy is as consistent as the catalog. A restore empties the catalog's tables and fills them
 * from the copy in one transaction that moves the catalog revision.
 */
import type pg from 'pg';
import type { CatalogSnapshots, SnapshotInfo } from '../../catalog/ports.js';
import { isSnapshotName } from '../../catalog/snapshot-name.js';
import { CATALOG_TABLES, checkedName } from '../sql/catalog-tables.js';
import type { PgConnection } from './pg-connection.js';

const SCHEMA_PREFIX = 'glint_snapshot_';

const schemaOf = (name: string) => `"${SCHEMA_PREFIX}${checkedName(name)}"`;

const ALL_TABLES = CATALOG_TABLES.join(', ');

export class PgSnapshots implements CatalogSnapshots {
  constructor(private readonly connection: PgConnection) {}

  async save(name: string): Promise<SnapshotInfo> {
    const schema = schemaOf(name);
    await this.connection.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.query(`CREATE SCHEMA ${schema}`);
      for (const table of CATALOG_TABLES) await client.query(`CREATE TABLE ${schema}.${table} AS TABLE ${table}`);
      await client.query(`CREATE TABLE ${schema}.snapshot AS SELECT now() AS created_at, version FROM schema_version`);
    });
    return (await this.find(name))!;
  }

  private async find(name: string, on: pg.ClientBase | pg.Pool = this.connection.pool): Promise<SnapshotInfo | null> {
    if (!(await exists(on, name))) return null;
    const { rows } = await on.query<{ created_at: Date }>(`SELECT created_at FROM ${schemaOf(name)}.snapshot`);
    return { name, created_at: rows[0].created_at.toISOString() };
  }

  async list(): Promise<SnapshotInfo[]> {
    const { rows } = await this.connection.pool.query<{ name: string }>(
      'SELECT substr(nspname, $2) AS name FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname',
      [SCHEMA_PREFIX, SCHEMA_PREFIX.length + 1],
    );
    // A schema of the prefix that is no snapshot of Glint's is none of its business.
    const found = await Promise.all(rows.filter(({ name }) => isSnapshotName(name)).map(({ name }) => this.find(name)));
    return found.filter((info) => info !== null);
  }

  async restore(name: string): Promise<boolean> {
    const schema = schemaOf(name);
    return this.connection.write(async (client) => {
      if (!(await exists(client, name))) return false;
      const { rows } = await client.query<{ made: number; current: number }>(
        `SELECT s.version AS made, c.version AS current FROM ${schema}.snapshot s, schema_version c`,
      );
      if (rows[0].made !== rows[0].current) {
        throw new Error(`snapshot ${name} was made by a Glint whose catalog schema (${rows[0].made}) is not this one's (${rows[0].current})`);
      }
      // Readers in other transactions go on seeing the catalog as it was until this one commits.
      await client.query(`TRUNCATE ${ALL_TABLES}`);
      for (const table of CATALOG_TABLES) await client.query(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM ${schema}.${table}`);
      await continueIdentities(client);
      return true;
    });
  }

  async delete(name: string): Promise<boolean> {
    return this.connection.transaction(async (client) => {
      if (!(await exists(client, name))) return false;
      await client.query(`DROP SCHEMA ${schemaOf(name)} CASCADE`);
      return true;
    });
  }

  async clear(): Promise<void> {
    await this.connection.write((client) => client.query(`TRUNCATE ${ALL_TABLES} RESTART IDENTITY`));
  }
}

async function exists(on: pg.ClientBase | pg.Pool, name: string): Promise<boolean> {
  const { rowCount } = await on.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [SCHEMA_PREFIX + checkedName(name)]);
  return rowCount === 1;
}

/** Ids the catalog generates (metadata definitions') continue after the highest one restored. */
async function continueIdentities(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE is_identity = 'YES' AND table_schema = current_schema() AND table_name = ANY($1)",
    [CATALOG_TABLES],
  );
  for (const { table_name: table, column_name: column } of rows) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${column}) FROM ${table}), 0) + 1, false)`, [table, column]);
  }
}
