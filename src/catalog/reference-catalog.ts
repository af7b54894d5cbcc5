/** The `reference-catalog/1` interchange format: what `glint import` reads and `glint export` writes. */
import type { GlanceStatus, ImageMember, Visibility } from './image.js';

export const REFERENCE_CATALOG_FORMAT = 'reference-catalog/1';

export interface ReferenceImage {
  set?: string;
  seed_name?: string;
  id: string;
  name: string | null;
  status: GlanceStatus;
  visibility: Visibility;
  owner: string | null;
  protected: boolean;
  os_hidden: boolean;
  min_ram: number;
  min_disk: number;
  size: number | null;
  virtual_size: number | null;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  created_at: string;
  updated_at: string;
  deleted: boolean;
  deleted_at: string | null;
  tags: string[];
  properties: Record<string, string>;
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
