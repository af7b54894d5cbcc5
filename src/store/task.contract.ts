/** The task part of the store contract, run by `storeContract` against every backend. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageStore, TaskStore } from '../catalog/ports.js';
import type { Task } from '../catalog/task.js';
import type { Storage } from './storage.js';

const IMAGE = '7e0e0e0e-0000-4000-8000-00000000a001';
const OTHER_IMAGE = '7e0e0e0e-0000-4000-8000-00000000a002';

function task(n: number, overrides: Partial<Task> = {}): Task {
  return {
    id: `5a5a5a5a-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type: 'api_image_import',
    status: 'pending',
    owner: 'p',
    image_id: IMAGE,
    user_id: 'u',
    request_id: `req-${n}`,
    input: { image_id: IMAGE, import_req: { method: { name: 'web-download', uri: 'http://example.com/ä "quoted"' } }, backend: [null] },
    result: null,
    message: '',
    expires_at: null,
    created_at: `2025-01-01T00:00:0${n}.000000Z`,
    updated_at: `2025-01-01T00:00:0${n}.000000Z`,
    ...overrides,
  };
}

export function taskContract(withStorage: (body: (images: ImageStore, storage: Storage) => Promise<void>) => () => Promise<void>): void {
  /** A test body on the task store of storage of its own. */
  const withStore = (body: (store: TaskStore) => Promise<void>) => withStorage((_images, storage) => body(storage.tasks));

  describe('tasks', () => {
    test('a task reads back as it was written, input and result included', withStore(async (store) => {
      const done = task(1, { status: 'success', result: { image_id: IMAGE }, message: 'Copied 0 MiB', expires_at: '2025-01-03T00:00:01.000000Z' });
      await store.insertTask(done);
      assert.deepEqual(await store.getTask(done.id), done);
      assert.equal(await store.getTask(task(9).id), null);
    }));

    test('a task changes only while it is in the status the writer read', withStore(async (store) => {
      await store.insertTask(task(1));
      assert.equal(await store.updateTask(task(1).id, { status: 'processing', updated_at: '2025-01-01T00:00:05.000000Z' }, 'pending'), true);
      assert.equal(await store.updateTask(task(1).id, { status: 'failure', message: 'late' }, 'pending'), false);
      const ended = { status: 'failure' as const, message: 'why', result: null, expires_at: '2025-01-03T00:00:00.000000Z' };
      assert.equal(await store.updateTask(task(1).id, ended, 'processing'), true);
      assert.deepEqual(await store.getTask(task(1).id), task(1, { ...ended, updated_at: '2025-01-01T00:00:05.000000Z' }));
      assert.equal(await store.updateTask(task(9).id, { message: 'x' }, 'pending'), false);
    }));

    test("an image's tasks are those not expired, oldest first; the unfinished ones are pending or processing", withStore(async (store) => {
      const tasks = [
        task(3, { status: 'processing' }),
        task(1, { status: 'success', expires_at: '2025-01-02T00:00:00.000000Z' }),
        task(2, { status: 'failure', expires_at: '2025-01-03T00:00:00.000000Z' }),
        task(4, { image_id: OTHER_IMAGE }),
      ];
      for (const t of tasks) await store.insertTask(t);
      const ids = (list: Task[]) => list.map((t) => t.id);
      assert.deepEqual(ids(await store.imageTasks(IMAGE, '2025-01-01T12:00:00.000000Z')), [task(1).id, task(2).id, task(3).id]);
      assert.deepEqual(ids(await store.imageTasks(IMAGE, '2025-01-02T12:00:00.000000Z')), [task(2).id, task(3).id]);
      assert.deepEqual(ids(await store.unfinishedTasks()), [task(3).id, task(4).id]);
      assert.equal(await store.purgeExpiredTasks('2025-01-02T12:00:00.000000Z'), 1);
      assert.equal(await store.getTask(task(1).id), null);
      assert.deepEqual(ids(await store.imageTasks(IMAGE, '2025-01-01T12:00:00.000000Z')), [task(2).id, task(3).id]);
    }));
  });
}
