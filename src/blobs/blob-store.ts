/** Where image bytes live; the catalog only records that an image has data. */
export interface BlobStore {
  /** Stores the bytes of an image, replacing any earlier data, atomically (readers never see half a file). */
  put(imageId: string, data: Uint8Array): Promise<void>;
  get(imageId: string): Promise<Uint8Array | null>;
  delete(imageId: string): Promise<void>;
}
