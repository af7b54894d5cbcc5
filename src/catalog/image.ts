/** The catalog's image record: every Glance base attribute plus custom properties, tags and members. */

export const GLANCE_STATUSES = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'pending_delete',
  'deactivated',
  'uploading',
  'importing',
] as const;
export type GlanceStatus = (typeof GLANCE_STATUSES)[number];

export const VISIBILITIES = ['public', 'private', 'shared', 'community'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Timestamps are UTC ISO 8601 strings with microseconds: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (sortable as text). */
export type Timestamp = string;

export interface ImageMember {
  member: string;
  status: MemberStatus;
  can_share: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The largest min_ram or min_disk: the reference keeps them in 4-byte integer columns, as both stores do. */
export const MAX_INT = 2 ** 31 - 1;

export interface Image {
  id: string;
  name: string | null;
  status: GlanceStatus;
  visibility: Visibility;
  owner: string | null;
  protected: boolean;
  os_hidden: boolean;
  /** At most MAX_INT. */
  min_ram: number;
  /** At most MAX_INT. */
  min_disk: number;
  size: number | null;
  virtual_size: number | null;
  disk_format: string | null;
  container_format: string | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted: boolean;
  deleted_at: Timestamp | null;
  tags: string[];
  /**
   * Custom (non-base) properties in insertion order; both APIs emit them in this order. Null only for the core
   * properties the image schema lets be null (`kernel_id`, `ramdisk_id`), which the image service keeps so.
   */
  properties: Properties;
  /** True when image data is stored in the blob store. */
  has_data: boolean;
}

/** An image's custom properties by name. */
export type Properties = Record<string, string | null>;

/** Attributes the image service never lets a client write (its deserializer's `_readonly_properties`). */
export const READ_ONLY_ATTRIBUTES: ReadonlySet<string> = new Set([
  'created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id',
  'os_hash_algo', 'os_hash_value',
]);

/** Property names the image service keeps for itself. */
export function isReservedName(key: string): boolean {
  return key === 'location' || key === 'deleted' || key === 'deleted_at' || key.startsWith('os_glance');
}

/** The Glance v2 base attributes: everything else on an image is a custom property. */
export const BASE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'checksum', 'os_hash_algo', 'os_hash_value',
  'owner', 'size', 'virtual_size', 'container_format', 'disk_format', 'created_at', 'updated_at', 'tags',
  'direct_url', 'min_ram', 'min_disk', 'self', 'file', 'stores', 'schema', 'locations',
]);

/** Image ids are UUIDs in the image service's pattern (either case); nothing else is stored or listed. */
const IMAGE_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isImageId(id: string): boolean {
  return IMAGE_ID.test(id);
}

/** A new image as the image service creates it: queued, no data, defaults everywhere. */
export function newImage(id: string, owner: string | null, time: string): Image {
  return {
    id,
    name: null,
    status: 'queued',
    visibility: 'shared',
    owner,
    protected: false,
    os_hidden: false,
    min_ram: 0,
    min_disk: 0,
    size: null,
    virtual_size: null,
    disk_format: null,
    container_format: null,
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    created_at: time,
    updated_at: time,
    deleted: false,
    deleted_at: null,
    tags: [],
    properties: {},
    has_data: false,
  };
}
