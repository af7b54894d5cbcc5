/**
 * The catalog service: the rules both APIs share, over the image store and the blob store — visibility,
 * policy, list paging, creation, changes, downloads, tags, members, deletion, import and export (uploads
 * are `uploads.ts`'s).
 * No HTTP in here; failures are CatalogErrors in the image service's words.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobStore, ByteRange, Cursor, ImageStore, StoredImage } from './ports.js';
import type { RequestContext } from '../identity/context.js';
import { isReservedName, MEMBER_STATUSES, newImage, READ_ONLY_ATTRIBUTES, type Image, type ImageMember, type MemberStatus, type Properties } from './image.js';
import {
  badRequest,
  CatalogError,
  conflict,
  forbidden,
  notFound,
  overLimit,
  policyForbids,
  isKind,
  unexplainedNotFound,
} from './errors.js';
import { ruleRefused, type ImagePolicy, type ImageRule } from './policy.js';
import { changeImage } from './image-changes.js';
import { checkStorable } from './storable.js';
import { transition } from './status.js';
import type { ReferenceCatalog, ReferenceImage } from './reference-catalog.js';
import { exportCatalog, importCatalog } from './transfer.js';
import { now } from './iso8601.js';
import type { CatalogQuery } from './query.js';
import { canModify, canSee } from './visibility.js';

/** Asked before each change of an image's attributes is applied; throws when the caller may not make it. */
/** Authorizes one change of a patch, on the image as the changes before it left it (`image`). */
export type AuthorizeChange = (op: 'add' | 'replace' | 'remove', attribute: string, value: unknown, image: Image) => void;

/** Rows fetched per store round trip while a list streams; bounds memory whatever the list's size. */
export const LIST_BATCH = 1000;

export class CatalogService {
  constructor(
    private readonly images: ImageStore,
    private readonly blobs: BlobStore,
    /** Where data staged for an import waits; an image's goes with it. */
    private readonly staging: BlobStore,
    private readonly policy: ImagePolicy,
  ) {}

  /** A token that changes whenever the catalog changes, in any process (see `ImageStore.version`): caches key on it. */
  revision(): string | Promise<string> {
    return this.images.version();
  }

  async isEmpty(): Promise<boolean> {
    return (await this.images.countImages()) === 0;
  }

  countImages(): Promise<number> {
    return this.images.countImages();
  }

  /** How many images are in each status (see `ImageStore.countByStatus`). */
  countByStatus(): Promise<Record<string, number>> {
    return this.images.countByStatus();
  }

  /** Resolves when the catalog can be read, at the least cost; fails when it cannot. */
  ping(): Promise<void> {
    return this.images.ping();
  }

  /**
   * Loads a catalog in the `reference-catalog/1` format, or only `images` of it (images already present are
   * kept); returns how many were added. `onProgress` is told how many of `total` are done.
   */
  importCatalog(catalog: ReferenceCatalog, onProgress?: (done: number, total: number) => void, images?: ReferenceImage[]): Promise<number> {
    return importCatalog(catalog, this.images, this.blobs, onProgress, images);
  }

  /** The whole catalog in the `reference-catalog/1` format, in pieces of text; `onImage` counts them. */
  exportCatalog(onImage?: () => void): AsyncGenerator<string> {
    return exportCatalog(this.images, this.blobs, onImage);
  }

  /** Loads many generated images in one go (see `ImageStore.importImages`). */
  importImages(entries: Iterable<StoredImage>, onProgress?: (done: number) => void): Promise<number> {
    return this.images.importImages(entries, onProgress);
  }

  /**
   * An image the catalog shows the caller, or null (unknown, deleted or invisible ids are alike): public and
   * community images, its own, and those shared with its project. Whether it may read them is the policy's.
   */
  async findVisible(ctx: RequestContext, id: string): Promise<Image | null> {
    const image = await this.images.getImage(id);
    if (!image || image.deleted) return null;
    if (canSee(ctx, image, null)) return image;
    const membership = await this.images.getMember(id, ctx.projectId);
    return canSee(ctx, image, membership) ? image : null;
  }

