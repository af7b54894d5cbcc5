/** HTTP Range requests for image downloads: one byte range, as the reference serves them. */
import type { ByteRange } from '../../blobs/blob-store.js';
import { detailed } from '../common/errors.js';

/** The requested range, or null for the whole image; an unsatisfiable one is a 416. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) {
    throw detailed(416, `Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`);
  }
  return { start, end };
}
