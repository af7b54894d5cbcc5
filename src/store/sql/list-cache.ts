/**
 * The caches below a SQL store's lists (nothing above the store can tell they exist): whole pages by
 * question for one catalog version, and decoded images by id for one `updated_at`.
 */
import type { Image } from '../../catalog/image.js';
import { VersionedCache } from '../../common/versioned-cache.js';
import { frozen, ImageCache } from '../image-cache.js';
import { toImage, type ImageRow } from './rows.js';

export class ListCache {
  // Bounds chosen so a long list (every page of a 100,000-image answer) streams through in bounded
  // memory while a working set of lists stays cached.
  private readonly decoded = new ImageCache(10_000);
  /**
   * Recent list pages by question, for one catalog version: while nothing changes, asking again costs
   * one version check instead of a query. Bounded by the images all pages reference together.
   */
  private readonly pages = new VersionedCache<Image[]>({ maxEntries: Infinity, maxWeight: 10_000 }, (page) => page.length);

  /**
   * The page a question asks for: cached while the catalog stays at `version`, else loaded. `scan`
   * marks a page deep in a long list (such as the hundredth batch of a list without a limit): it is
   * not kept, nor are the images decoded for it, which would only push the working set out (and keep
   * short-lived objects alive long enough to fill the heap).
   */
  async page(question: unknown[], version: string, scan: boolean, load: (keep: boolean) => Promise<Image[]>): Promise<Image[]> {
    // The question itself is the cache key, so a repeated one costs no SQL text at all.
    const key = JSON.stringify(question);
    const cached = this.pages.get(key, version);
    if (cached) return cached;
    // Pages are shared by every reader (and renderings are memoized on them), so they are frozen.
    const images = Object.freeze(await load(!scan)) as Image[];
    if (!scan) this.pages.put(key, version, images);
    return images;
  }

  /**
   * The images of a page found as `[id, updated_at, id, updated_at, …]` in list order: the database is
   * asked for the rows of those not decoded in that version only. Turning rows into objects costs far
   * more than finding them, so this is what makes large lists fast.
   */
  async images(keys: string[], keep: boolean, rowsOf: (ids: string[]) => ImageRow[] | Promise<ImageRow[]>): Promise<Image[]> {
    const images = new Array<Image>(keys.length / 2);
    const missing: string[] = [];
    for (let i = 0; i < images.length; i++) {
      const cached = this.decoded.get(keys[2 * i], keys[2 * i + 1]);
      if (cached) images[i] = cached;
      else missing.push(keys[2 * i]);
    }
    if (missing.length > 0) {
      const loaded = new Map<string, Image>();
      for (const row of await rowsOf(missing)) {
        const image = toImage(row);
        loaded.set(row.id, keep ? this.decoded.put(image) : frozen(image));
      }
      for (let i = 0; i < images.length; i++) images[i] ??= loaded.get(keys[2 * i])!;
    }
    return images;
  }

  /** Drops an image whose record this process is changing, whatever its `updated_at` becomes. */
  forget(id: string): void {
    this.decoded.forget(id);
  }
}

/** Pages at least this large that continue a list (after a cursor) are batches of a long list: a scan. */
export const SCAN_PAGE = 1000;

export function isScan(after: unknown, limit: number): boolean {
  return after !== null && limit >= SCAN_PAGE;
}
