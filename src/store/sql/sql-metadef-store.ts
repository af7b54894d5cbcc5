/**
 * Metadata definitions in SQL both backends read alike (`?` placeholders); every change is one transaction of
 * steps (see `sql-steps.ts`). Lists page as Glance's `paginate_query` pages them.
 */
import type { Timestamp } from '../../catalog/image.js';
import type {
  Association,
  AssociationInput,
  ItemInput,
  ItemKind,
  Items,
  NamespaceContents,
  NamespaceInput,
  ResourceType,
  StoredItem,
  StoredNamespace,
} from '../../catalog/metadefs/model.js';
import type { MetadefStore, NamespaceFilter, NamespaceSortKey, Outcome, Paging, SortDir, Stamp, TagSortKey } from '../../catalog/metadefs/ports.js';
import type { PropertyType } from '../../catalog/metadefs/property-type.js';
import type { SqlRunner } from './sql-runner.js';
import { step, UniqueViolation, type StepRunner, type Steps } from './sql-steps.js';

type Row = Record<string, unknown>;

const TABLES: Record<ItemKind, string> = { object: 'metadef_objects', property: 'metadef_properties', tag: 'metadef_tags' };
/** What each kind stores besides its name and times, as columns and their values. */
const COLUMNS: { [K in ItemKind]: { names: string[]; values: (item: ItemInput<K>) => unknown[] } } = {
  object: {
    names: ['description', 'required', 'json_schema'],
    values: (o) => [o.description, o.required.length ? o.required.join(',') : null, JSON.stringify(o.properties)],
  },
  property: { names: ['json_schema'], values: (p) => [JSON.stringify(p.schema)] },
  tag: { names: [], values: () => [] },
};
/** How a namespace's items of each kind are listed. */
const ITEM_ORDER: Record<ItemKind, string> = { object: 'name', property: 'name', tag: 'created_at DESC, id DESC' };

const text = (value: unknown) => value as string;
const time = (value: unknown) => (value ?? null) as Timestamp | null;

function toNamespace(row: Row): StoredNamespace {
  return {
    id: Number(row.id),
    namespace: text(row.namespace),
    display_name: (row.display_name ?? null) as string | null,
    description: (row.description ?? null) as string | null,
    visibility: (row.visibility as string | null) || 'private',
    protected: Boolean(row.protected),
    owner: text(row.owner),
    created_at: text(row.created_at),
    updated_at: time(row.updated_at),
  };
}

const ITEM_READERS: { [K in ItemKind]: (row: Row) => Omit<Items[K], 'name' | 'created_at' | 'updated_at'> } = {
  object: (row) => ({
    description: (row.description ?? null) as string | null,
    required: row.required ? text(row.required).split(',') : [],
    properties: (JSON.parse(text(row.json_schema)) ?? {}) as Record<string, PropertyType>,
  }),
  property: (row) => ({ schema: (JSON.parse(text(row.json_schema)) ?? {}) as PropertyType }),
  tag: () => ({}),
};

function toItem<K extends ItemKind>(kind: K, row: Row): StoredItem<K> {
  const item = { id: Number(row.id), name: text(row.name), ...ITEM_READERS[kind](row), created_at: text(row.created_at), updated_at: time(row.updated_at) };
  return item as unknown as StoredItem<K>;
}

function toAssociation(row: Row): Association {
  return {
    name: text(row.name),
    prefix: (row.prefix ?? null) as string | null,
    properties_target: (row.properties_target ?? null) as string | null,
    created_at: text(row.created_at),
    updated_at: time(row.updated_at),
  };
}

const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/**
 * The order and the page start of a list, as `paginate_query` makes them: sorted by the key, then created_at,
 * then the row's number, all one way (nulls first going up, as SQLite sorts them); a page continues after
 * the marker row `m`, and a marker value that is null compares nothing, as there.
 */
function paging(table: string, dir: SortDir, key: string, markerId: number | undefined): { from: string; after: string | null; order: string; params: unknown[] } {
  const keys = key === 'created_at' || key === 'id' ? ['created_at', 'id'] : [key, 'created_at', 'id'];
  const op = dir === 'asc' ? '>' : '<';
  const order = keys.map((k) => `r.${k} ${dir === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST'}`).join(', ');
  if (markerId === undefined) return { from: `${table} r`, after: null, order, params: [] };
  const criteria = keys.map((k, i) => {
    const before = keys.slice(0, i).map((j) => ` AND (m.${j} IS NULL OR r.${j} = m.${j})`).join('');
    return `(m.${k} IS NOT NULL${before} AND r.${k} ${op} m.${k})`;
  });
  return { from: `${table} r, (SELECT * FROM ${table} WHERE id = ?) m`, after: `(${criteria.join(' OR ')})`, order, params: [markerId] };
}

