/** The one place that maps image-service statuses to the compute API's status and progress. */
import type { GlanceStatus } from '../../catalog/image.js';

const NOVA_STATUS: Partial<Record<GlanceStatus, { status: string; progress: number }>> = {
  queued: { status: 'SAVING', progress: 25 },
  saving: { status: 'SAVING', progress: 50 },
  active: { status: 'ACTIVE', progress: 100 },
  deleted: { status: 'DELETED', progress: 0 },
  pending_delete: { status: 'DELETED', progress: 0 },
  killed: { status: 'ERROR', progress: 0 },
};

const UNKNOWN = { status: 'UNKNOWN', progress: 0 };

export function novaStatus(status: GlanceStatus): { status: string; progress: number } {
  return NOVA_STATUS[status] ?? UNKNOWN;
}
