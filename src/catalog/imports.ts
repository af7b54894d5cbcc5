/**
 * Interoperable image import (`glance/api/v2/images.py` import_image, `glance/async_/flows/api_image_import.py`):
 * an import is checked and recorded as a task at once, then runs in the background under the image's lease, as
 * Glance's task runs in its pool: the image importing, its data copied from the staging store (glance-direct) or
 * fetched (web-download) into the image store, then active; or, if that fails, queued again. The task records
 * how it ended. An import whose process stopped is given back by recovery, as uploads are. No HTTP in here;
 * failures are CatalogErrors in the image service's words.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../identity/context.js';
import { badRequest, conflict, isKind, notFound, unexplainedNotFound } from './errors.js';
import type { Image, Properties } from './image.js';
import { changeImage } from './image-changes.js';
import { DataRefused, writeImageData, type UploadLimits } from './image-data.js';
import { formatTimestamp, now } from './iso8601.js';
import type { ImagePolicy } from './policy.js';
import type { BlobStore, ImageStore, Receivers, TaskStore, UploadLeaseStore, WebData, WebSource } from './ports.js';
import type { CatalogService } from './service.js';
import { transition } from './status.js';
import { canBecome, TASK_TTL_MS, type Task, type TaskStatus } from './task.js';
import { holdLease, isHeld, type HeldLease } from './upload-lease.js';

/** The import methods this site offers, as the reference deployment lists them. */
export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image'] as const;
export type ImportMethod = (typeof IMPORT_METHODS)[number];

/** An import request as the API read it. */
export interface ImportRequest {
  method: ImportMethod;
  /** The method's `uri` as text (Python's `str` of what was sent), null when none was. */
  uri: string | null;
  allStoresMustSucceed: boolean;
  /** The request as sent, which the task records. */
  body: Record<string, unknown>;
}

/** The properties an import keeps on its image (the reference's reserved `os_glance_` namespace). */
const LOCK = 'os_glance_import_task';
const IMPORTING_TO = 'os_glance_importing_to_stores';
const FAILED_IN = 'os_glance_failed_import';
const STAGE_HOST = 'os_glance_stage_host';

/** A lock whose task has not moved for this long may be taken over; twice as long while it is pending. */
const LOCK_EXPIRY_MS = 60 * 60 * 1000;

/** The reference's words for any failure inside a task (`taskflow_executor`). */
const TASK_FAILED = 'Task failed due to Internal Error';
const INTERRUPTED = 'Import interrupted: the process running it stopped before it ended.';

const MiB = 1024 * 1024;

/** A failure whose words the task records as they are. */
class TaskFailure extends Error {}

export interface ImportStores {
  images: ImageStore;
  tasks: TaskStore;
  leases: UploadLeaseStore;
  blobs: BlobStore;
  /** Where glance-direct data was staged. */
  staging: BlobStore;
}

/** A store list as the reference keeps it in a property: sorted, distinct, comma-separated (`merge_store_list`). */
function storeList(value: string | null | undefined): string {
  return [...new Set((value ?? '').split(',').filter(Boolean))].sort().join(',');
}

function without(properties: Properties, ...keys: string[]): Properties {
  return Object.fromEntries(Object.entries(properties).filter(([key]) => !keys.includes(key)));
}

export class ImportService {
  /** The imports this process runs, each settling once its outcome is recorded. */
  private readonly running = new Map<Promise<void>, AbortController>();

  constructor(
    private readonly catalog: CatalogService,
    private readonly stores: ImportStores,
    private readonly web: WebSource,
    private readonly receivers: Receivers,
    private readonly policy: ImagePolicy,
  ) {}

