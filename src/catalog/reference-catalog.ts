/** The `reference-catalog/1` interchange format: what `glint import` reads and `glint export` writes. */
import type { Image, ImageMember } from './image.js';

export const REFERENCE_CATALOG_FORMAT = 'reference-catalog/1';

/** An image as the format holds it: the catalog's image with its members and its data (or that it had some elsewhere). */
export interface ReferenceImage extends Omit<Image, 'has_data'> {
  set?: string;
  seed_name?: string;
  members: ImageMember[];
  has_location: boolean;
  data_b64: string | null;
}

export interface ReferenceCatalog {
  format: typeof REFERENCE_CATALOG_FORMAT;
  description?: string;
  projects?: Record<string, { id: string; token?: string; roles?: string[] }>;
  images: ReferenceImage[];
  [extra: string]: unknown;
}
