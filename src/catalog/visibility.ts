/** Who may see and change an image: the reference image service's rules, in one place. */
import type { RequestContext } from '../identity/context.js';
import type { Image, ImageMember } from './image.js';

/**
 * Whether a project may see one image (show, marker, metadata reads). Wider than the default
 * list: community images and shares in any member status are visible too.
 */
export function canSee(ctx: RequestContext, image: Image, membership: ImageMember | null): boolean {
  if (ctx.isAdmin || image.owner === null) return true;
  if (image.visibility === 'public' || image.visibility === 'community') return true;
  if (image.owner === ctx.projectId) return true;
  return image.visibility === 'shared' && membership !== null;
}

/** Whether a project may change or delete an image: its owner, or an admin. */
export function canModify(ctx: RequestContext, image: Image): boolean {
  return ctx.isAdmin || image.owner === ctx.projectId;
}
