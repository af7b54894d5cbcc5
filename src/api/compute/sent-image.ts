/**
 * The properties the compute API sends an image back with after a metadata call, as Nova's image client does
 * (`nova/image/glance.py` update and `_convert_to_v2`, then glanceclient's schema-checked image model).
 */
import type { Properties } from '../../catalog/image.js';
import { ApiError } from '../common/errors.js';
import { pyRepr } from '../common/python-repr.js';

/** The image service's published image schema, as its clients check an image against it: why it refuses one, or null. */
export type ImageSchemaCheck = (image: Record<string, unknown>) => string | null;

/**
 * Names of attributes Nova holds of the image itself and sends back as they were, so that a property of that
 * name is never sent.
 */
const HELD = new Set([
  'name', 'disk_format', 'container_format', 'checksum', 'visibility', 'min_ram', 'min_disk', 'owner', 'os_hidden',
  'os_hash_algo', 'os_hash_value', 'id',
]);

/** A kernel or ramdisk id of `none` or nothing is not sent, and so keeps the value it has. */
function unsetId(key: string, value: string | null): boolean {
  return (key === 'kernel_id' || key === 'ramdisk_id') && value !== null && ['none', ''].includes(value.trim().toLowerCase());
}

/**
 * The image's properties once sent back: those the call asks for (`wanted`, in order), but for attributes Nova
 * holds and unset ids; every other current property is removed. A value the image schema refuses is refused
 * before anything is sent, as the image client refuses to set it (the reference then fails with a 500).
 */
export function sentProperties(current: Properties, wanted: Properties, check: ImageSchemaCheck): Properties {
  const sent: Properties = {};
  // Defined rather than assigned: assigning `__proto__` would set the object's prototype instead.
  const put = (key: string, value: string | null) => Object.defineProperty(sent, key, { value, enumerable: true, writable: true, configurable: true });
  for (const [key, value] of Object.entries(wanted)) {
    if (HELD.has(key)) continue;
    if (unsetId(key, value)) {
      if (Object.hasOwn(current, key)) put(key, current[key]);
      continue;
    }
    const refusal = check({ [key]: value });
    if (refusal !== null) throw new ApiError(400, `Unable to set '${key}' to ${pyRepr(value)}. Reason: ${refusal}`);
    put(key, value);
  }
  return sent;
}