  /** An image the caller may read (get_image), or null: the compute API's view, where either is "not found". */
  async findReadable(ctx: RequestContext, id: string): Promise<Image | null> {
    const image = await this.findVisible(ctx, id);
    return image && this.policy.allows(ctx, 'get_image', image) ? image : null;
  }

  /** The image the caller asks for: not found unless visible, and unless it may read it (get_image). */
  async image(ctx: RequestContext, id: string): Promise<Image> {
    const image = await this.visible(ctx, id);
    this.policy.enforce(ctx, 'get_image', image);
    return image;
  }

  /**
   * The image a list continues after: it must exist and be visible, though filters may exclude it. An admin sees
   * deleted images here too (the reference's `can_see_deleted`), and pages on from one.
   */
  private async markerImage(ctx: RequestContext, marker: string): Promise<Image> {
    // Longer than an id column holds: the reference's words, unformatted as it sends them.
    if (marker.length > 36) throw badRequest('Image with the given id %(image_id)s was not found');
    const image = await this.images.getImage(marker);
    if (!image || (image.deleted && !ctx.isAdmin)) throw badRequest(`No image found with ID ${marker}`);
    if (!ctx.isAdmin && !(await this.findVisible(ctx, marker))) throw forbidden(`Forbidding request, image ${marker} not visible`);
    return image;
  }

