/**
 * The SQL of a list page, shared by the SQL backends: which images a scope covers, each filter, the
 * sort order and the keyset condition that continues after a cursor. Written with `?` placeholders,
 * in SQL both SQLite and PostgreSQL read; where they differ, the backend's `SqlDialect` says how.
 */
import type { Condition, ListScope, SortKey, SortOrder } from '../../catalog/query.js';
import type { Cursor } from '../../catalog/ports.js';

export interface SqlDialect {
  /**
   * A column in a condition on few distinct values, which most images share (status `active`,
   * `min_ram` 0). An index on such a column finds most of the catalog, to be sorted afterwards; the
   * dialect may write the column so its planner walks the list order instead, stopping at the page.
   */
  fewValues: (column: string) => string;
  /**
   * Property filters as conditions on `images`: `one` holds for an image with one (key, value) pair, `all(n)`
   * for one with each of n pairs (see `properties`); `pair` gives the parameters of a pair, for its placeholders.
   */
  properties: { one: string; all: (count: number) => string; pair: (key: string, value: string) => string[] };
  /** The rows of the JSON array of text in `images.tags`, as a table whose column `value` holds each. */
  tagsOf: string;
  /** A condition no row meets. */
  never: string;
  /** A condition every row meets. */
  always: string;
  /** Null-safe equality of a column and a bound value. */
  same: (column: string) => string;
  /**
   * Ends the membership subquery so that it is asked of each shared image a list walks past: a page
   * walks past a few dozen, where a planner that first gathers all the project's shares (thousands)
   * spends more on that than on the page.
   */
  perImage: string;
  /** The order of NULLs that makes them sort before every value, as MySQL (the reference's database) does. */
  nulls: (dir: 'asc' | 'desc') => string;
  /**
   * What follows `FROM images` for a list sorted by `key` first (not the default order) whose
   * conditions are all ones most images meet: a planner that would rather sort every visible image
   * than walk the key's index, stopping at the page, may be told to walk it.
   */
  sortedBy: (key: SortKey) => string;
  /**
   * A changes-since list in the default order finds its page one of two ways, which `page` chooses from how
   * many images changed since the bound (see `changesSince`): it reads the images changed since the bound and
   * sorts them, or it walks the list order past them. A planner's estimates cannot choose well: they take the
   * changed images to be spread evenly over the list, where the recently changed are mostly the recently
   * created. These hold the planner to the way chosen: `changedFirst` follows `FROM images` and `sortedLater`
   * writes each order key when the changed images are read; `walkedPast` writes updated_at in the bound's
   * condition when the list order is walked.
   */
  changedFirst: string;
  sortedLater: (column: string) => string;
  walkedPast: (column: string) => string;
}

/**
 * How many distinct statements a store keeps prepared; past that, new ones are prepared for one use. Clients
 * shape the list SQL (an `in:` filter has a placeholder per value), so without a bound they could make a store
 * keep any number of statements.
 */
export const MAX_PREPARED = 500;

const FEW_VALUES = new Set<string>(['status', 'disk_format', 'container_format', 'min_ram', 'min_disk']);
const TIME_OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '!=' } as const;

export class ListSql {
  constructor(private readonly dialect: SqlDialect) {}

  private column(field: string): string {
    return FEW_VALUES.has(field) ? this.dialect.fewValues(field) : field;
  }

  /** The WHERE clause of one condition, with its parameters appended to `params`; `column` writes the column tested. */
  condition(condition: SingleCondition, params: unknown[], column = (field: string) => this.column(field)): string {
    switch (condition.kind) {
      case 'in':
        params.push(...condition.values);
        return `${column(condition.field)} IN (${condition.values.map(() => '?').join(', ')})`;
      case 'int':
        params.push(condition.value);
        return `${column(condition.field)} = ?`;
      case 'time':
        params.push(condition.value);
        return `${column(condition.field)} ${TIME_OPERATORS[condition.op]} ?`;
      case 'eq':
        params.push(condition.value);
        return `${condition.field} = ?`;
      case 'bool':
        params.push(condition.value ? 1 : 0);
        return `${condition.field} = ?`;
      case 'range':
        params.push(condition.value);
        return `${condition.field} ${TIME_OPERATORS[condition.op]} ?`;
      case 'none':
        return this.dialect.never;
    }
  }

