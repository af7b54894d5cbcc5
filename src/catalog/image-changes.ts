/** Changing an image's record safely while other writers (requests, processes) may change it too. */
import { notFound } from './errors.js';
import type { Image } from './image.js';
import type { ImageStore } from './ports.js';

/**
 * Writes a change computed from an image's record. When another writer (request or process) changed
 * the record since it was read, the change is computed again from the new record, so neither
 * writer's change is lost; `compute` may refuse (throw) on the new record, or find nothing to do (null).
 */
export async function changeImage(images: ImageStore, image: Image, compute: (current: Image) => Partial<Image> | null): Promise<Image> {
  let current = image;
  for (;;) {
    const changes = compute(current);
    if (!changes) return current;
    if (await images.updateImage(current.id, changes, current.updated_at)) return { ...current, ...changes };
    const fresh = await images.getImage(current.id);
    if (!fresh || fresh.deleted) throw notFound(`No image found with ID ${current.id}`);
    current = fresh;
  }
}
