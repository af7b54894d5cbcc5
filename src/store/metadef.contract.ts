/** The metadata definition part of the store contract, run by `storeContract` against every backend. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageStore } from '../catalog/ports.js';
import type { ItemInput, NamespaceContents, NamespaceInput, StoredNamespace } from '../catalog/metadefs/model.js';
import type { MetadefStore, NamespaceFilter } from '../catalog/metadefs/ports.js';
import type { Storage } from './storage.js';

const T = (second: number) => `2025-01-01T10:00:${String(second).padStart(2, '0')}.000000Z`;
const STAMP = { created_at: T(0), updated_at: T(0) };
const LOADED = { created_at: T(0), updated_at: null };
const EMPTY: NamespaceContents = { associations: [], objects: [], properties: [], tags: [] };
const EVERYONE: NamespaceFilter = { ownerOrPublic: null };

function ns(name: string, overrides: Partial<NamespaceInput> = {}): NamespaceInput {
  return { namespace: name, display_name: null, description: null, visibility: 'private', protected: false, owner: 'p1', ...overrides };
}

const object = (name: string, overrides: Partial<ItemInput<'object'>> = {}): ItemInput<'object'> => ({ name, description: null, required: [], properties: {}, ...overrides });
const property = (name: string, title = name): ItemInput<'property'> => ({ name, schema: { type: 'string', title } });

/** Creates namespaces in order, a second apart, and answers each as stored. */
async function made(store: MetadefStore, namespaces: NamespaceInput[], contents: NamespaceContents = EMPTY): Promise<StoredNamespace[]> {
  const stored: StoredNamespace[] = [];
  for (const [i, namespace] of namespaces.entries()) {
    assert.equal(await store.createNamespace(namespace, contents, { created_at: T(i), updated_at: T(i) }), 'done');
    stored.push((await store.getNamespace(namespace.namespace))!);
  }
  return stored;
}

const names = (rows: Array<{ name: string }>) => rows.map((row) => row.name);
const namespaceNames = (rows: StoredNamespace[]) => rows.map((row) => row.namespace);

