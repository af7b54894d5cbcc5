/** The snapshot part of the store contract, run by `storeContract` against every backend. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newImage, type Image } from '../catalog/image.js';
import type { ImageStore } from '../catalog/ports.js';
import type { Task } from '../catalog/task.js';
import type { Storage } from './storage.js';

const T = (second: number) => `2025-01-01T10:00:${String(second).padStart(2, '0')}.000000Z`;
const ID = '5e5e5e5e-0000-4000-8000-000000000001';
const LATER_ID = '5e5e5e5e-0000-4000-8000-000000000002';
const EMPTY = { associations: [], objects: [], properties: [], tags: [] };

const image = (id: string, name: string): Image => ({ ...newImage(id, 'p1', T(0)), name, status: 'active', properties: { os_distro: 'debian' }, tags: ['kept'] });
const member = { member: 'p2', status: 'accepted' as const, can_share: false, created_at: T(0), updated_at: T(0) };
const task: Task = {
  id: '5a5a5a5a-0000-4000-8000-000000000001', type: 'api_image_import', status: 'success', owner: 'p1', image_id: ID, user_id: 'u',
  request_id: 'req', input: {}, result: null, message: '', expires_at: null, created_at: T(0), updated_at: T(0),
};
const user = (name: string) => ({
  id: name.padEnd(32, '0'), name, enabled: true, password_hash: null, failed_logins: 0, last_failed_at: null, created_at: T(0),
});

export function snapshotContract(withStorage: (body: (images: ImageStore, storage: Storage) => Promise<void>) => () => Promise<void>): void {
  describe('snapshots', () => {
    test('a restore brings back the catalog as saved and moves its version; the accounts stay as they are', withStorage(async (images, storage) => {
      const { snapshots, identity, metadefs, tasks } = storage;
      await images.insertImage({ image: image(ID, 'saved'), members: [member] });
      await tasks.insertTask(task);
      assert.equal(await metadefs.createNamespace({ namespace: 'saved-ns', display_name: null, description: null, visibility: 'public', protected: false, owner: 'p1' }, EMPTY, { created_at: T(0), updated_at: T(0) }), 'done');
      await identity.insertUser(user('before'));
      await identity.insertProject({ id: 'a'.repeat(32), name: 'project', description: '', enabled: true, created_at: T(0) });
      const role = await identity.ensureRole({ id: 'r'.repeat(32), name: 'member' });
      await identity.assignRole(user('before').id, 'a'.repeat(32), role.id);
      const saved = await snapshots.save('s1');
      assert.equal(saved.name, 's1');
      assert.ok(!Number.isNaN(Date.parse(saved.created_at)));
      assert.deepEqual(await snapshots.list(), [saved]);

      assert.equal(await images.updateImage(ID, { name: 'changed', tags: [] }), true);
      await images.deleteMember(ID, 'p2');
      await images.insertImage({ image: image(LATER_ID, 'later'), members: [] });
      await metadefs.deleteNamespace((await metadefs.getNamespace('saved-ns'))!.id);
      await identity.insertUser(user('after'));
      const version = await images.version();

      assert.equal(await snapshots.restore('s1'), true);
      assert.notEqual(await images.version(), version);
      assert.deepEqual(await images.getImage(ID), image(ID, 'saved'));
      assert.deepEqual(await images.getMembers(ID), [member]);
      assert.equal(await images.getImage(LATER_ID), null);
      assert.deepEqual(await tasks.getTask(task.id), task);
      assert.ok(await metadefs.getNamespace('saved-ns'));
      assert.ok(await identity.findUser('before'));
      assert.ok(await identity.findUser('after'));
      assert.deepEqual(await identity.rolesOn(user('before').id, 'a'.repeat(32)), [role]);
      // Ids the store generates go on after the restored ones.
      assert.equal(await metadefs.createNamespace({ namespace: 'new-ns', display_name: null, description: null, visibility: 'public', protected: false, owner: 'p1' }, EMPTY, { created_at: T(1), updated_at: T(1) }), 'done');
    }));

    test('a save under a taken name replaces that snapshot; unknown names restore and delete nothing', withStorage(async (images, { snapshots }) => {
      await images.insertImage({ image: image(ID, 'first'), members: [] });
      await snapshots.save('same');
      await images.updateImage(ID, { name: 'second' });
      await snapshots.save('same');
      await snapshots.save('other');
      await images.updateImage(ID, { name: 'third' });
      assert.deepEqual((await snapshots.list()).map((s) => s.name), ['other', 'same']);
      assert.equal(await snapshots.restore('same'), true);
      assert.equal((await images.getImage(ID))?.name, 'second');

      assert.equal(await snapshots.restore('missing'), false);
      assert.equal(await snapshots.delete('missing'), false);
      assert.equal(await snapshots.delete('same'), true);
      assert.equal(await snapshots.restore('same'), false);
      assert.deepEqual((await snapshots.list()).map((s) => s.name), ['other']);
    }));

    test('clear empties the catalog and moves its version; the accounts stay', withStorage(async (images, { snapshots, identity, tasks }) => {
      await images.insertImage({ image: image(ID, 'gone'), members: [member] });
      await tasks.insertTask(task);
      await identity.insertUser(user('kept'));
      const version = await images.version();
      await snapshots.clear();
      assert.notEqual(await images.version(), version);
      assert.equal(await images.countImages(), 0);
      assert.equal(await tasks.getTask(task.id), null);
      assert.ok(await identity.findUser('kept'));
    }));
  });
}
