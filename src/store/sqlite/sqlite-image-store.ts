/** The images of the embedded catalog: list pages from SQL shaped to SQLite's planner, and bulk loads. */
import type { Image, ImageMember } from '../../catalog/image.js';
import { isImageId } from '../../catalog/image.js';
import type { Cursor, ImageStore, StoredImage, UnfinishedUpload } from '../../catalog/ports.js';
import type { Condition, ListScope, SortOrder } from '../../catalog/query.js';
import { changesSince, ListSql } from '../sql/list-sql.js';
import { NTH_CHANGE_SQL, RecentChanges } from '../sql/recent-changes.js';
import { COLUMNS, COUNT_BY_STATUS, countsOf, PING, type StatusCount, memberParams, NEW_MEMBER_SQL, toImage, toMember, toRow, UNFINISHED_UPLOADS, updateSql, type ImageRow, type MemberRow } from '../sql/rows.js';
import { isScan, ListCache } from '../sql/list-cache.js';
import type { SqliteConnection } from './sqlite-connection.js';

/** SQLite's words where the list SQL needs them. */
export const LIST_SQL = new ListSql({
  // `+column` keeps SQLite from choosing an index on the column.
  fewValues: (column) => `+${column}`,
  properties: {
    one: 'id IN (SELECT image_id FROM image_properties WHERE key = ? AND value = ?)',
    all: (count) =>
      `id IN (SELECT image_id FROM image_properties WHERE (key, value) IN (VALUES ${Array(count).fill('(?, ?)').join(', ')}) ` +
      `GROUP BY image_id HAVING count(*) = ${count})`,
    pair: (key, value) => [key, value],
  },
  tagsOf: 'json_each(images.tags)',
  never: '0',
  always: '1',
  same: (column) => `${column} IS ?`,
  // SQLite asks a correlated EXISTS per row already.
  perImage: '',
  // SQLite already sorts NULL first ascending and last descending.
  nulls: () => '',
  // SQLite prefers scanning the covering list order index and sorting all it finds.
  sortedBy: (key) => `INDEXED BY images_${key}`,
  changedFirst: 'INDEXED BY images_updated_at',
  sortedLater: (column) => column,
  // SQLite's planner walks the list order past a changes-since bound by itself, whatever the bound.
  walkedPast: (column) => column,
});