  /**
   * Property filters: each its own subquery, which a planner can weigh against the others (the most selective
   * first), up to SEPARATE_FILTERS of them. Past that, one subquery for all: an image has each key once, so it
   * meets them all when as many of its rows match as the filters name. That costs a pass over every row that
   * matches any filter, but a subquery per filter made planning and running grow far faster than their number
   * (a few hundred took PostgreSQL minutes), and SQLite refuses an expression nested a thousand deep.
   */
  private properties(conditions: PropertyCondition[], params: unknown[]): string {
    const { one, all, pair } = this.dialect.properties;
    const pairs = [...new Map(conditions.map((c) => [JSON.stringify([c.key, c.value]), pair(c.key, c.value)])).values()];
    for (const values of pairs) params.push(...values);
    return pairs.length <= SEPARATE_FILTERS ? pairs.map(() => one).join(' AND ') : all(pairs.length);
  }

  /** Tag filters: each its own test up to SEPARATE_FILTERS of them, past that one count, as `properties` does. */
  private tags(conditions: TagCondition[], params: unknown[]): string {
    const tags = [...new Set(conditions.map((c) => c.value))];
    params.push(...tags);
    if (tags.length <= SEPARATE_FILTERS) return tags.map(() => `EXISTS (SELECT 1 FROM ${this.dialect.tagsOf} WHERE value = ?)`).join(' AND ');
    return `(SELECT count(DISTINCT value) FROM ${this.dialect.tagsOf} WHERE value IN (${tags.map(() => '?').join(', ')})) = ${tags.length}`;
  }

  order(order: SortOrder[], key: (column: string) => string = (column) => column): string {
    // Only where NULLs can occur: a NULLS clause on a column that has none can keep a planner from
    // matching the order to an index.
    const nulls = (o: SortOrder) => (NEVER_NULL.has(o.key) ? '' : this.dialect.nulls(o.dir));
    return fullOrder(order).map((o) => `${key(o.key)} ${o.dir === 'asc' ? 'ASC' : 'DESC'}${nulls(o)}`).join(', ');
  }

  /**
   * Keyset condition "after the cursor" for any order: equal on the keys before, beyond on one. Continuing a list,
   * that is strictly after, NULL sorting first ascending and last descending. From a client's marker, it is as the
   * reference pages (`_paginate_query`): a column's NULL counts as its type's default (0, or empty text) and the
   * marker's NULL as empty text, so text NULLs page as empty text does, and after a marker with no size every sized
   * image follows it (descending) or none does (ascending), as the reference's database compares a number with
   * text. For keys that are never NULL both are the plain keyset.
   */
  after(order: SortOrder[], after: Cursor, params: unknown[]): string {
    // Keys that are never NULL, all in one direction: one row-value comparison, which the planner turns
    // into a range on the order index; the OR form below would make it scan from the top on every page.
    if (order.every((o) => NEVER_NULL.has(o.key) && o.dir === order[0].dir)) {
      params.push(...order.map((o) => after[o.key]));
      return `(${order.map((o) => o.key).join(', ')}) ${order[0].dir === 'asc' ? '>' : '<'} (${order.map(() => '?').join(', ')})`;
    }
    const alternatives: string[] = [];
    // Implied by the alternatives below, but only this form lets the first key's index start the walk at the
    // cursor, instead of at the top of the list on every page. From a marker, exact only past the column's
    // default: a NULL counts as that default there, which `>=` does not take.
    const first = order[0];
    const from = after[first.key];
    const pastDefault = !after.marker || NEVER_NULL.has(first.key) || (first.key === 'size' ? (from as number) > 0 : from !== '');
    const start = first.dir === 'asc' && from != null && pastDefault ? `${first.key} >= ? AND ` : '';
    if (start) params.push(from);
    order.forEach((o, i) => {
      const parts: string[] = [];
      for (const earlier of order.slice(0, i)) parts.push(this.compared(earlier.key, '=', after, params));
      parts.push(this.compared(o.key, o.dir === 'asc' ? '>' : '<', after, params));
      alternatives.push(`(${parts.join(' AND ')})`);
    });
    return `${start}(${alternatives.join(' OR ')})`;
  }

