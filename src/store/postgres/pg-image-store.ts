/**
 * The images of a PostgreSQL catalog: the same tables, list SQL and caches as SQLite's, with statements shaped
 * to PostgreSQL's planner, and bulk loads that build the indexes once.
 */
import type pg from 'pg';
import type { Image, ImageMember } from '../../catalog/image.js';
import type { Cursor, ImageStore, StoredImage, UnfinishedUpload } from '../../catalog/ports.js';
import type { Condition, ListScope, SortOrder } from '../../catalog/query.js';
import { changesSince, ListSql } from '../sql/list-sql.js';
import { NTH_CHANGE_SQL, RecentChanges } from '../sql/recent-changes.js';
import { isScan, ListCache } from '../sql/list-cache.js';
import { COLUMNS, COUNT_BY_STATUS, countsOf, PING, type StatusCount, memberParams, NEW_MEMBER_SQL, toImage, toMember, toRow, UNFINISHED_UPLOADS, updateSql, type ImageRow, type MemberRow } from '../sql/rows.js';
import { oneRow } from '../sql/sql-runner.js';
import type { PgConnection } from './pg-connection.js';

/** PostgreSQL's words where the list SQL needs them. */
export const LIST_SQL = new ListSql({
  // PostgreSQL's planner weighs these by their statistics already.
  fewValues: (column) => column,
  // The index holds the key and a digest of the value (migration 11), as the longest values do not fit in a
  // B-tree entry; extended statistics tell the planner that the digest adds nothing to the value's selectivity.
  // Many filters probe the index once each (OFFSET 0 keeps the subquery from becoming a join that the planner,
  // unable to tell how few rows match, would rather make by hashing every row's digest).
  properties: {
    one: 'id IN (SELECT image_id FROM image_properties WHERE key = ? AND md5(value) = md5(?) AND value = ?)',
    all: (count) =>
      `id IN (SELECT p.image_id FROM (VALUES ${Array(count).fill('(?, md5(?), ?)').join(', ')}) AS f (key, digest, value), ` +
      'LATERAL (SELECT image_id FROM image_properties WHERE key = f.key AND md5(value) = f.digest AND value = f.value OFFSET 0) AS p ' +
      `GROUP BY p.image_id HAVING count(*) = ${count})`,
    pair: (key, value) => [key, value, value],
  },
  tagsOf: 'jsonb_array_elements_text(images.tags::jsonb) AS tag (value)',
  never: 'false',
  always: 'true',
  same: (column) => `${column} IS NOT DISTINCT FROM ?`,
  // An OFFSET keeps the planner from turning EXISTS into an IN over a hashed share list.
  perImage: ' OFFSET 0',
  nulls: (dir) => (dir === 'asc' ? ' NULLS FIRST' : ' NULLS LAST'),
  // PostgreSQL walks the sort key's index by itself, sorting ties incrementally.
  sortedBy: () => '',
  // Written as expressions, so that no index can serve the order or the bound: PostgreSQL has no index hints.
  changedFirst: '',
  sortedLater: (column) => `(${column} || '')`,
  walkedPast: (column) => `(${column} || '')`,
});

/** Column types for `unnest`, which loads many rows with one statement. */
const COLUMN_TYPES: Record<(typeof COLUMNS)[number], string> = {
  id: 'text', name: 'text', status: 'text', visibility: 'text', owner: 'text', protected: 'int', os_hidden: 'int',
  min_ram: 'int', min_disk: 'int', size: 'bigint', virtual_size: 'bigint', disk_format: 'text',
  container_format: 'text', checksum: 'text', os_hash_algo: 'text', os_hash_value: 'text', created_at: 'text',
  updated_at: 'text', deleted: 'int', deleted_at: 'text', tags: 'text', properties: 'text', has_data: 'int',
};

/** Rows per statement when loading many images. */
const LOAD_BATCH = 2000;


/**
 * Drops the secondary indexes and foreign keys of the image tables (in the caller's transaction);
 * returns the statements that make them again.
 */
