/**
 * The catalog service: visibility, list paging, delete and property rules over the store.
 * No HTTP in here; failures are CatalogErrors in the image service's words.
 */
import type { BlobStore } from '../blobs/blob-store.js';
import type { RequestContext } from '../identity/context.js';
import type { Cursor, Store } from '../store/store.js';
import { BASE_ATTRIBUTES, type Image } from './image.js';
import { badRequest, forbidden, notFound } from './errors.js';
import { now } from './iso8601.js';
import type { CatalogQuery } from './query.js';
import { canModify, canSee } from './visibility.js';

/** Rows fetched per store round trip while a list streams; bounds memory whatever the list's size. */
export const LIST_BATCH = 1000;

export class CatalogService {
  constructor(
    readonly store: Store,
    readonly blobs: BlobStore,
  ) {}

  /** An image the caller may see, or null (unknown, deleted or invisible ids are alike). */
  async findVisible(ctx: RequestContext, id: string): Promise<Image | null> {
    const image = await this.store.getImage(id);
    if (!image || image.deleted) return null;
    if (canSee(ctx, image, null)) return image;
    const membership = await this.store.getMember(id, ctx.projectId);
    return canSee(ctx, image, membership) ? image : null;
  }

  private async markerCursor(ctx: RequestContext, marker: string): Promise<Cursor> {
    const image = await this.store.getImage(marker);
    if (!image || image.deleted) throw badRequest(`No image found with ID ${marker}`);
    if (!(await this.findVisible(ctx, marker))) throw forbidden(`Forbidding request, image ${marker} not visible`);
    return { created_at: image.created_at, id: image.id };
  }

  /**
   * The images a list query selects, newest first, in batches. Errors (such as a bad marker)
   * surface on the first `next()`, before any batch, so a caller can still answer with an error.
   */
  async *list(ctx: RequestContext, query: CatalogQuery, batch = LIST_BATCH): AsyncGenerator<Image[]> {
    let cursor = query.marker ? await this.markerCursor(ctx, query.marker) : null;
    let remaining = query.limit ?? Number.POSITIVE_INFINITY;
    const scope = { projectId: ctx.projectId, isAdmin: ctx.isAdmin };
    while (remaining > 0) {
      const want = Math.min(remaining, batch);
      const page = await this.store.listImages(scope, query.conditions, cursor, want);
      if (page.length > 0) yield page;
      if (page.length < want) return;
      remaining -= page.length;
      const last = page[page.length - 1];
      cursor = { created_at: last.created_at, id: last.id };
    }
  }

  async deleteImage(ctx: RequestContext, id: string): Promise<void> {
    const image = await this.findVisible(ctx, id);
    if (!image) throw notFound(`Failed to find image ${id} to delete`);
    if (!canModify(ctx, image)) throw forbidden('You do not own this image');
    if (image.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    const time = now();
    await this.store.updateImage(id, { status: 'deleted', deleted: true, deleted_at: time, updated_at: time, has_data: false });
    await this.blobs.delete(id);
  }

  /**
   * Replaces an image's custom properties. Keys that name base attributes are not properties and
   * are left alone, as the reference does; its status cannot be written this way at all.
   */
  async replaceProperties(ctx: RequestContext, image: Image, properties: Record<string, string>): Promise<Record<string, string>> {
    if (!canModify(ctx, image) || 'status' in properties) throw forbidden(`Not authorized for image ${image.id}.`);
    const custom: Record<string, string> = {};
    for (const [key, value] of Object.entries(properties)) if (!BASE_ATTRIBUTES.has(key)) custom[key] = value;
    await this.store.updateImage(image.id, { properties: custom, updated_at: now() });
    return custom;
  }
}