/** Takes a row lock on the namespace (PostgreSQL), so that nothing deletes it meanwhile; false when it is gone. */
function* namespaceHeld(id: number): Steps<boolean> {
  return (yield* step('UPDATE metadef_namespaces SET namespace = namespace WHERE id = ?', id)).changes > 0;
}

function* deleteContents(namespaceId: number): Steps<void> {
  for (const table of [...Object.values(TABLES), 'metadef_namespace_resource_types']) yield* step(`DELETE FROM ${table} WHERE namespace_id = ?`, namespaceId);
}

/** A resource type's number, made first if the store lacks it; and whether it was made. */
function* resourceType(name: string, stamp: Stamp, protect: boolean): Steps<{ id: number; made: boolean }> {
  const { changes } = yield* step(
    'INSERT INTO metadef_resource_types (name, protected, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
    name, protect ? 1 : 0, stamp.created_at, stamp.updated_at,
  );
  return { id: Number((yield* step('SELECT id FROM metadef_resource_types WHERE name = ?', name)).rows[0].id), made: changes > 0 };
}

/** What an insert does with a row whose unique key is taken: fail (nothing), keep the row, or rewrite it. */
interface OnConflict {
  sql: string;
  params: unknown[];
}
const FAIL: OnConflict = { sql: '', params: [] };
const KEEP: OnConflict = { sql: 'ON CONFLICT DO NOTHING', params: [] };
const rewrite = (key: string, columns: string[], at: Timestamp): OnConflict => ({
  sql: `ON CONFLICT (${key}) DO UPDATE SET ${[...columns.map((c) => `${c} = excluded.${c}`), 'updated_at = ?'].join(', ')}`,
  params: [at],
});

function* insertItem<K extends ItemKind>(kind: K, namespaceId: number, item: ItemInput<K>, stamp: Stamp, onConflict = FAIL): Steps<void> {
  const { names, values } = COLUMNS[kind] as { names: string[]; values: (item: ItemInput<K>) => unknown[] };
  const columns = ['namespace_id', 'name', ...names, 'created_at', 'updated_at'];
  yield* step(
    `INSERT INTO ${TABLES[kind]} (${columns.join(', ')}) VALUES (${placeholders(columns.length)}) ${onConflict.sql}`,
    namespaceId, item.name, ...values(item), stamp.created_at, stamp.updated_at, ...onConflict.params,
  );
}

/**
 * A namespace's contents into the store: all new (`preferNew` null), or merged into what it holds, which is
 * kept (false) or rewritten from the contents (true). Resource types it lacks are made, protected if `protect`.
 */
function* insertContents(namespaceId: number, contents: NamespaceContents, stamp: Stamp, protect: boolean, preferNew: boolean | null): Steps<void> {
  const onConflict = (key: string, columns: string[]) => (preferNew === null ? FAIL : preferNew ? rewrite(key, columns, stamp.created_at) : KEEP);
  for (const association of contents.associations) {
    const type = yield* resourceType(association.name, stamp, protect);
    if (preferNew && !type.made) yield* step('UPDATE metadef_resource_types SET updated_at = ? WHERE id = ?', stamp.created_at, type.id);
    const conflict = onConflict('namespace_id, resource_type_id', ['prefix', 'properties_target']);
    yield* step(
      'INSERT INTO metadef_namespace_resource_types (namespace_id, resource_type_id, properties_target, prefix, created_at, updated_at) ' +
        `VALUES (?, ?, ?, ?, ?, ?) ${conflict.sql}`,
      namespaceId, type.id, association.properties_target, association.prefix, stamp.created_at, stamp.updated_at, ...conflict.params,
    );
  }
  // Objects, then tags, then properties: the order the reference makes them in, which numbers them. A load
  // rewrites an object's description and properties, not what it requires (it never loads that).
  const kinds: Array<[ItemKind, Array<ItemInput<ItemKind>>, string[]]> = [
    ['object', contents.objects, ['description', 'json_schema']],
    ['tag', contents.tags, []],
    ['property', contents.properties, ['json_schema']],
  ];
  for (const [kind, items, rewritten] of kinds) {
    for (const item of items) yield* insertItem(kind, namespaceId, item, stamp, onConflict('namespace_id, name', rewritten));
  }
}

const NAMESPACE_COLUMNS = ['namespace', 'display_name', 'description', 'visibility', 'protected', 'owner'] as const;
const namespaceParams = (ns: NamespaceInput) => [ns.namespace, ns.display_name, ns.description, ns.visibility, ns.protected === null ? null : ns.protected ? 1 : 0, ns.owner];

export class SqlMetadefStore implements MetadefStore {
  constructor(private readonly db: SqlRunner & StepRunner) {}

