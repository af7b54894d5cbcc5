/**
 * The image status machine (Glance `glance/domain/__init__.py`): which status may follow which.
 * Every status change in the catalog goes through `transition`.
 */
import type { GlanceStatus, Image } from './image.js';
import { badRequest, conflict } from './errors.js';

const ALLOWED: Record<GlanceStatus, readonly GlanceStatus[]> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deactivated: ['active', 'deleted'],
  deleted: [],
};

export function canTransition(from: GlanceStatus, to: GlanceStatus): boolean {
  return ALLOWED[from].includes(to);
}

/** Returns the new status, or fails as the reference does for a transition its table lacks. */
export function transition(from: GlanceStatus, to: GlanceStatus): GlanceStatus {
  if (!canTransition(from, to)) throw transitionRefused(from, to);
  return to;
}

/** The reference's failure for a transition its table lacks. */
export function transitionRefused(from: GlanceStatus, to: GlanceStatus): Error {
  return conflict(`Image status transition from ${from} to ${to} is not allowed`);
}

/** An image takes data only once both its formats are set (the status setter of `glance/domain`); refused, naming those missing. */
export function checkFormatsForData(image: Pick<Image, 'disk_format' | 'container_format'>): void {
  const missing = (['disk_format', 'container_format'] as const).filter((key) => !image[key]);
  if (missing.length === 1) throw badRequest(`Property ${missing[0]} must be set prior to saving data.`);
  if (missing.length > 1) throw badRequest(`Properties ${missing.join(', ')} must be set prior to saving data.`);
}