  /** A key compared with the cursor's value of it (see `after`). */
  private compared(key: SortKey, op: '=' | '<' | '>', after: Cursor, params: unknown[]): string {
    const value = after[key] ?? null;
    if (NEVER_NULL.has(key)) {
      params.push(value);
      return `${key} ${op} ?`;
    }
    if (after.marker) {
      // A number is less than any text: below a size-less marker lies every size.
      if (key === 'size' && value === null) return op === '<' ? this.dialect.always : this.dialect.never;
      params.push(value ?? '');
      return `COALESCE(${key}, ${key === 'size' ? '0' : "''"}) ${op} ?`;
    }
    if (op === '=') {
      params.push(value);
      return this.dialect.same(key);
    }
    if (value === null) return op === '>' ? `${key} IS NOT NULL` : this.dialect.never;
    params.push(value);
    return op === '>' ? `${key} > ?` : `(${key} < ? OR ${key} IS NULL)`;
  }

  /** The list scope's WHERE clause: which images a project's list covers (Glance `_select_images_query`). */
  scope(scope: ListScope, params: unknown[]): string[] {
    const where = ['deleted = 0', "status != 'killed'", `os_hidden = ${scope.hidden ? 1 : 0}`];
    // A correlated EXISTS, asked only of the shared images the list walks past; `id IN (SELECT …)` would
    // build the project's whole share list on every query. The owner is written as a few-valued column
    // inside the OR of the default list: the planner would otherwise gather each branch through its own
    // index and sort the union, instead of walking the list order to the page's end.
    const memberOf = () => {
      params.push(scope.projectId);
      if (scope.memberStatus === 'all') return `EXISTS (SELECT 1 FROM members WHERE image_id = images.id AND member = ?${this.dialect.perImage})`;
      params.push(scope.memberStatus ?? 'accepted');
      return `EXISTS (SELECT 1 FROM members WHERE image_id = images.id AND member = ? AND status = ?${this.dialect.perImage})`;
    };
    const own = () => {
      params.push(scope.projectId);
      return `${this.dialect.fewValues('owner')} = ?`;
    };
    switch (scope.visibility) {
      case undefined:
      case 'all':
        if (scope.isAdmin) {
          if (scope.visibility === undefined) where.push(`(visibility != 'community' OR ${own()})`);
        } else {
          const community = scope.visibility === 'all' ? " OR visibility = 'community'" : '';
          where.push(`(visibility = 'public'${community} OR ${own()} OR (visibility = 'shared' AND ${memberOf()}))`);
        }
        break;
      case 'public':
      case 'community':
        where.push(`visibility = '${scope.visibility}'`);
        break;
      case 'private':
        where.push("visibility = 'private'");
        if (!scope.isAdmin) {
          // Alone (no OR), the owner index finds a project's own images directly.
          params.push(scope.projectId);
          where.push('owner = ?');
        }
        break;
      case 'shared':
        where.push("visibility = 'shared'");
        if (!scope.isAdmin) where.push(`(${own()} OR ${memberOf()})`);
        break;
    }
    return where;
  }