  /** Runs a change that keeps a name unique: 'duplicate' when it would not. */
  private async unique(change: () => Steps<Outcome>): Promise<Outcome> {
    try {
      return await this.db.atomically(change);
    } catch (err) {
      if (err instanceof UniqueViolation) return 'duplicate';
      throw err;
    }
  }

  async getNamespace(name: string): Promise<StoredNamespace | null> {
    const [row] = await this.db.all<Row>('SELECT * FROM metadef_namespaces WHERE namespace = ?', [name]);
    return row ? toNamespace(row) : null;
  }

  async listNamespaces(filter: NamespaceFilter, page: Paging<NamespaceSortKey, StoredNamespace>): Promise<StoredNamespace[]> {
    const { from, after, order, params } = paging('metadef_namespaces', page.dir, page.key, page.marker?.id);
    const where: string[] = after ? [after] : [];
    if (filter.ownerOrPublic !== null) {
      where.push("(r.owner = ? OR r.visibility = 'public')");
      params.push(filter.ownerOrPublic);
    }
    if (filter.visibility !== undefined) {
      where.push('r.visibility = ?');
      params.push(filter.visibility);
    }
    if (filter.resourceTypes) {
      where.push(
        'r.id IN (SELECT a.namespace_id FROM metadef_namespace_resource_types a JOIN metadef_resource_types t ON t.id = a.resource_type_id ' +
          `WHERE t.name IN (${placeholders(filter.resourceTypes.length)}))`,
      );
      params.push(...filter.resourceTypes);
    }
    const limit = page.limit === undefined ? '' : ' LIMIT ?';
    if (page.limit !== undefined) params.push(page.limit);
    const rows = await this.db.all<Row>(`SELECT r.* FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}${limit}`, params);
    return rows.map(toNamespace);
  }