  /**
   * The images a list query selects, newest first, in batches. Errors (such as a bad marker)
   * surface on the first `next()`, before any batch, so a caller can still answer with an error.
   */
  async *list(ctx: RequestContext, query: CatalogQuery, batch = LIST_BATCH): AsyncGenerator<Image[]> {
    // The rule's target is the caller's own project: whether it may list at all.
    if (!this.policy.allows(ctx, 'get_images', { owner: ctx.projectId, visibility: 'private' })) throw ruleRefused('get_images');
    const scope = { projectId: ctx.projectId, isAdmin: ctx.isAdmin, ...query.scope };
    const cursorOf = (image: Image): Cursor => {
      const cursor: Cursor = { created_at: image.created_at, id: image.id };
      for (const { key } of query.order ?? []) Object.assign(cursor, { [key]: image[key] });
      return cursor;
    };
    let cursor: Cursor | null = query.marker ? { ...cursorOf(await this.markerImage(ctx, query.marker)), marker: true } : null;
    let remaining = query.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const want = Math.min(remaining, batch);
      const page = await this.images.listImages(scope, query.conditions, cursor, want, query.order);
      if (page.length > 0) yield page;
      if (page.length < want) return;
      remaining -= page.length;
      cursor = cursorOf(page[page.length - 1]);
    }
  }

  async deleteImage(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.findVisible(ctx, id);
    if (!image) throw notFound(`Failed to find image ${id} to delete`);
    this.policy.enforceChange(ctx, 'delete_image', image);
    if (image.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    await this.change(image, (current) => {
      if (current.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
      const time = now();
      return { status: 'deleted', deleted: true, deleted_at: time, updated_at: time, has_data: false };
    });
    // The image is gone whatever becomes of its data: a store that cannot be reached now (S3 down) leaves the
    // bytes behind, which is said, rather than failing a delete that has happened.
    for (const [store, what] of [[this.blobs, 'data'], [this.staging, 'staged data']] as const) {
      await store.delete(id).catch((err: unknown) => {
        console.error(`The ${what} of deleted image ${id} could not be removed: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
  }

  /**
   * Writes an image as the compute service sends it back after changing its metadata (`nova/image/glance.py`
   * update): with the properties `edit` makes of the current ones, and the visibility as that service knows
   * it, public or else private. A write that changes nothing asks nothing; any other is the caller's to make
   * (modify_image) and refused for attributes no client writes.
   */
  async sendBack(ctx: RequestContext, image: Image, edit: (properties: Properties) => Properties): Promise<Image> {
    return this.change(image, (current) => {
      const properties = edit(current.properties);
      const visibility = current.visibility === 'public' ? 'public' : 'private';
      const written = Object.keys(properties).filter((key) => !Object.hasOwn(current.properties, key) || properties[key] !== current.properties[key]);
      const removed = Object.keys(current.properties).some((key) => !Object.hasOwn(properties, key));
      if (!written.length && !removed && visibility === current.visibility) return null;
      const refused = written.find((key) => READ_ONLY_ATTRIBUTES.has(key) || isReservedName(key));
      if (refused !== undefined) throw forbidden(`Attribute '${refused}' is ${READ_ONLY_ATTRIBUTES.has(refused) ? 'read-only' : 'reserved'}.`);
      this.policy.enforceChange(ctx, 'modify_image', current);
      checkQuota('image properties', Object.keys(properties).length);
      checkStorable({ ...current, properties });
      return { properties, visibility, updated_at: now() };
    });
  }

  private change(image: Image, compute: (current: Image) => Partial<Image> | null): Promise<Image> {
    return changeImage(this.images, image, compute);
  }

  /**
   * An image the caller may change by `rule` (see `ImagePolicy.enforceChange`): visible, else the image
   * service's 404, and allowed.
   */
  async changeable(ctx: RequestContext, id: string, rule: ImageRule, notOwner?: string): Promise<Image> {
    const image = await this.visible(ctx, id);
    this.policy.enforceChange(ctx, rule, image, notOwner);
    return image;
  }

  /** An image the caller can see, or the image service's 404 in `words`. */
  private async visible(ctx: RequestContext, id: string, words = `No image found with ID ${id}`): Promise<Image> {
    const image = await this.findVisible(ctx, id);
    if (!image) throw notFound(words);
    return image;
  }

  /**
   * Creates a queued image; `fields` are already valid in shape, the rules of who may do what are checked here.
   * `allowed` runs once they let the create through (the request's own refusals that come after the rules).
   */
  async createImage(
    ctx: RequestContext,
    fields: Partial<Image> & { properties: Properties; tags: string[] },
    allowed: () => void = () => undefined,
  ): Promise<Image> {
    const owner = fields.owner === undefined ? ctx.projectId : fields.owner;
    this.policy.enforceCreation(ctx, owner, fields.visibility);
    const tags = [...new Set(fields.tags)];
    checkQuota('image tags', tags.length);
    allowed();
    checkQuota('image properties', Object.keys(fields.properties).length);
    const id = fields.id ?? randomUUID();
    const image: Image = {
      // An owner given as null, or empty, is none.
      ...newImage(id, owner || null, now()),
      name: fields.name ?? null,
      visibility: fields.visibility ?? 'shared',
      protected: fields.protected ?? false,
      os_hidden: fields.os_hidden ?? false,
      min_ram: fields.min_ram ?? 0,
      min_disk: fields.min_disk ?? 0,
      disk_format: fields.disk_format ?? null,
      container_format: fields.container_format ?? null,
      tags,
      properties: fields.properties,
    };
    checkStorable(image);
    if (await this.images.getImage(id)) throw conflict(`Image ID ${id} already exists!`);
    await this.images.insertImage({ image, members: [] });
    return image;
  }

  /**
   * Saves an image's writable attributes as the caller changes them. `edit` applies the changes to the current
   * record in order and has each one authorized before it is applied, as the image service checks each
   * operation of a patch in turn: the owner is an admin's to change, a visibility takes its own rule, and any
   * change takes modify_image. A patch without operations changes nothing and needs no rule.
   */
  async saveImage(ctx: RequestContext, id: string, edit: (current: Image, authorize: AuthorizeChange) => Image): Promise<Image> {
    const image = await this.visible(ctx, id);
    const membership = await this.images.getMember(id, ctx.projectId);
    return this.change(image, (current) => {
      // Each change is checked on the image as the changes before it left it, as the reference's policy checks
      // its image object while the patch changes it: one that gave the image away leaves the next unauthorized.
      const authorize: AuthorizeChange = (op, attribute, value, changing) => {
        if (op === 'replace' && attribute === 'owner' && !ctx.isAdmin) throw policyForbids("Owner can't be updated by non admin.");
        if (attribute === 'visibility') this.policy.enforceVisibility(ctx, value, changing);
        this.policy.enforceChange(ctx, 'modify_image', changing);
      };
      const changed = edit(current, authorize);
      if (changed === current) return null;
      const { id: _id, ...changes } = { ...changed, owner: changed.owner || null, tags: [...new Set(changed.tags)], updated_at: now() };
      if (changes.tags.length !== current.tags.length) checkQuota('image tags', changes.tags.length);
      const keys = Object.keys(changes.properties);
      // As the reference counts: only a change that adds a property can exceed the quota.
      if (keys.some((key) => !Object.hasOwn(current.properties, key))) checkQuota('image properties', keys.length);
      checkStorable(changes);
      // The owner's project may give its image away (an admin may do anything), as long as it still sees it after.
      if (changes.owner !== current.owner && !ctx.isAdmin && !canSee(ctx, changed, membership)) {
        throw forbidden(`Forbidding request, image ${id} not visible`);
      }
      return changes;
    });
  }

  /** Deactivates or reactivates an active (or deactivated) image. */
  async setActive(ctx: RequestContext, id: string, active: boolean): Promise<void> {
    const target = active ? 'active' : 'deactivated';
    await this.change(await this.changeable(ctx, id, active ? 'reactivate' : 'deactivate'), (image) => {
      if (image.status === target) return null;
      if (image.status !== 'active' && image.status !== 'deactivated') {
        throw forbidden(`Not allowed to ${active ? 'reactivate' : 'deactivate'} image in status '${image.status}'`);
      }
      return { status: transition(image.status, target), updated_at: now() };
    });
  }

  /**
   * An image whose data the caller may download: a deactivated image's data is refused to all but admins
   * before any rule is asked, then download_image.
   */
  async downloadable(ctx: RequestContext, id: string): Promise<Image> {
    const image = await this.visible(ctx, id);
    if (image.status === 'deactivated' && !ctx.isAdmin) throw forbidden('The requested image has been deactivated. Image data download is forbidden.');
    this.policy.enforce(ctx, 'download_image', image);
    return image;
  }

  /** The data of an image `downloadable` returned, or the part of it `range` names; null when it has none. */
  openData(image: Image, range?: ByteRange): Promise<Readable | null> {
    return this.blobs.open(image.id, range);
  }

  async addTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    await this.change(await this.taggable(ctx, id, 'update'), (image) => {
      if (image.tags.includes(tag)) return null;
      checkQuota('image tags', image.tags.length + 1, (message) => `Image tag limit exceeded for image ${id}: ${message}:`);
      return { tags: [...image.tags, tag], updated_at: now() };
    });
  }

  async removeTag(ctx: RequestContext, id: string, tag: string): Promise<void> {
    await this.change(await this.taggable(ctx, id, 'delete'), (image) => {
      if (!image.tags.includes(tag)) throw unexplainedNotFound();
      return { tags: image.tags.filter((t) => t !== tag), updated_at: now() };
    });
  }

  /** An image whose tags the caller may change (modify_image), in the words of the image service's tag calls. */
  private async taggable(ctx: RequestContext, id: string, verb: 'update' | 'delete'): Promise<Image> {
    const image = await this.visible(ctx, id, `Image ${id} not found.`);
    this.policy.enforceChange(ctx, 'modify_image', image, `Not allowed to ${verb} tags for image ${id}.`);
    return image;
  }

  /** The image's members: the owner's project (and an admin) sees all of them, a member project only itself. */
  async members(ctx: RequestContext, id: string): Promise<{ image: Image; members: ImageMember[] }> {
    const image = await this.sharedImage(ctx, id, (why) => forbidden(`Not allowed to list members for image ${id}: ${why}`));
    this.policy.enforceMembers(ctx, 'get_members', image);
    return { image, members: await this.membersSeenBy(ctx, image) };
  }

  /** One member of the image; refusals are answered as not found, to say nothing of the image's members. */
  async member(ctx: RequestContext, id: string, member: string): Promise<ImageMember> {
    const image = await this.sharedImage(ctx, id, notFound);
    try {
      return await this.lookupMember(ctx, image, member);
    } catch (err) {
      throw isKind(err, 'forbidden') ? notFound((err as Error).message) : err;
    }
  }

  async addMember(ctx: RequestContext, id: string, member: string): Promise<ImageMember> {
    const refused = () => forbidden(`Not allowed to create members for image ${id}.`);
    const image = await this.sharedImage(ctx, id, refused);
    if (!this.policy.managesMembers(ctx, image, 'create')) throw refused();
    this.policy.enforceMembers(ctx, 'add_member', image);
    // Counted before the member is added, as the reference counts: two adds at once may both pass at 127.
    const attempted = (await this.images.getMembers(id)).length + 1;
    checkQuota('image members for this image', attempted, (message) => `Image member limit exceeded for image ${id}: ${message}:`);
    const time = now();
    const record: ImageMember = { member, status: 'pending', can_share: false, created_at: time, updated_at: time };
    // One step, so of two requests adding the same member at once, the second is refused too.
    if (!(await this.images.addMember(id, record))) throw conflict(`Member ${member} is duplicated for image ${id}`);
    return record;
  }

  /** A member's answer to a share: the member project's (or an admin's) to give. */
  async setMemberStatus(ctx: RequestContext, id: string, member: string, status: unknown): Promise<ImageMember> {
    const refused = () => forbidden(`Not allowed to update members for image ${id}.`);
    const image = await this.sharedImage(ctx, id, refused);
    if (!this.policy.managesMembers(ctx, image, 'update')) throw refused();
    const record = await this.lookupMember(ctx, image, member);
    this.policy.enforceMembers(ctx, 'modify_member', image);
    // The reference's member model refuses any other value (`glance/domain` ImageMembership.status).
    if (!(MEMBER_STATUSES as readonly unknown[]).includes(status)) throw badRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
    const updated: ImageMember = { ...record, status: status as MemberStatus, updated_at: now() };
    await this.images.putMember(id, updated);
    return updated;
  }

  async removeMember(ctx: RequestContext, id: string, member: string): Promise<void> {
    const refused = () => forbidden(`Not allowed to delete members for image ${id}.`);
    const image = await this.sharedImage(ctx, id, refused);
    if (!this.policy.managesMembers(ctx, image, 'delete')) throw refused();
    await this.lookupMember(ctx, image, member);
    this.policy.enforceMembers(ctx, 'delete_member', image);
    await this.images.deleteMember(id, member);
  }

  /** The image a member call is about: visible, else not found, and shared, else refused (`refused` words it). */
  private async sharedImage(ctx: RequestContext, id: string, refused: (why: string) => CatalogError): Promise<Image> {
    const image = await this.visible(ctx, id, `Image ${id} not found.`);
    if (image.visibility !== 'shared') throw refused('Only shared images have members.');
    return image;
  }

  /** A member the caller may look up (get_member) among those it sees. */
  private async lookupMember(ctx: RequestContext, image: Image, member: string): Promise<ImageMember> {
    this.policy.enforceMembers(ctx, 'get_member', image);
    const found = (await this.membersSeenBy(ctx, image)).find((m) => m.member === member);
    if (!found) throw notFound(`${member} not found in the member list of the image ${image.id}.`);
    return found;
  }

  private async membersSeenBy(ctx: RequestContext, image: Image): Promise<ImageMember[]> {
    const members = await this.images.getMembers(image.id);
    return canModify(ctx, image) ? members : members.filter((m) => m.member === ctx.projectId);
  }
}

/** The reference's default `image_property_quota`, `image_tag_quota` and `image_member_quota`. */
const QUOTA = 128;

/** Refuses `attempted` items past the quota, in the reference's words (which some calls wrap in their own). */
function checkQuota(what: string, attempted: number, words = (message: string) => message): void {
  if (attempted > QUOTA) {
    throw overLimit(words(`The limit has been exceeded on the number of allowed ${what}. Attempted: ${attempted}, Maximum: ${QUOTA}`));
  }
}

