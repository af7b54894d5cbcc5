/**
 * Catalog storage as the composition root opens it: one connection to one database, the domain's stores
 * over it, closed together.
 */
import type { MetadefStore } from '../catalog/metadefs/ports.js';
import type { CatalogSnapshots, ImageStore, TaskStore, UploadLeaseStore } from '../catalog/ports.js';
import type { IdentityStore } from '../identity/ports.js';

export interface Storage {
  images: ImageStore;
  leases: UploadLeaseStore;
  tasks: TaskStore;
  identity: IdentityStore;
  metadefs: MetadefStore;
  snapshots: CatalogSnapshots;
  close(): Promise<void>;
}