  /**
   * The parts of the query for one page: the table (with any index hint), the conditions, the order, and their
   * parameters. `changed` is the updated_at of the catalog's most recent change that `changesSince` counts to,
   * when it finds a bound in the conditions ('' when the catalog has fewer changes than that).
   */
  page(
    scope: ListScope,
    conditions: Condition[],
    after: Cursor | null,
    limit: number,
    order: SortOrder[] = [],
    changed?: string,
  ): { from: string; where: string; order: string; params: unknown[] } {
    const params: unknown[] = [];
    const since = changed === undefined ? undefined : changesSince(conditions, order)?.condition;
    // With fewer images in the catalog than the count, a walk reads no more rows than reading the changed ones
    // would, and needs no sort; with an early bound it stops after the page.
    const readChanged = !!changed && since !== undefined && since.value >= changed;
    const written = (c: SingleCondition) => this.condition(c, params, c === since && !readChanged ? this.dialect.walkedPast : undefined);
    // The request's filters first: SQLite tests the terms in the order written, and the scope's terms pass
    // nearly every image (but for the membership test, which costs a lookup), so a filter that fails first
    // spares them: a page under three filters, read from the ~5,000 images changed since a bound, costs about
    // a quarter less. Among the filters, those on a status or format come last: they nearly always name the
    // value most images have (status=active), where a minRam or a name names one few have. Under
    // status+minRam+minDisk, that order costs a fifth to a quarter less again.
    const properties = conditions.filter((c): c is PropertyCondition => c.kind === 'property');
    const tags = conditions.filter((c): c is TagCondition => c.kind === 'tag');
    const single = conditions.filter((c): c is SingleCondition => c.kind !== 'property' && c.kind !== 'tag');
    const where = [
      ...(properties.length ? [this.properties(properties, params)] : []),
      ...(tags.length ? [this.tags(tags, params)] : []),
      ...[...single.filter((c) => !usualValue(c)), ...single.filter(usualValue)].map(written),
    ];
    where.push(...this.scope(scope, params));
    if (after) where.push(this.after(fullOrder(order), after, params));
    params.push(limit);
    const sorted = order.length > 0 && SORT_INDEXED.has(order[0].key) && conditions.every(unselective);
    const from = readChanged ? `images ${this.dialect.changedFirst}` : sorted ? `images ${this.dialect.sortedBy(order[0].key)}` : 'images';
    return { from, where: where.join(' AND '), order: readChanged ? this.order(order, this.dialect.sortedLater) : this.order(order), params };
  }
}

/**
 * Reading the images changed since a bound costs about what walking the list order past them costs when
 * FEW_CHANGES images changed since it, or SOME_CHANGES when other filters make matches rare, so that the walk
 * could cover most of the catalog.
 */
const FEW_CHANGES = 3_000;
const SOME_CHANGES = 20_000;

/** How many property (or tag) filters are each written on their own; past it, they are written as one. */
const SEPARATE_FILTERS = 8;

type TimeCondition = Extract<Condition, { kind: 'time' }>;
type PropertyCondition = Extract<Condition, { kind: 'property' }>;
type TagCondition = Extract<Condition, { kind: 'tag' }>;
/** A condition written on its own; property and tag filters are written together (see `properties`). */
type SingleCondition = Exclude<Condition, PropertyCondition | TagCondition>;

/**
 * For a list in the default order whose conditions most images meet, with a changes-since bound (updated_at
 * after a time): that condition, and the count of recent changes up to which the list reads the images changed
 * since the bound rather than walk the list order. `page` wants the updated_at of that most recent change.
 */
export function changesSince(conditions: Condition[], order: SortOrder[] | undefined): { condition: TimeCondition; changes: number } | undefined {
  if (order?.length && order[0].key !== 'created_at') return undefined;
  if (!conditions.every(unselective)) return undefined;
  const condition = conditions.find((c) => c.kind === 'time' && c.field === 'updated_at' && (c.op === 'gt' || c.op === 'gte'));
  if (condition?.kind !== 'time') return undefined;
  return { condition, changes: conditions.length > 1 ? SOME_CHANGES : FEW_CHANGES };
}

/**
 * A sort order, then the default one (created_at, id, newest first) to break ties. A key already sorted by
 * orders nothing again, so only its first mention is kept: the keyset condition grows with the square of the
 * keys, and a client may repeat one thousands of times.
 */
export function fullOrder(order: SortOrder[]): SortOrder[] {
  const keys: SortOrder[] = [];
  for (const o of [...order, ...DEFAULT_ORDER]) if (!keys.some((k) => k.key === o.key)) keys.push(o);
  return keys;
}

const DEFAULT_ORDER: SortOrder[] = [{ key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' }];

/** Sort keys with an index of their own (besides the default order's). */
const SORT_INDEXED = new Set<string>(['name', 'size', 'disk_format', 'container_format', 'updated_at']);

/** A condition on a status or a format, which usually names the value most images have. */
function usualValue(condition: Condition): boolean {
  return condition.kind === 'in' && FEW_VALUES.has(condition.field);
}

/** A condition most images meet, or one no index finds faster than a walk in the order asked. */
export function unselective(condition: Condition): boolean {
  if (condition.kind === 'in') return usualValue(condition);
  return condition.kind !== 'property' && condition.kind !== 'eq';
}

const NEVER_NULL = new Set<string>(['created_at', 'id', 'updated_at', 'status', 'visibility', 'min_ram', 'min_disk']);
