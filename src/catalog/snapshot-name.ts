/**
 * What a snapshot may be called: it becomes a directory's name and part of a PostgreSQL schema's name (of at most
 * 63 bytes), so letters, digits, `_` and `-` only, starting with a letter or digit (no `.`, `..` or `/`), at most 48.
 */
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

export function isSnapshotName(name: unknown): name is string {
  return typeof name === 'string' && SNAPSHOT_NAME.test(name);
}
