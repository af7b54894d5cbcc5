/** Image API views (`glance/api/v2/images.py` ResponseSerializer): images and members to JSON. */
import type { Image, ImageMember } from '../../catalog/image.js';
import { isoSeconds } from '../../catalog/iso8601.js';

/** Custom properties first, then the base attributes, as the reference emits them. */
export function imageView(image: Image): Record<string, unknown> {
  return {
    ...image.properties,
    name: image.name,
    disk_format: image.disk_format,
    container_format: image.container_format,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtual_size,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.min_ram,
    min_disk: image.min_disk,
    owner: image.owner,
    os_hidden: image.os_hidden,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    id: image.id,
    created_at: isoSeconds(image.created_at),
    updated_at: isoSeconds(image.updated_at),
    tags: image.tags,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

// Images a list hands out are frozen and shared while unchanged, so their JSON can be kept with them.
const imageTexts = new WeakMap<Image, string>();

/** `imageView` as JSON text; remembered for the shared (frozen) images of list pages. */
export function imageJson(image: Image): string {
  let text = imageTexts.get(image);
  if (text === undefined) {
    text = JSON.stringify(imageView(image));
    if (Object.isFrozen(image)) imageTexts.set(image, text);
  }
  return text;
}

export function memberView(imageId: string, member: ImageMember): Record<string, unknown> {
  return {
    member_id: member.member,
    image_id: imageId,
    status: member.status,
    created_at: isoSeconds(member.created_at),
    updated_at: isoSeconds(member.updated_at),
    schema: '/v2/schemas/member',
  };
}
