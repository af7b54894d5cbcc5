/**
 * A write refused because the storage holding it has no room left: the disk of the catalog or of the
 * image data, or a database out of space. Nothing was written; the same write may succeed once room is made.
 */
export type StorageKind = 'catalog' | 'data';

export class StorageFull extends Error {
  constructor(
    readonly storage: StorageKind,
    options?: ErrorOptions,
  ) {
    super(`The ${storage === 'catalog' ? 'catalog' : 'image data'} store has no space left.`, options);
    this.name = 'StorageFull';
  }
}

/** A file system's own words for "no room": the disk is full, or the user's quota is spent. */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Throws `err`: as StorageFull of `storage` when `full` takes it for "no room", else as it is. */
export function throwAsFull(storage: StorageKind, err: unknown, full: (err: unknown) => boolean = isNoSpace): never {
  throw full(err) ? new StorageFull(storage, { cause: err }) : err;
}
