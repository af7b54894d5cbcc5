/**
 * How a statement runs on a backend's connection, for the stores both backends share: SQL with `?`
 * placeholders, which each backend runs in its own way (and turns its own "disk full" into StorageFull).
 */
export interface SqlRunner {
  /** The rows a query finds. */
  all<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a statement; how many rows it changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
}

/** The one row a query finds, converted; null when it finds none. */
export async function oneRow<R, T>(db: SqlRunner, sql: string, convert: (row: R) => T, ...params: unknown[]): Promise<T | null> {
  const [row] = await db.all<R>(sql, params);
  return row ? convert(row) : null;
}