  async createNamespace(namespace: NamespaceInput, contents: NamespaceContents, stamp: Stamp, options: { protect?: boolean; replacing?: number } = {}): Promise<Outcome> {
    return this.unique(function* () {
      if (options.replacing !== undefined) {
        yield* deleteContents(options.replacing);
        yield* step('DELETE FROM metadef_namespaces WHERE id = ?', options.replacing);
      }
      const { rows } = yield* step(
        `INSERT INTO metadef_namespaces (${NAMESPACE_COLUMNS.join(', ')}, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        ...namespaceParams(namespace), stamp.created_at, stamp.updated_at,
      );
      yield* insertContents(Number(rows[0].id), contents, stamp, options.protect === true, null);
      return 'done';
    });
  }

  async updateNamespace(id: number, namespace: NamespaceInput, at: Timestamp): Promise<Outcome> {
    return this.unique(function* () {
      const sets = NAMESPACE_COLUMNS.map((column) => `${column} = ?`).join(', ');
      const { changes } = yield* step(`UPDATE metadef_namespaces SET ${sets}, updated_at = ? WHERE id = ?`, ...namespaceParams(namespace), at, id);
      return changes > 0 ? 'done' : 'gone';
    });
  }

  async deleteNamespace(id: number): Promise<void> {
    await this.db.atomically(function* () {
      yield* deleteContents(id);
      yield* step('DELETE FROM metadef_namespaces WHERE id = ?', id);
    });
  }

  async mergeNamespace(id: number, namespace: NamespaceInput | null, contents: NamespaceContents, at: Timestamp, preferNew: boolean): Promise<void> {
    await this.db.atomically(function* () {
      if (!(yield* namespaceHeld(id))) return;
      if (namespace) {
        const sets = NAMESPACE_COLUMNS.map((column) => `${column} = ?`).join(', ');
        yield* step(`UPDATE metadef_namespaces SET ${sets}, updated_at = ? WHERE id = ?`, ...namespaceParams(namespace), at, id);
      }
      yield* insertContents(id, contents, { created_at: at, updated_at: null }, true, preferNew);
    });
  }

  async listItems<K extends ItemKind>(kind: K, namespaceId: number): Promise<StoredItem<K>[]> {
    const rows = await this.db.all<Row>(`SELECT * FROM ${TABLES[kind]} WHERE namespace_id = ? ORDER BY ${ITEM_ORDER[kind]}`, [namespaceId]);
    return rows.map((row) => toItem(kind, row));
  }

  async listTags(namespaceId: number, page: Paging<TagSortKey, StoredItem<'tag'>>): Promise<StoredItem<'tag'>[]> {
    const { from, after, order, params } = paging('metadef_tags', page.dir, page.key, page.marker?.id);
    const where = ['r.namespace_id = ?', ...(after ? [after] : [])];
    params.push(namespaceId);
    if (page.limit !== undefined) params.push(page.limit);
    const rows = await this.db.all<Row>(`SELECT r.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${order}${page.limit === undefined ? '' : ' LIMIT ?'}`, params);
    return rows.map((row) => toItem('tag', row));
  }

  async getItem<K extends ItemKind>(kind: K, namespaceId: number, name: string): Promise<StoredItem<K> | null> {
    const [row] = await this.db.all<Row>(`SELECT * FROM ${TABLES[kind]} WHERE namespace_id = ? AND name = ?`, [namespaceId, name]);
    return row ? toItem(kind, row) : null;
  }

  async createItem<K extends ItemKind>(kind: K, namespaceId: number, item: ItemInput<K>, at: Timestamp): Promise<Outcome> {
    return this.unique(function* () {
      if (!(yield* namespaceHeld(namespaceId))) return 'gone';
      yield* insertItem(kind, namespaceId, item, { created_at: at, updated_at: at });
      return 'done';
    });
  }

  async updateItem<K extends ItemKind>(kind: K, id: number, item: ItemInput<K>, at: Timestamp): Promise<Outcome> {
    return this.unique(function* () {
      const { names, values } = COLUMNS[kind] as { names: string[]; values: (item: ItemInput<K>) => unknown[] };
      const sets = ['name', ...names, 'updated_at'].map((column) => `${column} = ?`).join(', ');
      const { changes } = yield* step(`UPDATE ${TABLES[kind]} SET ${sets} WHERE id = ?`, item.name, ...values(item), at, id);
      return changes > 0 ? 'done' : 'gone';
    });
  }

  async deleteItem(kind: ItemKind, id: number): Promise<void> {
    await this.db.run(`DELETE FROM ${TABLES[kind]} WHERE id = ?`, [id]);
  }

  async clearItems(kind: ItemKind, namespaceId: number): Promise<void> {
    await this.db.run(`DELETE FROM ${TABLES[kind]} WHERE namespace_id = ?`, [namespaceId]);
  }

  async addTags(namespaceId: number, names: string[], append: boolean, at: Timestamp): Promise<Outcome | { duplicate: string }> {
    try {
      return await this.db.atomically(function* () {
        if (!(yield* namespaceHeld(namespaceId))) return 'gone';
        const kept = append ? (yield* step('SELECT name FROM metadef_tags WHERE namespace_id = ?', namespaceId)).rows.map((row) => text(row.name)) : [];
        const taken = new Set(kept);
        for (const name of names) {
          if (taken.has(name)) return { duplicate: name };
          taken.add(name);
        }
        if (!append) yield* step('DELETE FROM metadef_tags WHERE namespace_id = ?', namespaceId);
        for (const name of names) yield* insertItem('tag', namespaceId, { name }, { created_at: at, updated_at: at });
        return 'done';
      });
    } catch (err) {
      // Another writer took one of the names meanwhile.
      if (err instanceof UniqueViolation) return { duplicate: names[0] };
      throw err;
    }
  }

  async listResourceTypes(): Promise<ResourceType[]> {
    const rows = await this.db.all<Row>('SELECT name, protected, created_at, updated_at FROM metadef_resource_types ORDER BY id');
    return rows.map((row) => ({ name: text(row.name), protected: Boolean(row.protected), created_at: text(row.created_at), updated_at: time(row.updated_at) }));
  }

  async associations(namespaceIds: number[]): Promise<Map<number, Association[]>> {
    const byNamespace = new Map<number, Association[]>();
    if (namespaceIds.length === 0) return byNamespace;
    const rows = await this.db.all<Row>(
      'SELECT a.namespace_id, t.name, a.prefix, a.properties_target, a.created_at, a.updated_at FROM metadef_namespace_resource_types a ' +
        `JOIN metadef_resource_types t ON t.id = a.resource_type_id WHERE a.namespace_id IN (${placeholders(namespaceIds.length)}) ORDER BY a.id`,
      namespaceIds,
    );
    for (const row of rows) {
      const id = Number(row.namespace_id);
      byNamespace.set(id, [...(byNamespace.get(id) ?? []), toAssociation(row)]);
    }
    return byNamespace;
  }

  async associate(namespaceId: number, association: AssociationInput, at: Timestamp): Promise<Outcome> {
    return this.unique(function* () {
      if (!(yield* namespaceHeld(namespaceId))) return 'gone';
      const stamp = { created_at: at, updated_at: at };
      const type = yield* resourceType(association.name, stamp, false);
      yield* step(
        'INSERT INTO metadef_namespace_resource_types (namespace_id, resource_type_id, properties_target, prefix, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        namespaceId, type.id, association.properties_target, association.prefix, at, at,
      );
      return 'done';
    });
  }

  async dissociate(namespaceId: number, resourceType: string): Promise<void> {
    await this.db.run(
      'DELETE FROM metadef_namespace_resource_types WHERE namespace_id = ? AND resource_type_id IN (SELECT id FROM metadef_resource_types WHERE name = ?)',
      [namespaceId, resourceType],
    );
  }
}
