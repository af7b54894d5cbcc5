/**
 * An image's data written into the image store, whether uploaded or imported: capped, hashed (md5 and sha512)
 * and, if asked, inspected as it streams; what the image records of it once it is durable.
 */
import { CatalogError } from './errors.js';
import type { Image } from './image.js';
import { declaredVirtualSize, DiskInspector, formatMatches, type Inspection } from './inspect/inspector.js';
import type { BlobWriter } from './ports.js';
import { digesting } from './data-digest.js';

export interface UploadLimits {
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** Inspect the disk format while the data streams, refusing unsafe or mislabelled images. */
  inspect: boolean;
}

/** Data the inspection refuses: unsafe, or not what the image's disk_format says. */
export class DataRefused extends CatalogError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

/** The virtual size of inspected data, or the reason the image service refuses it. */
function checkedVirtualSize(inspection: Inspection, declared: string | null): number | null {
  if (inspection.unsafe.length > 0) throw new DataRefused(`Image is not acceptable: ${inspection.unsafe.join('; ')}.`);
  if (!formatMatches(declared, inspection.format)) {
    throw new DataRefused(`Image disk_format is ${declared} but the uploaded data is ${inspection.format}.`);
  }
  return inspection.virtualSize;
}

/**
 * Streams `source` into `writer` and returns what the image records of the data: size, hashes and its virtual
 * size. Fails (the writer leaving nothing behind) past the cap or when inspection, if asked, refuses it.
 */
export async function writeImageData(
  writer: BlobWriter,
  source: AsyncIterable<Uint8Array>,
  limits: UploadLimits,
  image: Pick<Image, 'disk_format' | 'container_format'>,
): Promise<Partial<Image>> {
  // Inspected always: without inspection's refusals, the virtual size is still recorded as the image service does.
  const inspector = new DiskInspector();
  const { stream, digest } = digesting(source, limits.maxBytes, [inspector]);
  await writer.write(stream);
  const data = digest();
  const inspection = inspector.finish();
  const virtualSize = limits.inspect
    ? checkedVirtualSize(inspection, image.disk_format)
    : declaredVirtualSize(image.disk_format, image.container_format, inspection, data.size);
  return { ...data, virtual_size: virtualSize };
}
