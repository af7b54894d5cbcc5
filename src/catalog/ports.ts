/**
 * What the catalog domain needs of the storage behind it, as interfaces the adapters implement (the SQL
 * backends under src/store/, the blob stores under src/blobs/), as Glance's `glance/db` implements the
 * repositories `glance/domain` defines. The domain knows SQL, indexes and buckets by these names only.
 */
import type { Readable } from 'node:stream';
import type { Image, ImageMember } from './image.js';
import type { Condition, ListScope, SortKey, SortOrder } from './query.js';
import type { Task, TaskStatus } from './task.js';

/**
 * Position in the list order: the sort-key values of the last image seen; the list continues strictly after it.
 * A client's marker (`marker`) is paged from as the reference pages from one, which differs where a key is NULL.
 */
export type Cursor = Pick<Image, 'created_at' | 'id'> & Partial<Pick<Image, SortKey>> & { marker?: boolean };

export interface StoredImage {
  image: Image;
  members: ImageMember[];
}

/** An image's id and when it last changed: enough to change it only as it was read. */
export type ImageStamp = Pick<Image, 'id' | 'updated_at'>;

/** An image whose data a write may have left unfinished, and the status that write gave it. */
export type UnfinishedUpload = ImageStamp & { status: 'saving' | 'uploading' };

/** That a process receives an image's data, until when unless renewed (see `catalog/upload-lease.ts`). */
export interface UploadLease {
  image_id: string;
  /** Names the receiving process. */
  holder: string;
  /** ISO 8601 UTC, compared as text. */
  expires_at: string;
}

/**
 * The images, their properties, tags and members. It knows SQL, indexes and keyset pagination; it does not
 * know API shapes or permission rules beyond the list scope.
 */
export interface ImageStore {
  /**
   * One page of the images the scope may list, matching every condition, in `order` (then newest
   * first; by default newest first), continuing strictly after `after`, which carries the values of
   * the sort keys of the image the previous page ended with.
   */
  listImages(scope: ListScope, conditions: Condition[], after: Cursor | null, limit: number, order?: SortOrder[]): Promise<Image[]>;
  /** Any image by id, deleted ones included (their ids stay reserved). */
  getImage(id: string): Promise<Image | null>;
  getMembers(imageId: string): Promise<ImageMember[]>;
  getMember(imageId: string, member: string): Promise<ImageMember | null>;
  insertImage(entry: StoredImage): Promise<void>;
  /** Adds a member, or replaces the member's record. */
  putMember(imageId: string, member: ImageMember): Promise<void>;
  /** Adds a member unless the image has that member already (false then, changing nothing), atomically. */
  addMember(imageId: string, member: ImageMember): Promise<boolean>;
  deleteMember(imageId: string, member: string): Promise<void>;
  /**
   * Loads many images in one transaction, skipping ids the store already holds; returns how many
   * were added. `onProgress` is called with the count processed so far.
   */
  importImages(entries: Iterable<StoredImage>, onProgress?: (done: number) => void): Promise<number>;
  /**
   * Replaces the given attributes of an image (properties and tags as whole values), atomically. With
   * `ifUpdatedAt`, only while the image's `updated_at` is still that: a writer that computed its change
   * from what it read learns (false) that another writer came first. False, too, for an unknown image.
   */
  updateImage(id: string, changes: Partial<Omit<Image, 'id'>>, ifUpdatedAt?: string): Promise<boolean>;
  /** Every image with its members, oldest first, for export. */
  exportImages(): AsyncIterable<StoredImage>;
  countImages(): Promise<number>;
  /** How many images are in each status, deleted ones included; statuses no image is in are absent. */
  countByStatus(): Promise<Record<string, number>>;
  /** Reads the catalog as cheaply as it can be read: resolves when it can be, fails when it cannot. */
  ping(): Promise<void>;
  /**
   * A token that changes whenever anything in the catalog changes, by this process or another, and is
   * never older than the data a read after it sees, than a change of this process's own, nor than a change
   * another process committed longer ago than the backend's bound (SQLite: none; PostgreSQL:
   * REVISION_BOUND_MS): caches keyed by it serve no answer staler than that. A backend that can tell without
   * waiting answers at once, sparing a cached answer a microtask.
   */
  version(): string | Promise<string>;
  /**
   * The undeleted images in `saving` with no data recorded, or in `uploading` with no size recorded (uploads
   * and stagings under way, or begun and never finished), with their status and when each last changed, so
   * that whoever gives one back changes it only as it was read.
   */
  unfinishedUploads(): Promise<UnfinishedUpload[]>;
}

/** Who receives which image's data (see `upload-lease.ts`), kept beside the images so every process sees them. */
export interface UploadLeaseStore {
  /**
   * Records that `lease.holder` receives the image's data. True when the image had no lease, or, with
   * `replacing`, when its lease was still that holder's (one found gone); false otherwise.
   */
  claimUpload(lease: UploadLease, replacing?: string): Promise<boolean>;
  /** Moves the lease's end, if its holder still holds it; false when it does not. */
  renewUpload(lease: UploadLease): Promise<boolean>;
  /** Ends the holder's lease of the image, if it still holds it. */
  releaseUpload(imageId: string, holder: string): Promise<void>;
  /** The image's upload lease, lapsed or not; null when it has none. */
  uploadLease(imageId: string): Promise<UploadLease | null>;
  /** The leases that ended before `at` (ISO 8601 UTC): their holders stopped renewing them. */
  lapsedUploadLeases(at: string): Promise<UploadLease[]>;
  /** How many leases there are, lapsed or not: uploads under way, and those a crash cut short not yet given back. */
  countUploadLeases(): Promise<number>;
}

