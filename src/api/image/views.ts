/** Image API views (`glance/api/v2/images.py` ResponseSerializer): images, members and tasks to JSON. */
import type { Image, ImageMember } from '../../catalog/image.js';
import { isoSeconds } from '../../catalog/iso8601.js';
import type { Task } from '../../catalog/task.js';

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
const imageTexts = new WeakMap<Image, Buffer>();

/** `imageView` as JSON bytes; remembered for the shared (frozen) images of list pages. */
function imageJson(image: Image): Buffer {
  let bytes = imageTexts.get(image);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(imageView(image)));
    if (Object.isFrozen(image)) imageTexts.set(image, bytes);
  }
  return bytes;
}

const LIST_OPEN = Buffer.from('{"images":[');
const COMMA = Buffer.from(',');

/**
 * A list answer: the images, then the `first` link, the schema and the `next` link when there is one (the
 * reference's key order). Joined once from the images' kept bytes, so a new question costs no rendering of them.
 */
export function imageListBody(images: readonly Image[], first: string, next: string | undefined): Buffer {
  const out: Buffer[] = [LIST_OPEN];
  for (let i = 0; i < images.length; i++) {
    if (i > 0) out.push(COMMA);
    out.push(imageJson(images[i]));
  }
  const links = next === undefined ? '' : `,"next":${JSON.stringify(next)}`;
  out.push(Buffer.from(`],"first":${JSON.stringify(first)},"schema":"/v2/schemas/images"${links}}`));
  return Buffer.concat(out);
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

/** A time as Python's `datetime.isoformat()` writes a naive UTC one: no zone, microseconds unless there are none. */
function pythonIsoformat(timestamp: string | null): string | null {
  if (timestamp === null) return null;
  const [seconds, fraction] = timestamp.replace('Z', '').split('.');
  return fraction === undefined || /^0+$/.test(fraction) ? seconds : `${seconds}.${fraction}`;
}

/** A task as an image's task list shows it: the database record as it is (`glance/db/sqlalchemy/api.py` _task_format). */
export function imageTaskView(task: Task): Record<string, unknown> {
  return {
    id: task.id,
    type: task.type,
    status: task.status,
    owner: task.owner,
    expires_at: pythonIsoformat(task.expires_at),
    created_at: pythonIsoformat(task.created_at),
    updated_at: pythonIsoformat(task.updated_at),
    deleted_at: null,
    deleted: false,
    image_id: task.image_id,
    request_id: task.request_id,
    user_id: task.user_id,
    input: task.input,
    result: task.result,
    message: task.message,
  };
}