export function metadefContract(withStorage: (body: (images: ImageStore, storage: Storage) => Promise<void>) => () => Promise<void>): void {
  const withStore = (body: (store: MetadefStore) => Promise<void>) => withStorage((_images, storage) => body(storage.metadefs));

  describe('metadata definitions: namespaces', () => {
    test('a namespace reads back as created; a file that names no visibility or protection reads private and unprotected', withStore(async (store) => {
      const full = ns('OS::Glint::Full', { display_name: 'Full ✓', description: 'd'.repeat(5000), visibility: 'public', protected: true, owner: 'p2' });
      assert.equal(await store.createNamespace(full, EMPTY, STAMP), 'done');
      const stored = await store.getNamespace('OS::Glint::Full');
      assert.ok(stored && Number.isInteger(stored.id));
      assert.deepEqual({ ...stored, id: 0 }, { ...full, visibility: 'public', protected: true, ...STAMP, id: 0 });
      assert.equal(await store.createNamespace(ns('loaded', { visibility: null, protected: null, owner: 'admin' }), EMPTY, LOADED), 'done');
      const loaded = (await store.getNamespace('loaded'))!;
      assert.equal(loaded.visibility, 'private');
      assert.equal(loaded.protected, false);
      assert.equal(loaded.updated_at, null);
      assert.equal(await store.getNamespace('nope'), null);
    }));

    test('a second namespace of a name stores nothing of itself or its contents', withStore(async (store) => {
      await made(store, [ns('a')]);
      const contents = { ...EMPTY, objects: [object('o')], tags: [{ name: 't' }], associations: [{ name: 'R', prefix: null, properties_target: null }] };
      assert.equal(await store.createNamespace(ns('a', { owner: 'other' }), contents, STAMP), 'duplicate');
      const stored = (await store.getNamespace('a'))!;
      assert.equal(stored.owner, 'p1');
      assert.deepEqual(await store.listItems('object', stored.id), []);
      assert.deepEqual(await store.listResourceTypes(), []);
    }));

    test('contents are made with the namespace: resource types as needed, objects and properties by name, tags newest first', withStore(async (store) => {
      const contents: NamespaceContents = {
        associations: [{ name: 'Glint::B', prefix: 'b_', properties_target: 'image' }, { name: 'Glint::A', prefix: null, properties_target: null }],
        objects: [object('zeta', { description: 'Z', required: ['x', 'y'], properties: { x: { type: 'integer', title: 'X', minimum: 1 } } }), object('alpha')],
        properties: [property('p2'), property('p1')],
        tags: [{ name: 't1' }, { name: 't2' }],
      };
      assert.equal(await store.createNamespace(ns('n'), contents, STAMP, { protect: true }), 'done');
      const { id } = (await store.getNamespace('n'))!;
      const objects = await store.listItems('object', id);
      assert.deepEqual(names(objects), ['alpha', 'zeta']);
      assert.deepEqual({ ...objects[1], id: 0 }, { ...contents.objects[0], ...STAMP, id: 0 });
      assert.deepEqual(names(await store.listItems('property', id)), ['p1', 'p2']);
      assert.deepEqual((await store.getItem('property', id, 'p2'))?.schema, { type: 'string', title: 'p2' });
      // Made in the same instant, the later is listed first.
      assert.deepEqual(names(await store.listItems('tag', id)), ['t2', 't1']);
      const associations = (await store.associations([id])).get(id)!;
      assert.deepEqual(associations, [
        { name: 'Glint::B', prefix: 'b_', properties_target: 'image', ...STAMP },
        { name: 'Glint::A', prefix: null, properties_target: null, ...STAMP },
      ]);
      assert.deepEqual(await store.listResourceTypes(), [
        { name: 'Glint::B', protected: true, ...STAMP },
        { name: 'Glint::A', protected: true, ...STAMP },
      ]);
    }));

    test('a list sees what its filter lets it: owner or public, a visibility as stored, resource types', withStore(async (store) => {
      await made(store, [ns('mine'), ns('theirs', { owner: 'p2' }), ns('public', { owner: 'p2', visibility: 'public' }), ns('unset', { owner: 'p2', visibility: null })]);
      const all = { key: 'created_at' as const, dir: 'asc' as const };
      assert.deepEqual(namespaceNames(await store.listNamespaces({ ownerOrPublic: 'p1' }, all)), ['mine', 'public']);
      assert.deepEqual(namespaceNames(await store.listNamespaces(EVERYONE, all)), ['mine', 'theirs', 'public', 'unset']);
      assert.deepEqual(namespaceNames(await store.listNamespaces({ ownerOrPublic: null, visibility: 'private' }, all)), ['mine', 'theirs']);
      const theirs = (await store.getNamespace('theirs'))!;
      const mine = (await store.getNamespace('mine'))!;
      assert.equal(await store.associate(theirs.id, { name: 'R1', prefix: null, properties_target: null }, T(9)), 'done');
      assert.equal(await store.associate(mine.id, { name: 'R2', prefix: null, properties_target: null }, T(9)), 'done');
      assert.deepEqual(namespaceNames(await store.listNamespaces({ ownerOrPublic: null, resourceTypes: ['R1', 'R2'] }, all)), ['mine', 'theirs']);
      assert.deepEqual(namespaceNames(await store.listNamespaces({ ownerOrPublic: 'p1', resourceTypes: ['R1'] }, all)), []);
      assert.deepEqual(namespaceNames(await store.listNamespaces({ ownerOrPublic: null, resourceTypes: [''] }, all)), []);
    }));

    test('lists sort by a key, then when made, then as made, one way; a page continues after its marker as paginate_query has it', withStore(async (store) => {
      const stored = await made(store, [
        ns('c', { display_name: 'B' }), ns('a', { display_name: null }), ns('b', { display_name: 'A' }), ns('d', { display_name: 'B' }),
      ]);
      const [c, a, b, d] = stored;
      const list = (key: 'display_name' | 'created_at' | 'namespace' | 'id', dir: 'asc' | 'desc', marker?: StoredNamespace, limit?: number) =>
        store.listNamespaces(EVERYONE, { key, dir, marker, limit }).then(namespaceNames);
      // Nulls first going up, last going down, as SQLite sorts them.
      assert.deepEqual(await list('display_name', 'asc'), ['a', 'b', 'c', 'd']);
      assert.deepEqual(await list('display_name', 'desc'), ['d', 'c', 'b', 'a']);
      assert.deepEqual(await list('created_at', 'desc'), ['d', 'b', 'a', 'c']);
      assert.deepEqual(await list('id', 'asc'), ['c', 'a', 'b', 'd']);
      assert.deepEqual(await list('namespace', 'desc', undefined, 2), ['d', 'c']);
      assert.deepEqual(await list('display_name', 'asc', b), ['c', 'd']);
      assert.deepEqual(await list('display_name', 'desc', c, 1), ['b']);
      assert.deepEqual(await list('created_at', 'desc', b), ['a', 'c']);
      // A marker whose key is null compares only when it was made: every later-made namespace follows it.
      assert.deepEqual(await list('display_name', 'asc', a), ['b', 'd']);
      assert.deepEqual(await list('namespace', 'asc', d), []);
      assert.equal(a.display_name, null);
    }));

    test('an update replaces the attributes; a name taken changes nothing; a namespace gone is said so', withStore(async (store) => {
      const [first] = await made(store, [ns('first', { display_name: 'F' }), ns('second')]);
      const renamed = ns('renamed', { description: 'new', visibility: 'public', protected: true, owner: 'p3' });
      assert.equal(await store.updateNamespace(first.id, renamed, T(30)), 'done');
      const stored = (await store.getNamespace('renamed'))!;
      assert.deepEqual({ ...stored }, { ...renamed, visibility: 'public', protected: true, id: first.id, created_at: first.created_at, updated_at: T(30) });
      assert.equal(await store.updateNamespace(first.id, ns('second'), T(31)), 'duplicate');
      assert.equal((await store.getNamespace('renamed'))?.updated_at, T(30));
      assert.equal(await store.updateNamespace(first.id + 1000, ns('x'), T(31)), 'gone');
    }));

    test('deleting a namespace takes all it holds, and leaves resource types and other namespaces', withStore(async (store) => {
      const contents = { associations: [{ name: 'R', prefix: null, properties_target: null }], objects: [object('o')], properties: [property('p')], tags: [{ name: 't' }] };
      const [gone, kept] = await made(store, [ns('gone'), ns('kept')], contents);
      await store.deleteNamespace(gone.id);
      assert.equal(await store.getNamespace('gone'), null);
      for (const kind of ['object', 'property', 'tag'] as const) {
        assert.deepEqual(await store.listItems(kind, gone.id), []);
        assert.equal((await store.listItems(kind, kept.id)).length, 1);
      }
      assert.equal((await store.associations([gone.id, kept.id])).get(gone.id), undefined);
      assert.deepEqual(names(await store.listResourceTypes()), ['R']);
    }));
  });

  describe('metadata definitions: objects, properties and tags', () => {
    test('items are made, read, renamed and removed; a name taken in their namespace changes nothing', withStore(async (store) => {
      const [n, other] = await made(store, [ns('n'), ns('other')]);
      assert.equal(await store.createItem('object', n.id, object('o1', { required: ['a'] }), T(1)), 'done');
      assert.equal(await store.createItem('object', other.id, object('o1'), T(1)), 'done');
      assert.equal(await store.createItem('object', n.id, object('o1'), T(2)), 'duplicate');
      assert.equal(await store.createItem('object', n.id + 1000, object('o9'), T(2)), 'gone');
      assert.equal(await store.createItem('object', n.id, object('o2'), T(3)), 'done');
      const o2 = (await store.getItem('object', n.id, 'o2'))!;
      assert.equal(await store.updateItem('object', o2.id, object('o1'), T(4)), 'duplicate');
      assert.equal(await store.updateItem('object', o2.id, object('o3', { description: 'D', properties: { p: { title: 'P', type: 'string' } } }), T(5)), 'done');
      assert.deepEqual({ ...(await store.getItem('object', n.id, 'o3'))! }, {
        id: o2.id, name: 'o3', description: 'D', required: [], properties: { p: { title: 'P', type: 'string' } }, created_at: T(3), updated_at: T(5),
      });
      assert.equal(await store.getItem('object', n.id, 'o2'), null);
      assert.equal(await store.updateItem('object', o2.id + 1000, object('x'), T(6)), 'gone');
      await store.deleteItem('object', o2.id);
      assert.deepEqual(names(await store.listItems('object', n.id)), ['o1']);
      assert.deepEqual((await store.getItem('object', n.id, 'o1'))?.required, ['a']);
    }));

    test('emptying a namespace of one kind leaves its other kinds and other namespaces', withStore(async (store) => {
      const contents = { ...EMPTY, objects: [object('o')], properties: [property('p')], tags: [{ name: 't' }] };
      const [n, other] = await made(store, [ns('n'), ns('other')], contents);
      await store.clearItems('property', n.id);
      assert.deepEqual(await store.listItems('property', n.id), []);
      assert.equal((await store.listItems('object', n.id)).length, 1);
      assert.equal((await store.listItems('tag', n.id)).length, 1);
      assert.equal((await store.listItems('property', other.id)).length, 1);
    }));

    test('tags come in a batch, in place of the others or after them, and a name taken twice stores none', withStore(async (store) => {
      const [n] = await made(store, [ns('n')], { ...EMPTY, tags: [{ name: 'old' }] });
      assert.deepEqual(await store.addTags(n.id, ['a', 'b', 'a'], false, T(1)), { duplicate: 'a' });
      assert.deepEqual(names(await store.listItems('tag', n.id)), ['old']);
      assert.equal(await store.addTags(n.id, ['a', 'b'], false, T(1)), 'done');
      assert.deepEqual(names(await store.listItems('tag', n.id)), ['b', 'a']);
      assert.deepEqual(await store.addTags(n.id, ['c', 'a'], true, T(2)), { duplicate: 'a' });
      assert.equal(await store.addTags(n.id, ['c'], true, T(2)), 'done');
      assert.deepEqual(names(await store.listItems('tag', n.id)), ['c', 'b', 'a']);
      assert.equal(await store.addTags(n.id + 1000, ['x'], true, T(3)), 'gone');
    }));

    test('a tag list sorts and pages as the namespace list does', withStore(async (store) => {
      const [n] = await made(store, [ns('n')]);
      for (const [i, name] of ['b', 'a', 'c'].entries()) assert.equal(await store.createItem('tag', n.id, { name }, T(i)), 'done');
      const [b] = [await store.getItem('tag', n.id, 'b')];
      const page = (key: 'name' | 'created_at', dir: 'asc' | 'desc', marker?: typeof b, limit?: number) =>
        store.listTags(n.id, { key, dir, marker: marker ?? undefined, limit }).then(names);
      assert.deepEqual(await page('created_at', 'desc'), ['c', 'a', 'b']);
      assert.deepEqual(await page('name', 'asc'), ['a', 'b', 'c']);
      assert.deepEqual(await page('name', 'asc', b, 5), ['c']);
      assert.deepEqual(await page('created_at', 'asc', b, 1), ['a']);
      assert.deepEqual(await page('name', 'desc', undefined, 0), []);
    }));
  });

  describe('metadata definitions: resource types and loads', () => {
    test('an association makes its resource type unprotected; a second one of a type is refused; dissociating leaves the type', withStore(async (store) => {
      const [n] = await made(store, [ns('n')]);
      assert.equal(await store.associate(n.id, { name: 'R', prefix: 'r_', properties_target: 'image' }, T(5)), 'done');
      assert.equal(await store.associate(n.id, { name: 'R', prefix: null, properties_target: null }, T(6)), 'duplicate');
      assert.equal(await store.associate(n.id + 1000, { name: 'S', prefix: null, properties_target: null }, T(6)), 'gone');
      assert.deepEqual(await store.listResourceTypes(), [{ name: 'R', protected: false, created_at: T(5), updated_at: T(5) }]);
      assert.deepEqual((await store.associations([n.id])).get(n.id), [{ name: 'R', prefix: 'r_', properties_target: 'image', created_at: T(5), updated_at: T(5) }]);
      await store.dissociate(n.id, 'R');
      assert.equal((await store.associations([n.id])).get(n.id), undefined);
      assert.equal((await store.listResourceTypes()).length, 1);
    }));

    test('a merge adds what a namespace lacks, and rewrites what it has only when the file is preferred', withStore(async (store) => {
      const first: NamespaceContents = {
        associations: [{ name: 'R', prefix: 'a_', properties_target: null }],
        objects: [object('o', { description: 'first', required: ['x'] })],
        properties: [property('p', 'first')],
        tags: [{ name: 't' }],
      };
      assert.equal(await store.createNamespace(ns('n', { display_name: 'first' }), first, LOADED, { protect: true }), 'done');
      const { id } = (await store.getNamespace('n'))!;
      const second: NamespaceContents = {
        associations: [{ name: 'R', prefix: 'b_', properties_target: 'image' }, { name: 'S', prefix: null, properties_target: null }],
        objects: [object('o', { description: 'second' }), object('o2')],
        properties: [property('p', 'second'), property('p2')],
        tags: [{ name: 't' }, { name: 't2' }],
      };
      await store.mergeNamespace(id, null, second, T(10), false);
      assert.equal((await store.getNamespace('n'))?.display_name, 'first');
      assert.deepEqual((await store.associations([id])).get(id)?.map((a) => [a.name, a.prefix, a.updated_at]), [['R', 'a_', null], ['S', null, null]]);
      assert.equal((await store.getItem('object', id, 'o'))?.description, 'first');
      assert.equal((await store.getItem('property', id, 'p'))?.schema.title, 'first');
      assert.deepEqual(names(await store.listItems('object', id)), ['o', 'o2']);
      assert.deepEqual(names(await store.listItems('tag', id)), ['t2', 't']);
      assert.deepEqual((await store.listResourceTypes()).map((r) => [r.name, r.protected, r.updated_at]), [['R', true, null], ['S', true, null]]);

      await store.mergeNamespace(id, ns('n', { display_name: 'second' }), second, T(20), true);
      const merged = (await store.getNamespace('n'))!;
      assert.deepEqual([merged.display_name, merged.updated_at], ['second', T(20)]);
      assert.deepEqual((await store.associations([id])).get(id)?.map((a) => [a.name, a.prefix, a.properties_target, a.updated_at]), [
        ['R', 'b_', 'image', T(20)], ['S', null, null, T(20)],
      ]);
      const o = (await store.getItem('object', id, 'o'))!;
      // A load never states what an object requires, and so leaves it.
      assert.deepEqual([o.description, o.required, o.updated_at], ['second', ['x'], T(20)]);
      assert.deepEqual([(await store.getItem('property', id, 'p'))?.schema.title, (await store.getItem('tag', id, 't'))?.updated_at], ['second', T(20)]);
      assert.deepEqual((await store.listResourceTypes()).map((r) => r.updated_at), [T(20), T(20)]);
    }));

    test('a namespace made again in place of another goes with all it held, in one change', withStore(async (store) => {
      const [old] = await made(store, [ns('n', { display_name: 'old' })], { ...EMPTY, objects: [object('old')], tags: [{ name: 'old' }] });
      assert.equal(await store.createNamespace(ns('n', { display_name: 'new' }), { ...EMPTY, objects: [object('new')] }, LOADED, { replacing: old.id }), 'done');
      const stored = (await store.getNamespace('n'))!;
      assert.equal(stored.display_name, 'new');
      assert.deepEqual(names(await store.listItems('object', stored.id)), ['new']);
      assert.deepEqual(await store.listItems('tag', stored.id), []);
    }));
  });
}