/** The tasks that record imports, kept beside the images so every process sees them. */
export interface TaskStore {
  insertTask(task: Task): Promise<void>;
  getTask(id: string): Promise<Task | null>;
  /**
   * Replaces the given attributes of a task, only while its status is still `ifStatus`: of two writers ending
   * one task, the second learns (false) that it ended already. False, too, for an unknown task.
   */
  updateTask(id: string, changes: Partial<Omit<Task, 'id'>>, ifStatus: TaskStatus): Promise<boolean>;
  /** The image's tasks that have not expired by `at` (ISO 8601 UTC), oldest first. */
  imageTasks(imageId: string, at: string): Promise<Task[]>;
  /** The tasks still pending or processing, oldest first. */
  unfinishedTasks(): Promise<Task[]>;
  /** Removes the tasks that expired before `at`; how many. */
  purgeExpiredTasks(at: string): Promise<number>;
}

/** A named copy of the catalog, and when it was made (ISO 8601 UTC). */
export interface SnapshotInfo {
  name: string;
  created_at: string;
}

/**
 * Named copies of the image catalog (images with their properties, tags and members, upload leases, tasks and
 * metadata definitions), kept beside it. The accounts (projects, users, roles, access keys, tokens) are never part
 * of a copy, nor changed by a restore. Image data is the blob stores' to keep (`BlobStore.snapshot`).
 */
export interface CatalogSnapshots {
  /** Copies the catalog as one consistent state under `name`, replacing any copy of that name. */
  save(name: string): Promise<SnapshotInfo>;
  /** The copies kept, by name. */
  list(): Promise<SnapshotInfo[]>;
  /**
   * Replaces the catalog with the copy, in one transaction that moves the catalog's version (every process
   * sharing it sees the whole change or none of it); false for a name no copy has.
   */
  restore(name: string): Promise<boolean>;
  /** Removes the copy; false for a name no copy has. */
  delete(name: string): Promise<boolean>;
  /** Empties the catalog, in one transaction that moves its version. */
  clear(): Promise<void>;
}

/**
 * The processes that receive uploads, as far as this one can tell (see `upload-lease.ts`): what the host
 * tells of its processes, kept out of the domain.
 */
export interface Receivers {
  /** This process, as its leases name it. */
  readonly self: string;
  /** Records that this process took (true) or let go of (false) the upload of an image. */
  receiving(imageId: string, held: boolean): void;
  /**
   * Whether a lease's holder may still be receiving, where this process can tell: itself, or another process
   * of the same machine; null for a process elsewhere, whose lease only its end retires.
   */
  alive(lease: UploadLease): boolean | null;
}

/** Image data a web-download import fetches from a URL, as far as the site's import filter lets it. */
export interface WebSource {
  /** Whether the import filter lets `uri` be fetched: its scheme, host and port, and the addresses its host has. */
  admits(uri: string): Promise<boolean>;
  /** The data at `uri`, after any redirects the filter admits; fails when it is no success, or not admitted. */
  open(uri: string, signal: AbortSignal): Promise<WebData>;
}

export interface WebData {
  body: AsyncIterable<Uint8Array>;
  /** The length the server announced, null when it announced none. */
  length: number | null;
}

/** Where image bytes live; the catalog only records that an image has data. */
export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface BlobWriter {
  /**
   * Streams the bytes in: nothing is visible under the image's name until the source has ended and
   * the bytes are durable; if the source fails, nothing is left behind. Returns the size.
   */
  write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number>;
  /** Gives up before `write` was called (or after it failed), leaving nothing behind. */
  abort(): Promise<void>;
}

export interface BlobStore {
  /** Stores the bytes of an image, replacing any earlier data, atomically (readers never see half a file). */
  put(imageId: string, data: Uint8Array): Promise<void>;
  /**
   * Starts writing an image's bytes. From this moment until the write ends, a crash leaves a trace
   * that `interrupted()` reports after the restart, so callers begin before they mark an upload started.
   */
  begin(imageId: string): Promise<BlobWriter>;
  /** The image's bytes (or a range of them) as a stream, or null when there are none. */
  open(imageId: string, range?: ByteRange): Promise<Readable | null>;
  get(imageId: string): Promise<Uint8Array | null>;
  delete(imageId: string): Promise<void>;
  /**
   * The images whose data a write left partial and that `abandoned` picks, once it has seen that write's
   * trace and when the write last showed life (its last write where the store can tell, else its start);
   * their partial data is removed. Which writes nobody performs any more is the caller's to say (see
   * `catalog/upload-lease.ts`): other processes, on this machine or others, may write into the same place.
   */
  interrupted(abandoned: (imageId: string, lastActive: Date) => Promise<boolean>): Promise<string[]>;
  /** The images whose finished data the store holds. */
  ids(): Promise<string[]>;
  /**
   * Gives this store the data `from` (a store of the same kind, see `snapshot`) holds of the image, replacing any
   * it had, as cheaply as the kind allows (a hard link, a copy inside the object store).
   */
  adopt(from: BlobStore, imageId: string): Promise<void>;
  /** A store of the same kind, beside this one, that keeps this store's data as of snapshot `name`. */
  snapshot(name: string): BlobStore;
  /** Removes the store and all it holds (a snapshot's store, when the snapshot goes). */
  destroy(): Promise<void>;
}
