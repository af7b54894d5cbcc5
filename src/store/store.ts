/**
 * The one interface every catalog backend implements. It knows SQL, indexes and keyset
 * pagination; it does not know API shapes or permission rules beyond the list scope.
 */
import type { Image, ImageMember, MemberStatus, Visibility } from '../catalog/image.js';
import type { Condition, SortKey, SortOrder } from '../catalog/query.js';
import type { Credential, Project, Role, Token, User } from '../identity/model.js';

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

/**
 * Users, projects, roles, tokens and credentials. Names are unique (Glint has one domain). Writes
 * here do not change the image catalog's `version()`.
 */
export interface IdentityStore {
  insertProject(project: Project): Promise<void>;
  getProject(id: string): Promise<Project | null>;
  findProject(name: string): Promise<Project | null>;
  listProjects(): Promise<Project[]>;
  insertUser(user: User): Promise<void>;
  getUser(id: string): Promise<User | null>;
  findUser(name: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  /**
   * Counts a login attempt at `at` before its password is checked, atomically (however many processes share
   * the store), unless the account is locked: `limit` attempts counted, the last after `lockedAfter`. Counts
   * that an expired lock left start again. False, counting nothing, for a locked account.
   */
  countLoginAttempt(userId: string, at: string, limit: number, lockedAfter: string): Promise<boolean>;
  /** Forgets the attempts counted: a login succeeded, or an operator unlocked the account. */
  clearFailedLogins(userId: string): Promise<void>;
  /** Adds the role if no role of that name exists; returns the stored one. */
  ensureRole(role: Role): Promise<Role>;
  listRoles(): Promise<Role[]>;
  /** Grants a role on a project (granting it again changes nothing). */
  assignRole(userId: string, projectId: string, roleId: string): Promise<void>;
  /** The user's roles on the project, by name. */
  rolesOn(userId: string, projectId: string): Promise<Role[]>;
  /** Projects on which the user has any role, by name. */
  projectsOf(userId: string): Promise<Project[]>;
  insertToken(token: Token): Promise<void>;
  getToken(hash: string): Promise<Token | null>;
  /** Marks a token revoked; false when there is no such token. */
  revokeToken(hash: string): Promise<boolean>;
  /** Forgets tokens that expired before `before`; returns how many. */
  purgeTokens(before: string): Promise<number>;
  insertCredential(credential: Credential): Promise<void>;
  getCredential(access: string): Promise<Credential | null>;
  /** The credential made last; null when there is none. */
  newestCredential(): Promise<Credential | null>;
}

/** An image's id and when it last changed: enough to change it only as it was read. */
export type ImageStamp = Pick<Image, 'id' | 'updated_at'>;

/** That a process receives an image's data, until when unless renewed (see `catalog/upload-lease.ts`). */
export interface UploadLease {
  image_id: string;
  /** Names the receiving process. */
  holder: string;
  /** ISO 8601 UTC, compared as text. */
  expires_at: string;
}

export interface Store extends IdentityStore {
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
  /**
   * A token that changes whenever anything in the catalog changes, by this process or another, and
   * is never older than the data a read after it sees: caches keyed by it never serve a stale answer.
   * A backend that can tell without waiting (SQLite) answers at once, sparing a cached answer a microtask.
   */
  version(): string | Promise<string>;
  /**
   * The undeleted images in `saving` with no data recorded (uploads under way, or begun and never finished),
   * with when each last changed, so that whoever gives one back changes it only as it was read.
   */
  unfinishedUploads(): Promise<ImageStamp[]>;
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
  close(): Promise<void>;
}