async function dropImageIndexes(client: pg.PoolClient): Promise<string[]> {
  const tables = "('images', 'image_properties', 'members')";
  const { rows: keys } = await client.query<{ tbl: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS tbl, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE contype = 'f' AND conrelid::regclass::text IN ${tables} AND connamespace = current_schema()::regnamespace`,
  );
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ${tables}
     AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)`,
  );
  for (const key of keys) await client.query(`ALTER TABLE ${key.tbl} DROP CONSTRAINT ${key.name}`);
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
  return [...indexes.map((index) => index.def), ...keys.map((key) => `ALTER TABLE ${key.tbl} ADD CONSTRAINT ${key.name} ${key.def}`)];
}

export class PgImageStore implements ImageStore {
  private readonly lists = new ListCache();
  private readonly recentChanges = new RecentChanges(
    async (n) => (await this.db.query<{ updated_at: string }>(NTH_CHANGE_SQL, [n]))[0]?.updated_at,
  );

  constructor(private readonly db: PgConnection) {}

  version(): string | Promise<string> {
    return this.db.version();
  }

  async listImages(scope: ListScope, conditions: Condition[], after: Cursor | null, limit: number, order?: SortOrder[]): Promise<Image[]> {
    const version = await this.db.version();
    return this.lists.page([scope, conditions, after, limit, order], version, isScan(after, limit), async (keep) => {
      const since = changesSince(conditions, order);
      const changed = since && (await this.recentChanges.nth(version, since.changes));
      const { from, where, order: orderBy, params } = LIST_SQL.page(scope, conditions, after, limit, order, changed);
      const page = await this.db.query<{ id: string; updated_at: string }>(
        `SELECT id, updated_at FROM ${from} WHERE ${where} ORDER BY ${orderBy} LIMIT ?`,
        params,
      );
      const keys = page.flatMap((row) => [row.id, row.updated_at]);
      return this.lists.images(keys, keep, (ids) => this.db.query<ImageRow>('SELECT * FROM images WHERE id = ANY(?)', [ids]));
    });
  }

  async getImage(id: string): Promise<Image | null> {
    return oneRow(this.db, 'SELECT * FROM images WHERE id = ?', toImage, id);
  }

  async getMembers(imageId: string): Promise<ImageMember[]> {
    return (await this.db.query<MemberRow>('SELECT * FROM members WHERE image_id = ? ORDER BY created_at, member', [imageId])).map(toMember);
  }

  async getMember(imageId: string, member: string): Promise<ImageMember | null> {
    return oneRow(this.db, 'SELECT * FROM members WHERE image_id = ? AND member = ?', toMember, imageId, member);
  }