  /**
   * Checks an import as the reference does, in its order, records its task and locks the image to it, then
   * starts it; resolves once it has started (the API answers 202 then). `requestId` is recorded with the task.
   */
  async startImport(ctx: RequestContext, id: string, request: ImportRequest, requestId: string, limits: UploadLimits): Promise<void> {
    let image = await this.catalog.findVisible(ctx, id);
    if (!image) throw notFound(`No image found with ID ${id}`);
    checkStatus(image, request.method);
    if (request.method === 'copy-image') this.policy.enforce(ctx, 'copy_image', image);
    else this.policy.enforceChange(ctx, 'modify_image', image);
    if (image.properties[LOCK] !== undefined) image = await this.takeOverStaleLock(image);
    // The reference fails here (500) looking for the store of a location a single store does not name.
    if (request.method === 'copy-image') throw badRequest('Image is already present in the only store of this site: there is nowhere to copy it.');
    if (!request.allStoresMustSucceed) throw badRequest(`All_stores_must_succeed can only be set with enabled_backends ${request.uri ?? 'None'}`);
    if (request.method === 'web-download' && (request.uri === null || !(await this.web.admits(request.uri)))) {
      throw badRequest(`URI for web-download does not pass filtering: ${request.uri ?? 'None'}`);
    }

    const inProgress = () => conflict(`New operation on image '${id}' is not permitted as prior operation is still in progress`);
    const lease = await holdLease(this.stores.leases, this.receivers, id, inProgress);
    const time = now();
    const task: Task = {
      id: randomUUID(),
      type: 'api_image_import',
      status: 'pending',
      owner: ctx.projectId,
      image_id: id,
      user_id: ctx.userId,
      request_id: requestId,
      input: { image_id: id, import_req: request.body, backend: [null] },
      result: null,
      message: '',
      expires_at: null,
      created_at: time,
      updated_at: time,
    };
    try {
      // The lock first (`set_property_atomic`): a task is recorded only for an import that holds it.
      await changeImage(this.stores.images, image, (current) => {
        if (current.properties[LOCK] !== undefined) throw inProgress();
        return { properties: { ...current.properties, [LOCK]: task.id }, updated_at: now() };
      });
      await this.stores.tasks.insertTask(task);
    } catch (err) {
      await this.unlock(id, task.id).catch(() => undefined);
      await lease.release();
      throw err;
    }
    this.launch(task, request, lease, limits);
  }

  /** The image's tasks the caller sees (its project's, or all for an admin), oldest first; not found unless it may read the image. */
  async imageTasks(ctx: RequestContext, id: string): Promise<Task[]> {
    if (!(await this.catalog.findReadable(ctx, id))) throw unexplainedNotFound();
    const tasks = await this.stores.tasks.imageTasks(id, now());
    return ctx.isAdmin ? tasks : tasks.filter((task) => task.owner === null || task.owner === ctx.projectId);
  }

  /** How many imports this process runs. */
  get underWay(): number {
    return this.running.size;
  }

  /** Resolves once no import runs here. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.keys()]);
  }

  /** Stops the imports this process runs: each is recorded as interrupted, its image queued again. */
  async stop(): Promise<void> {
    for (const controller of this.running.values()) controller.abort();
    await this.idle();
  }

  private launch(task: Task, request: ImportRequest, lease: HeldLease, limits: UploadLimits): void {
    const controller = new AbortController();
    const run: Promise<void> = this.run(task, request, limits, controller.signal)
      .catch((err: unknown) => console.error(`Import task ${task.id} of image ${task.image_id} could not record how it ended: ${(err as Error).message}`))
      .finally(() => {
        this.running.delete(run);
        return lease.release();
      });
    this.running.set(run, controller);
  }