const INSERT_IMAGE = `INSERT INTO images (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
const KEEP_IMAGE = INSERT_IMAGE.replace('INSERT', 'INSERT OR IGNORE');

/**
 * While a load builds indexes: the sorter behind CREATE INDEX hands runs the size of the page cache
 * to helper threads, which sort them while the table is still being read. Threads gain little with
 * 32 MiB runs; with 2 MiB runs the builds take about a third less time on two cores. More threads
 * than cores cost nothing measurable.
 */
const SORT_CACHE_KIB = 2_048;
const SORT_THREADS = 4;

export class SqliteImageStore implements ImageStore {
  private readonly lists = new ListCache();
  private readonly recentChanges = new RecentChanges(async (n) => this.prepared(NTH_CHANGE_SQL).pluck().get(n) as string | undefined);

  constructor(private readonly connection: SqliteConnection) {}

  private get db() {
    return this.connection.db;
  }

  private prepared(sql: string) {
    return this.connection.prepared(sql);
  }

  private write<T>(change: () => T): T {
    return this.connection.write(change);
  }

  version(): string {
    return this.connection.version();
  }

  async listImages(scope: ListScope, conditions: Condition[], after: Cursor | null, limit: number, order?: SortOrder[]): Promise<Image[]> {
    const version = this.version();
    return this.lists.page([scope, conditions, after, limit, order], version, isScan(after, limit), async (keep) => {
      const since = changesSince(conditions, order);
      const changed = since && (await this.recentChanges.nth(version, since.changes));
      const { from, where, order: orderBy, params } = LIST_SQL.page(scope, conditions, after, limit, order, changed);
      // One row holding the page's ids and versions as a flat JSON array ([id, updated_at, id, …]): the
      // driver's per-row overhead dwarfs SQLite's own work, and JSON.parse is the fastest way back out.
      // Ids (UUIDs, checked on insert) and timestamps need no escaping, so no json_quote is spent on them.
      // The aggregate consumes the ordered subquery row by row, so it concatenates in list order (the
      // store contract tests check the order); an ORDER BY inside group_concat would sort a second time.
      // The limit is an expression, not a bare parameter: SQLite plans a LIMIT ? for the value bound, so
      // binding it anew, as every call does, makes the statement prepare itself again (~15 µs a page).
      const sql =
        `SELECT '["' || group_concat(id || '","' || updated_at, '","') || '"]' FROM ` +
        `(SELECT id, created_at, updated_at FROM ${from} WHERE ${where} ORDER BY ${orderBy} LIMIT CAST(? AS INTEGER))`;
      const page = this.prepared(sql).pluck().get(...params) as string | null;
      if (!page) return [];
      const rows = this.prepared('SELECT * FROM images WHERE id IN (SELECT value FROM json_each(?))');
      return this.lists.images(JSON.parse(page) as string[], keep, (ids) => rows.all(JSON.stringify(ids)) as ImageRow[]);
    });
  }

  async getImage(id: string): Promise<Image | null> {
    const row = this.prepared('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row ? toImage(row) : null;
  }

  async getMembers(imageId: string): Promise<ImageMember[]> {
    const rows = this.prepared('SELECT * FROM members WHERE image_id = ? ORDER BY created_at, member').all(imageId);
    return (rows as MemberRow[]).map(toMember);
  }

  async getMember(imageId: string, member: string): Promise<ImageMember | null> {
    const row = this.prepared('SELECT * FROM members WHERE image_id = ? AND member = ?').get(imageId, member);
    return row ? toMember(row as MemberRow) : null;
  }

  /**
   * Stores one image with its properties and members; returns false, storing nothing, when
   * `keepExisting` and the id is taken (an error otherwise).
   */
  private insertSync(entry: StoredImage, keepExisting = false): boolean {
    const row = toRow(entry.image);
    if (!this.insertWithoutProperties(entry, row, keepExisting)) return false;
    this.insertProperties(entry.image.id, row.properties);
    return true;
  }

  /** `insertSync` but for the property rows. */
  private insertWithoutProperties(entry: StoredImage, row: ImageRow, keepExisting: boolean): boolean {
    // List pages are read back as JSON text assembled in SQL, which relies on ids needing no escaping.
    if (!isImageId(entry.image.id)) throw new Error(`image id '${entry.image.id}' is not a UUID`);
    const insert = this.prepared(keepExisting ? KEEP_IMAGE : INSERT_IMAGE);
    // Spread, as the driver reads arguments faster than the elements of an array.
    if (insert.run(...COLUMNS.map((column) => row[column])).changes === 0) return false;
    const insertMember = this.prepared(
      'INSERT INTO members (image_id, member, status, can_share, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const m of entry.members) {
      insertMember.run(entry.image.id, m.member, m.status, m.can_share ? 1 : 0, m.created_at, m.updated_at);
    }
    return true;
  }

  /**
   * The filter rows of an image's properties, from the JSON object the image row keeps: one statement however
   * many. A null property (a core id left unset) matches no filter and has none.
   */
  private insertProperties(imageId: string, propertiesJson: string): void {
    this.prepared('INSERT INTO image_properties (image_id, key, value) SELECT ?, key, value FROM json_each(?) WHERE value IS NOT NULL').run(imageId, propertiesJson);
  }

  async putMember(imageId: string, m: ImageMember): Promise<void> {
    this.write(() =>
      this.prepared(
        'INSERT OR REPLACE INTO members (image_id, member, status, can_share, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(memberParams(imageId, m)),
    );
  }

  async addMember(imageId: string, m: ImageMember): Promise<boolean> {
    return this.write(() => this.prepared(NEW_MEMBER_SQL).run(memberParams(imageId, m)).changes > 0);
  }

  async deleteMember(imageId: string, member: string): Promise<void> {
    this.write(() => this.prepared('DELETE FROM members WHERE image_id = ? AND member = ?').run(imageId, member));
  }

  async insertImage(entry: StoredImage): Promise<void> {
    this.write(() => this.insertSync(entry));
  }

  async importImages(entries: Iterable<StoredImage>, onProgress?: (done: number) => void): Promise<number> {
    let done = 0;
    const progress = () => {
      done++;
      if (done % 100 === 0) onProgress?.(done);
    };
    const imported = this.isEmpty() ? this.load(entries, progress) : this.write(() => this.insertEach(entries, progress));
    onProgress?.(done);
    return imported;
  }

  private isEmpty(): boolean {
    return this.prepared('SELECT count(*) FROM images').pluck().get() === 0;
  }

  /** Adds each image whose id is not taken yet. */
  private insertEach(entries: Iterable<StoredImage>, progress: () => void): number {
    let imported = 0;
    for (const entry of entries) {
      // Importing the same catalog again (e.g. on every start) keeps what is there.
      if (this.insertSync(entry, true)) imported++;
      progress();
    }
    return imported;
  }

  /**
   * A load into an empty catalog: rows go in without any index of the image tables, which are then
   * built once from sorted data, several times faster than growing them row by row. One transaction,
   * so a failed load leaves the indexes (and the empty catalog) as they were.
   */
  private load(entries: Iterable<StoredImage>, progress: () => void): number {
    return this.withLoadSettings(() =>
      this.write(() => {
        // Another connection may have written since the look outside the transaction.
        if (!this.isEmpty()) return this.insertEach(entries, progress);
        const rebuild = this.dropImageIndexes();
        // The unique index on ids is among those dropped, so the load keeps them unique itself.
        const ids = new Set<string>();
        for (const entry of entries) {
          const before = ids.size;
          if (ids.add(entry.image.id).size > before) this.insertWithoutProperties(entry, toRow(entry.image), false);
          progress();
        }
        // The property rows of every image at once, from the JSON the rows keep: a third of the time
        // of a statement per image.
        this.db.exec('INSERT INTO image_properties (image_id, key, value) SELECT images.id, p.key, p.value FROM images, json_each(images.properties) p WHERE p.value IS NOT NULL');
        this.withSettings({ cache_size: -SORT_CACHE_KIB, threads: SORT_THREADS }, () => {
          for (const sql of rebuild) this.db.exec(sql);
        });
        this.db.exec('ANALYZE');
        return ids.size;
      }),
    );
  }

  /**
   * Foreign keys are off for a load: their checks need the unique index on image ids, which the load
   * drops. They hold anyway, as the load writes members and properties only of the images it adds.
   * A rollback journal instead of the write-ahead log writes each page once, where the log would take
   * them all and copy them over again at the checkpoint; the pages of an empty catalog are all new,
   * so the journal stays small. Leaving the log takes every other connection to have closed the file:
   * with one open, the load goes through the log. With a rollback journal, only full syncs keep a
   * power loss from corrupting the file; for one transaction they cost nothing measurable.
   */
  private withLoadSettings<T>(load: () => T): T {
    const switched = this.switchJournal('TRUNCATE');
    try {
      return this.withSettings({ foreign_keys: 0, synchronous: 2 }, load);
    } finally {
      if (switched) this.switchJournal('WAL');
    }
  }

  /** Whether the journal mode could be changed: not while another connection has the file open in WAL mode. */
  private switchJournal(mode: 'TRUNCATE' | 'WAL'): boolean {
    try {
      this.db.pragma(`journal_mode = ${mode}`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    }
  }

  /** Runs `work` with the given numeric pragmas, then sets them back as they were. */
  private withSettings<T>(settings: Record<string, number>, work: () => T): T {
    const before = Object.keys(settings).map((name) => [name, this.db.pragma(name, { simple: true })] as const);
    for (const [name, value] of Object.entries(settings)) this.db.pragma(`${name} = ${value}`);
    try {
      return work();
    } finally {
      for (const [name, value] of before) this.db.pragma(`${name} = ${String(value)}`);
    }
  }

  /** Drops the indexes of the image tables; returns the statements that create them again. */
  private dropImageIndexes(): string[] {
    const indexes = this.db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('images', 'image_properties', 'members')")
      .all() as { name: string; sql: string }[];
    for (const { name } of indexes) this.db.exec(`DROP INDEX "${name}"`);
    return indexes.map((index) => index.sql);
  }

  async updateImage(id: string, changes: Partial<Omit<Image, 'id'>>, ifUpdatedAt?: string): Promise<boolean> {
    const { sql, params } = updateSql(id, changes, ifUpdatedAt);
    if (!sql) return (await this.getImage(id)) !== null;
    this.lists.forget(id);
    return this.write(() => {
      if (this.prepared(sql).run(params).changes === 0) return false;
      if (changes.properties) {
        this.prepared('DELETE FROM image_properties WHERE image_id = ?').run(id);
        this.insertProperties(id, JSON.stringify(changes.properties));
      }
      return true;
    });
  }

  async *exportImages(): AsyncIterable<StoredImage> {
    // Keyset pages along the order index, so an export of any size holds one page in memory at a time.
    const page = this.prepared('SELECT * FROM images WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT 500');
    let after = { created_at: '', id: '' };
    for (;;) {
      const rows = page.all(after.created_at, after.id) as ImageRow[];
      if (rows.length === 0) return;
      for (const row of rows) yield { image: toImage(row), members: await this.getMembers(row.id) };
      after = rows[rows.length - 1];
    }
  }

  async unfinishedUploads(): Promise<UnfinishedUpload[]> {
    return this.prepared(UNFINISHED_UPLOADS).all() as UnfinishedUpload[];
  }

  async countImages(): Promise<number> {
    return (this.prepared('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  }

  async countByStatus(): Promise<Record<string, number>> {
    return countsOf(this.prepared(COUNT_BY_STATUS).all() as StatusCount[]);
  }

  async ping(): Promise<void> {
    this.prepared(PING).get();
  }
}