  /**
   * Stores images with their properties and members, a batch per statement; returns how many were
   * added. With `keepExisting`, ids already taken are skipped; otherwise one is an error.
   */
  private async insertBatch(client: pg.PoolClient, entries: StoredImage[], keepExisting: boolean): Promise<number> {
    const rows = entries.map((entry) => toRow(entry.image));
    const columns = COLUMNS.map((column) => rows.map((row) => row[column]));
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO images (${COLUMNS.join(', ')}) SELECT * FROM unnest(${COLUMNS.map((c) => `?::${COLUMN_TYPES[c]}[]`).join(', ')}) ` +
        `${keepExisting ? 'ON CONFLICT (id) DO NOTHING ' : ''}RETURNING id`,
      columns,
      client,
    );
    if (inserted.length === 0) return 0;
    const added = new Set(inserted.map((row) => row.id));
    const kept = entries.filter((entry) => added.has(entry.image.id));
    await this.db.query(
      'INSERT INTO image_properties (image_id, key, value) SELECT image.id, property.key, property.value ' +
        'FROM unnest(?::text[], ?::text[]) AS image (id, properties), json_each_text(image.properties::json) AS property ' +
        'WHERE property.value IS NOT NULL',
      [kept.map((entry) => entry.image.id), kept.map((entry) => JSON.stringify(entry.image.properties))],
      client,
    );
    const members = kept.flatMap((entry) => entry.members.map((m) => [entry.image.id, m.member, m.status, m.can_share ? 1 : 0, m.created_at, m.updated_at]));
    if (members.length > 0) {
      await this.db.query(
        'INSERT INTO members (image_id, member, status, can_share, created_at, updated_at) ' +
          'SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[])',
        [0, 1, 2, 3, 4, 5].map((i) => members.map((m) => m[i])),
        client,
      );
    }
    return inserted.length;
  }

  async insertImage(entry: StoredImage): Promise<void> {
    await this.db.write((client) => this.insertBatch(client, [entry], false));
  }

  async importImages(entries: Iterable<StoredImage>, onProgress?: (done: number) => void): Promise<number> {
    let done = 0;
    const imported = await this.db.write(async (client) => {
      // Into an empty catalog, rows go in without secondary indexes and foreign keys, which are then
      // built once from all the rows: several times faster than checking and growing them row by row.
      // One transaction (PostgreSQL's DDL is transactional), so a failed load leaves everything as it was.
      const empty = (await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM images', [], client))[0].n === 0;
      const rebuild = empty ? await dropImageIndexes(client) : [];
      let added = 0;
      let batch: StoredImage[] = [];
      const flush = async () => {
        added += await this.insertBatch(client, batch, true);
        done += batch.length;
        batch = [];
        onProgress?.(done);
      };
      const queued = new Set<string>();
      for (const entry of entries) {
        // One batch holds each id once, as ON CONFLICT cannot skip a row its own statement inserted.
        if (queued.has(entry.image.id)) {
          await flush();
          queued.clear();
        }
        queued.add(entry.image.id);
        batch.push(entry);
        if (batch.length === LOAD_BATCH) {
          await flush();
          queued.clear();
        }
      }
      await flush();
      if (rebuild.length > 0) await client.query("SET LOCAL maintenance_work_mem = '256MB'");
      for (const sql of rebuild) await client.query(sql);
      return added;
    });
    // Lists read from indexes alone only where the visibility map says the rows are visible to all,
    // which a load leaves unset until a vacuum; without one they visit the table row by row.
    if (imported > 0) await this.db.pool.query('VACUUM (ANALYZE) images, image_properties, members');
    return imported;
  }

  async putMember(imageId: string, m: ImageMember): Promise<void> {
    await this.db.write((client) =>
      this.db.query(
        'INSERT INTO members (image_id, member, status, can_share, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (image_id, member) DO UPDATE SET status = excluded.status, can_share = excluded.can_share, ' +
          'created_at = excluded.created_at, updated_at = excluded.updated_at',
        memberParams(imageId, m),
        client,
      ),
    );
  }

  async addMember(imageId: string, m: ImageMember): Promise<boolean> {
    return this.db.write(async (client) => ((await this.db.execute(NEW_MEMBER_SQL, memberParams(imageId, m), client)).rowCount ?? 0) > 0);
  }

  async deleteMember(imageId: string, member: string): Promise<void> {
    await this.db.write((client) => this.db.query('DELETE FROM members WHERE image_id = ? AND member = ?', [imageId, member], client));
  }

  async updateImage(id: string, changes: Partial<Omit<Image, 'id'>>, ifUpdatedAt?: string): Promise<boolean> {
    const { sql, params } = updateSql(id, changes, ifUpdatedAt);
    if (!sql) return (await this.getImage(id)) !== null;
    this.lists.forget(id);
    return this.db.write(async (client) => {
      if ((await this.db.query(`${sql} RETURNING id`, params, client)).length === 0) return false;
      if (changes.properties) {
        await this.db.query('DELETE FROM image_properties WHERE image_id = ?', [id], client);
        await this.db.query(
          'INSERT INTO image_properties (image_id, key, value) SELECT ?, key, value FROM json_each_text(?::json) WHERE value IS NOT NULL',
          [id, JSON.stringify(changes.properties)],
          client,
        );
      }
      return true;
    });
  }

  async *exportImages(): AsyncIterable<StoredImage> {
    // Keyset pages along the primary order, so an export of any size holds one page in memory at a time.
    let after = { created_at: '', id: '' };
    for (;;) {
      const rows = await this.db.query<ImageRow>(
        'SELECT * FROM images WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT 500',
        [after.created_at, after.id],
      );
      if (rows.length === 0) return;
      for (const row of rows) yield { image: toImage(row), members: await this.getMembers(row.id) };
      after = rows[rows.length - 1];
    }
  }

  async unfinishedUploads(): Promise<UnfinishedUpload[]> {
    return this.db.query<UnfinishedUpload>(UNFINISHED_UPLOADS);
  }

  async countImages(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM images'))[0].n;
  }

  async countByStatus(): Promise<Record<string, number>> {
    return countsOf(await this.db.query<StatusCount>(COUNT_BY_STATUS));
  }

  async ping(): Promise<void> {
    await this.db.query(PING);
  }
}
