/**
 * The one interface every catalog backend implements. It knows SQL, indexes and keyset
 * pagination; it does not know API shapes or permission rules beyond the list scope.
 */
import type { GlanceStatus, Image, ImageMember, MemberStatus, Visibility } from '../catalog/image.js';
import type { Condition, SortKey, SortOrder } from '../catalog/query.js';

/**
 * Whose list this is, and which of the images that project may see it covers: by default the
 * reference image service's default list (public, own, shares accepted by the project).
 */
export interface ListScope {
  projectId: string;
  isAdmin: boolean;
  /** Only images of this visibility; 'all' widens the default list to community images too. */
  visibility?: Visibility | 'all';
  /** Which of the project's shares count (default: accepted ones). */
  memberStatus?: MemberStatus | 'all';
  /** Hidden images instead of the visible ones (default: not hidden). */
  hidden?: boolean;
}

/** Position in the list order: the sort-key values of the last image seen; the list continues strictly after it. */
export type Cursor = Pick<Image, 'created_at' | 'id'> & Partial<Pick<Image, SortKey>>;

export interface StoredImage {
  image: Image;
  members: ImageMember[];
}

export interface Store {
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
  deleteMember(imageId: string, member: string): Promise<void>;
  /**
   * Loads many images in one transaction, skipping ids the store already holds; returns how many
   * were added. `onProgress` is called with the count processed so far.
   */
  importImages(entries: Iterable<StoredImage>, onProgress?: (done: number) => void): Promise<number>;
  /** Replaces the given attributes of an image (properties and tags as whole values). */
  updateImage(id: string, changes: Partial<Omit<Image, 'id'>>): Promise<void>;
  /** Every image with its members, oldest first, for export. */
  exportImages(): AsyncIterable<StoredImage>;
  countImages(): Promise<number>;
  /** A token that changes whenever anything in the catalog changes, by this process or another; cheap to ask. */
  version(): string;
  /** Ids of the (undeleted) images in a status. */
  imageIdsInStatus(status: GlanceStatus): Promise<string[]>;
  close(): Promise<void>;
}
