/**
 * The image service's tasks (`glance/domain/__init__.py` Task): the record of an import, which the image's
 * task list shows while it runs and for a while after it ends.
 */
import type { Timestamp } from './image.js';

export const TASK_STATUSES = ['pending', 'processing', 'success', 'failure'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The reference's task statuses that come next (`Task._validate_task_status_transition`). */
const NEXT: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: ['processing', 'failure'],
  processing: ['success', 'failure'],
  success: [],
  failure: [],
};

export function canBecome(from: TaskStatus, to: TaskStatus): boolean {
  return NEXT[from].includes(to);
}

export interface Task {
  id: string;
  /** Only imports are made here (`api_image_import`). */
  type: string;
  status: TaskStatus;
  /** The project that started it, which alone (and admins) sees it. */
  owner: string | null;
  image_id: string;
  user_id: string;
  request_id: string;
  /** What it was asked to do, as the reference records it (the request as sent). */
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  message: string;
  /** Set when it ends: from then it is kept for TASK_TTL_MS. */
  expires_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The reference's `task_time_to_live`: 48 hours from the end. */
export const TASK_TTL_MS = 48 * 3600 * 1000;