  /** The import's work: the image importing, its data copied in, then active; or put back if anything fails. */
  private async run(task: Task, request: ImportRequest, limits: UploadLimits, signal: AbortSignal): Promise<void> {
    const { images, tasks, blobs, staging } = this.stores;
    const id = task.image_id;
    let status: TaskStatus = 'pending';
    let size: number;
    try {
      if (!(await tasks.updateTask(task.id, { status: 'processing', updated_at: now() }, 'pending'))) throw new Error('the task was ended meanwhile');
      status = 'processing';
      const locked = await this.lockedImage(id, task.id);
      const marked = await changeImage(images, locked, (current) => {
        if (current.properties[LOCK] !== task.id) throw new Error('the image lost its import lock');
        // The reference's `get_flow`: importing, no store importing or failed, no stage host.
        const properties = { ...current.properties, [IMPORTING_TO]: storeList(current.properties[IMPORTING_TO]), [FAILED_IN]: storeList(current.properties[FAILED_IN]) };
        return { status: transition(current.status, 'importing'), properties: without(properties, STAGE_HOST), updated_at: now() };
      });
      const source = await this.source(task, request, signal);
      const writer = await blobs.begin(id);
      let recorded: Partial<Image>;
      try {
        recorded = await writeImageData(writer, source.body, limits, marked);
      } catch (err) {
        throw err instanceof DataRefused ? new TaskFailure(err.message) : err;
      }
      size = recorded.size!;
      if (source.length !== null && size !== source.length) throw new Error(`downloaded data size ${size} is different from expected ${source.length}`);
      await changeImage(images, marked, (current) => {
        if (current.properties[LOCK] !== task.id || current.status !== 'importing') throw new Error('the image is no longer importing under this task');
        return { ...recorded, status: transition(current.status, 'active'), has_data: true, properties: without(current.properties, LOCK), updated_at: now() };
      });
    } catch (err) {
      const reason = signal.aborted ? INTERRUPTED : err instanceof TaskFailure ? err.message : TASK_FAILED;
      console.error(`Import task ${task.id} of image ${id} failed: ${signal.aborted ? INTERRUPTED : (err as Error).message}`);
      await this.putBack(task, status, reason);
      return;
    }
    // The image holds its data: what is left cannot undo that.
    await staging.delete(id).catch(() => undefined);
    // The reference's progress callback says how much it copied, once any was.
    const message = size >= 1 ? `Copied ${Math.floor(size / MiB)} MiB` : '';
    await tasks.updateTask(task.id, { status: 'success', result: { image_id: id }, message, expires_at: expiry(), updated_at: now() }, 'processing');
  }

  /** The image an import's task holds the lock of. */
  private async lockedImage(id: string, taskId: string): Promise<Image> {
    const image = await this.stores.images.getImage(id);
    if (!image || image.deleted || image.properties[LOCK] !== taskId) throw new Error('the image lost its import lock');
    return image;
  }

  /** The data an import copies in, and the length announced for it (web-download only). */
  private async source(task: Task, request: ImportRequest, signal: AbortSignal): Promise<WebData> {
    if (request.method === 'web-download') return this.web.open(request.uri!, signal);
    const staged = await this.stores.staging.open(task.image_id);
    if (!staged) throw new Error('the staged data is gone');
    signal.addEventListener('abort', () => staged.destroy(new Error(INTERRUPTED)), { once: true });
    return { body: staged, length: null };
  }

  /**
   * Ends a task that failed (or whose process stopped): its image, if it is still importing under the task's
   * lock, is queued again without the data the import wrote or staged; the lock goes in any case; the task
   * records `reason`. The reference leaves a failed glance-direct import's image importing for good (see README).
   */
  private async putBack(task: Task, status: TaskStatus, reason: string): Promise<void> {
    const { images, tasks, blobs, staging } = this.stores;
    const id = task.image_id;
    const image = await images.getImage(id);
    let dropData = !image || image.deleted;
    if (image && !image.deleted && image.properties[LOCK] === task.id) {
      try {
        await changeImage(images, image, (current) => {
          if (current.properties[LOCK] !== task.id) return null;
          dropData = current.status === 'importing';
          const properties = without(current.properties, LOCK);
          // Queued again, it has no data: no size either (a staged one's went with the staged data).
          return dropData ? { status: transition(current.status, 'queued'), size: null, properties, updated_at: now() } : { properties, updated_at: now() };
        });
      } catch (err) {
        if (!isKind(err, 'not_found')) throw err;
        dropData = true;
      }
    }
    if (dropData) {
      await blobs.delete(id);
      await staging.delete(id);
    }
    await tasks.updateTask(task.id, { status: 'failure', message: reason, expires_at: expiry(), updated_at: now() }, status);
  }

