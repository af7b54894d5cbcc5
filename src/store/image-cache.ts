/**
 * A cache of the SQL stores, below the store interface: nothing above the store can tell it exists.
 *
 * Decoded images by id, each valid for one `updated_at`: a list asks the database only for the ids and
 * versions of its page, and decodes just the images it has not seen in that version. Turning rows
 * into objects costs far more than finding them, so this is what makes large lists fast.
 */
import type { Image } from '../catalog/image.js';

export class ImageCache {
  private readonly entries = new Map<string, Image>();

  constructor(private readonly capacity: number) {}

  /** The cached image if it is still the version the store holds. */
  get(id: string, updatedAt: string): Image | undefined {
    const image = this.entries.get(id);
    return image && image.updated_at === updatedAt ? image : undefined;
  }

  /** Drops an image whose record this process is changing, whatever its `updated_at` becomes. */
  forget(id: string): void {
    this.entries.delete(id);
  }

  /** Cached images are shared by every reader, so they are frozen. */
  put(image: Image): Image {
    frozen(image);
    this.entries.delete(image.id);
    this.entries.set(image.id, image);
    // A Map iterates in insertion order, so the first key is the least recently stored.
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return image;
  }
}

/** An image made read-only, as every image a list hands out is (renderings are memoized on them). */
export function frozen(image: Image): Image {
  Object.freeze(image.tags);
  Object.freeze(image.properties);
  return Object.freeze(image);
}
