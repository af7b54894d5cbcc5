/**
 * HTTP Range requests for image downloads: one byte range, read as the reference reads it
 * (`glance/common/wsgi.py` Request.get_range_from_request, with webob's `Range.parse`).
 */
import type { ByteRange } from '../../catalog/ports.js';
import { ApiError, detailed } from '../common/errors.js';

/**
 * webob's pattern (`bytes *= *(\d*) *- *(\d*)`), matched at the start only: whatever follows a range is
 * ignored. Written so that no two runs of spaces can trade characters, which would make a header of
 * spaces take time quadratic in its length.
 */
const RANGE = /^bytes *= *(?:(\d+) *)?- *(\d*)/i;

const invalid = () => detailed(416, 'Invalid Range header.');

/** The requested range, or null for the whole image. */
export function parseRange(header: string | undefined, size: number): ByteRange | null {
  if (header === undefined) return null;
  if (header.includes(',')) {
    throw new ApiError(400, 'Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.');
  }
  const m = RANGE.exec(header);
  // `bytes=-` fails in the reference's own parsing (a 500 there); it names no range.
  if (!m || (m[1] === undefined && m[2] === '')) throw invalid();
  let start: number;
  let end = size - 1;
  if (m[1] === undefined) {
    // The last n bytes; a suffix of 0 or of at least the size means all of them.
    const suffix = Number(m[2]);
    start = suffix > 0 && suffix < size ? size - suffix : 0;
  } else {
    start = Number(m[1]);
    if (m[2] !== '') {
      if (Number(m[2]) < start) throw invalid();
      end = Math.min(Number(m[2]), end);
    }
  }
  if (start >= size) {
    throw detailed(416, `Invalid start position in Range header. Start position MUST be in the inclusive range [0, ${size - 1}].`);
  }
  return { start, end };
}