  /** Removes the lock of `taskId` from the image, if it still holds it. */
  private async unlock(id: string, taskId: string): Promise<void> {
    const image = await this.stores.images.getImage(id);
    if (!image || image.properties[LOCK] !== taskId) return;
    await changeImage(this.stores.images, image, (current) =>
      current.properties[LOCK] === taskId ? { properties: without(current.properties, LOCK), updated_at: now() } : null,
    );
  }

  /**
   * A lock left by another import (`_enforce_import_lock`): it stands while its task has moved within the expiry;
   * a lock whose task is gone, or has not moved since, is taken over, its task failed if it has not ended.
   * Returns the image without the lock.
   */
  private async takeOverStaleLock(image: Image): Promise<Image> {
    // Only imports write the lock (clients may not write os_glance_ properties), always a task's id.
    const holder = image.properties[LOCK] ?? '';
    const task = await this.stores.tasks.getTask(holder);
    const lockExpiry = task?.status === 'pending' ? 2 * LOCK_EXPIRY_MS : LOCK_EXPIRY_MS;
    if (task && Date.now() - Date.parse(task.updated_at) < lockExpiry) throw conflict('Image has active task');
    if (task && canBecome(task.status, 'failure')) {
      await this.stores.tasks.updateTask(task.id, { status: 'failure', message: 'Expired lock preempted', expires_at: expiry(), updated_at: now() }, task.status);
    }
    return changeImage(this.stores.images, image, (current) => {
      if (current.properties[LOCK] !== holder) throw conflict('Image has active task');
      return { properties: without(current.properties, LOCK), updated_at: now() };
    });
  }

  /**
   * Imports whose process stopped (their lease's holder is gone, see `upload-lease.ts`) end as failed ones do:
   * the image queued again, the task failed. With `among`, only those images' imports are looked at.
   */
  async recoverInterruptedImports(among?: string[]): Promise<number> {
    let recovered = 0;
    for (const task of await this.stores.tasks.unfinishedTasks()) {
      if (among && !among.includes(task.image_id)) continue;
      const lease = await this.stores.leases.uploadLease(task.image_id);
      if (lease && isHeld(this.receivers, lease)) continue;
      await this.putBack(task, task.status, INTERRUPTED);
      if (lease) await this.stores.leases.releaseUpload(task.image_id, lease.holder);
      recovered++;
    }
    return recovered;
  }

  /** Gives back the imports whose lease lapsed (their process on another machine stopped renewing it). */
  async recoverLapsedImports(): Promise<number> {
    const lapsed = await this.stores.leases.lapsedUploadLeases(new Date().toISOString());
    return lapsed.length === 0 ? 0 : this.recoverInterruptedImports(lapsed.map((lease) => lease.image_id));
  }

  /** Removes the tasks that expired. */
  purgeExpiredTasks(): Promise<number> {
    return this.stores.tasks.purgeExpiredTasks(now());
  }
}

/** The reference's status checks, in its order and words. */
function checkStatus(image: Image, method: ImportMethod): void {
  if (image.status === 'active' && method !== 'copy-image') throw conflict('Image with status active cannot be target for import');
  if (image.status !== 'active' && method === 'copy-image') throw conflict('Only images with status active can be targeted for copying');
  if (image.status !== 'queued' && method === 'web-download') throw conflict(`Image needs to be in 'queued' state to use '${method}' method`);
  // Staged in full, that is: an image still being staged has no size yet.
  if ((image.status !== 'uploading' || image.size === null) && method === 'glance-direct') {
    throw conflict("Image needs to be staged before 'glance-direct' method can be used");
  }
  if (!image.container_format) throw conflict("'container_format' needs to be set before import");
  if (!image.disk_format) throw conflict("'disk_format' needs to be set before import");
}

/** When a task that ends now expires. */
function expiry(): string {
  return formatTimestamp(new Date(Date.now() + TASK_TTL_MS));
}
