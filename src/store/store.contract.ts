/**
 * The behaviour every storage backend must share, as one node:test suite. A backend's test file calls
 * `storeContract(name, open)`; the suite uses nothing but the domain's store interfaces, so SQLite today and
 * PostgreSQL later answer to the same checks.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_INT, newImage, type Image, type ImageMember } from '../catalog/image.js';
import type { Condition, ListScope, SortOrder, TimeField, TimeOp } from '../catalog/query.js';
import { identityContract } from './identity.contract.js';
import { metadefContract } from './metadef.contract.js';
import { snapshotContract } from './snapshot.contract.js';
import { taskContract } from './task.contract.js';
import type { Cursor, ImageStore, StoredImage } from '../catalog/ports.js';
import type { Storage } from './storage.js';

// Projects. Project ids are opaque strings to the store.
const ME = 'project-me';
const OTHER = 'project-other';
const THIRD = 'project-third';
const ADMIN_PROJECT = 'project-admin';

const MY_SCOPE: ListScope = { projectId: ME, isAdmin: false };
const ADMIN_SCOPE: ListScope = { projectId: ADMIN_PROJECT, isAdmin: true };

/** More than any test inserts: "give me the whole list". */
const ALL = 10_000;

/** A UUID-shaped id whose order (as text) follows `n`. */
function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A catalog timestamp (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) `second` seconds and `micro` µs after a fixed hour. */
function ts(second: number, micro = 0): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `2025-01-01T10:${pad(Math.floor(second / 60))}:${pad(second % 60)}.${pad(micro, 6)}Z`;
}

let nextId = 1;

/** An active public image owned by OTHER, with every nullable attribute null; `overrides` wins. */
function image(overrides: Partial<Image> = {}): Image {
  return { ...newImage(uuid(nextId++), OTHER, ts(0)), name: 'image', status: 'active', visibility: 'public', ...overrides };
}

function member(project: string, status: ImageMember['status'], overrides: Partial<ImageMember> = {}): ImageMember {
  return { member: project, status, can_share: false, created_at: ts(30), updated_at: ts(31), ...overrides };
}

function entry(img: Image, members: ImageMember[] = []): StoredImage {
  return { image: img, members };
}

/** The interface does not order members; compare them as a set keyed by member. */
function byMember(members: ImageMember[]): ImageMember[] {
  return [...members].sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

/** The list order: created_at desc, then id desc. */
function newestFirst(a: Image, b: Image): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

async function insertAll(store: ImageStore, images: Image[]): Promise<void> {
  for (const img of images) await store.insertImage(entry(img));
}

async function listNames(store: ImageStore, scope: ListScope, conditions: Condition[] = []): Promise<(string | null)[]> {
  return (await store.listImages(scope, conditions, null, ALL)).map((i) => i.name);
}

/** Names of every listed image, as a sorted set: for tests about *which* images, not their order. */
async function listedSet(store: ImageStore, scope: ListScope, conditions: Condition[] = []): Promise<(string | null)[]> {
  return (await listNames(store, scope, conditions)).sort();
}

/** Asserts an image reads back exactly, including the order of its properties and tags. */
function assertSameImage(actual: Image | null, expected: Image): void {
  assert.ok(actual, `image ${expected.id} not found`);
  assert.deepEqual(actual, expected);
  // deepEqual ignores key order, but both APIs render properties in insertion order.
  assert.deepEqual(Object.keys(actual.properties), Object.keys(expected.properties));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/**
 * Lists with `in` filters of 1 to `shapes` names, each its own SQL shape, and checks each answer: for the
 * backends' tests of how many statements they keep prepared.
 */
export async function listManyShapes(store: ImageStore, shapes: number): Promise<void> {
  const kept = image({ name: 'kept' });
  await store.insertImage(entry(kept));
  for (let values = 1; values <= shapes; values++) {
    const names = Array.from({ length: values }, (_, i) => (i === 0 ? 'kept' : `other-${i}`));
    const page = await store.listImages(MY_SCOPE, [{ kind: 'in', field: 'name', values: names }], null, 10);
    assert.deepEqual(page.map((img) => img.id), [kept.id], `${values} values`);
  }
}

export function storeContract(name: string, open: () => Promise<Storage>): void {
  /** Runs one test body against storage of its own (its image store first), closed afterwards whatever happens. */
  const withStore = (body: (store: ImageStore, storage: Storage) => Promise<void>) => async () => {
    const storage = await open();
    try {
      await body(storage.images, storage);
    } finally {
      await storage.close();
    }
  };

  describe(`Store contract: ${name}`, () => {
    describe('insertImage / getImage / members', () => {
      test('round-trips an image with every attribute set', withStore(async (store) => {
        const full = image({
          name: 'ubuntu-24.04 "noble" ✓',
          status: 'deactivated',
          visibility: 'shared',
          owner: ME,
          protected: true,
          os_hidden: true,
          min_ram: 2048,
          min_disk: 20,
          size: 3_221_225_472, // above 2^31: must not be truncated to 32 bits
          virtual_size: 10_737_418_240,
          disk_format: 'qcow2',
          container_format: 'bare',
          checksum: '0123456789abcdef0123456789abcdef',
          os_hash_algo: 'sha512',
          os_hash_value: 'f'.repeat(128),
          created_at: ts(1, 1),
          updated_at: ts(2, 999_999),
          tags: ['zeta', 'alpha', 'Alpha'],
          // Deliberately not alphabetical: the order given is the order kept.
          properties: { os_type: 'linux', 'hw:cpu_policy': 'dedicated', architecture: 'x86_64', empty: '' },
          has_data: true,
        });
        const members = [member(THIRD, 'pending'), member(OTHER, 'accepted', { can_share: true })];
        await store.insertImage(entry(full, members));

        assertSameImage(await store.getImage(full.id), full);
        assert.deepEqual(byMember(await store.getMembers(full.id)), byMember(members));
        assert.deepEqual(await store.getMember(full.id, OTHER), members[1]);
        assert.deepEqual(await store.getMember(full.id, THIRD), members[0]);
      }));

      test('round-trips null attributes, false booleans and empty tags/properties', withStore(async (store) => {
        const bare = image({ name: null, owner: null, status: 'queued', visibility: 'private' });
        await store.insertImage(entry(bare));

        assertSameImage(await store.getImage(bare.id), bare);
        assert.deepEqual(await store.getMembers(bare.id), []);
      }));

      test('addMember adds a member once: a second add of the same member changes nothing', withStore(async (store) => {
        const img = image({ visibility: 'shared' });
        await store.insertImage(entry(img));
        const first = member(THIRD, 'pending');
        const again = member(THIRD, 'accepted', { created_at: ts(50), updated_at: ts(51) });
        const added = await Promise.all([store.addMember(img.id, first), store.addMember(img.id, again)]);
        assert.deepEqual(added.sort(), [false, true]);
        assert.equal((await store.getMembers(img.id)).length, 1);
        assert.equal(await store.addMember(img.id, member(ME, 'pending')), true);
        assert.deepEqual(byMember(await store.getMembers(img.id)).map((m) => m.member), [ME, THIRD].sort());
      }));

      test('answers null for unknown images and members', withStore(async (store) => {
        const img = image();
        await store.insertImage(entry(img, [member(THIRD, 'accepted')]));

        assert.equal(await store.getImage(uuid(999_999)), null);
        assert.equal(await store.getMember(img.id, ME), null);
        assert.equal(await store.getMember(uuid(999_999), THIRD), null);
        assert.deepEqual(await store.getMembers(uuid(999_999)), []);
      }));

      test('keeps deleted images readable by id, so their ids stay reserved', withStore(async (store) => {
        const gone = image({ status: 'deleted', deleted: true, deleted_at: ts(5), updated_at: ts(5) });
        await store.insertImage(entry(gone));

        assertSameImage(await store.getImage(gone.id), gone);
        await assert.rejects(store.insertImage(entry(image({ id: gone.id }))), 'a reserved id was inserted again');
        assertSameImage(await store.getImage(gone.id), gone);
      }));
    });

    describe('listImages order and paging', () => {
      /**
       * Visible images with distinct and tied created_at values, inserted out of order. Their
       * updated_at runs the other way so that ordering by the wrong column shows.
       */
      function orderedFixture(): Image[] {
        const images: Image[] = [];
        for (let i = 0; i < 12; i++) {
          // Every third image shares the created_at of the one before it; ids decide those ties.
          const second = i - Math.floor(i / 3);
          images.push(image({ name: `img-${i}`, created_at: ts(second, 500), updated_at: ts(59 - i) }));
        }
        // Three more at img-4's created_at, with ids whose text order is not their insertion order.
        for (const n of [0x30, 0x10, 0x20]) images.push(image({ id: uuid(1_000_000 + n), name: `tie-${n}`, created_at: ts(3, 500) }));
        // Microsecond apart from the tie above: precision below the millisecond must order too.
        images.push(image({ name: 'tie-plus-1us', created_at: ts(3, 501) }));
        images.push(image({ name: 'tie-minus-1us', created_at: ts(3, 499) }));
        // Reverse so insertion order is neither the list order nor its reverse.
        return [...images.slice(5).reverse(), ...images.slice(0, 5)];
      }

      /** Images no default list shows, interleaved in time with the visible ones. */
      function hiddenFixture(): Image[] {
        return [
          image({ name: 'deleted', status: 'deleted', deleted: true, deleted_at: ts(4), created_at: ts(2, 500) }),
          image({ name: 'killed', status: 'killed', created_at: ts(3, 500) }),
          image({ name: 'os-hidden', os_hidden: true, created_at: ts(5, 500) }),
          image({ name: 'others-private', visibility: 'private', created_at: ts(1, 500) }),
        ];
      }

      test('orders by created_at desc, then id desc on ties', withStore(async (store) => {
        const images = orderedFixture();
        await insertAll(store, images);

        const listed = await store.listImages(MY_SCOPE, [], null, ALL);
        assert.deepEqual(listed.map((i) => i.id), [...images].sort(newestFirst).map((i) => i.id));
        // The fixture really has a tie of four, so the id tie-break was exercised.
        const tied = listed.filter((i) => i.created_at === ts(3, 500)).map((i) => i.name);
        assert.deepEqual(tied, ['tie-48', 'tie-32', 'tie-16', 'img-4']);
      }));

      test('returns at most `limit` images', withStore(async (store) => {
        await insertAll(store, orderedFixture());

        for (const limit of [0, 1, 5]) {
          assert.equal((await store.listImages(MY_SCOPE, [], null, limit)).length, limit);
        }
      }));

      for (const pageSize of [1, 2, 7]) {
        test(`pages of ${pageSize} with \`after\` visit every visible image exactly once`, withStore(async (store) => {
          const visible = orderedFixture();
          await insertAll(store, [...visible, ...hiddenFixture()]);
          const expected = [...visible].sort(newestFirst).map((i) => i.id);

          const seen: string[] = [];
          let after: Cursor | null = null;
          for (let pages = 0; ; pages++) {
            assert.ok(pages <= expected.length, 'paging does not terminate');
            const page = await store.listImages(MY_SCOPE, [], after, pageSize);
            assert.ok(page.length <= pageSize);
            seen.push(...page.map((i) => i.id));
            if (page.length < pageSize) break;
            const last = page[page.length - 1];
            after = { created_at: last.created_at, id: last.id };
          }
          assert.deepEqual(seen, expected);
        }));
      }

      test('continues strictly after a cursor inside a created_at tie', withStore(async (store) => {
        await insertAll(store, orderedFixture());
        const tieMiddle = uuid(1_000_000 + 0x20);

        const rest = await store.listImages(MY_SCOPE, [], { created_at: ts(3, 500), id: tieMiddle }, 3);
        assert.deepEqual(rest.map((i) => i.name), ['tie-16', 'img-4', 'tie-minus-1us']);
      }));
    });

    describe('listImages in a requested order', () => {
      const orders: SortOrder[][] = [
        [{ key: 'name', dir: 'asc' }],
        [{ key: 'size', dir: 'desc' }],
        [{ key: 'name', dir: 'desc' }, { key: 'size', dir: 'asc' }],
        [{ key: 'status', dir: 'asc' }, { key: 'created_at', dir: 'asc' }],
        // A key named again orders nothing more, however often (a client may repeat one thousands of times).
        [{ key: 'name', dir: 'asc' }, ...Array.from({ length: 2000 }, (_, i) => ({ key: i % 2 ? 'name' : 'size', dir: i % 3 ? 'asc' : 'desc' }) as const)],
      ];
      const cursorOf = (img: Image, order: SortOrder[]): Cursor => {
        const cursor: Cursor = { created_at: img.created_at, id: img.id };
        for (const { key } of order) Object.assign(cursor, { [key]: img[key] });
        return cursor;
      };

      test('sorts by the keys, then newest first, with NULL first ascending and last descending', withStore(async (store) => {
        const names = ['b', null, 'a', 'b', null, 'c'];
        const sizes = [5, null, 7, 5, 1, null];
        await store.importImages(names.map((name, i) => entry(image({ name, size: sizes[i], created_at: ts(i) }))));
        const byName = await store.listImages(MY_SCOPE, [], null, ALL, [{ key: 'name', dir: 'asc' }]);
        assert.deepEqual(byName.map((i) => i.name), [null, null, 'a', 'b', 'b', 'c']);
        assert.ok(byName[0].created_at > byName[1].created_at, 'ties newest first');
        const bySize = await store.listImages(MY_SCOPE, [], null, ALL, [{ key: 'size', dir: 'desc' }]);
        assert.deepEqual(bySize.map((i) => i.size), [7, 5, 5, 1, null, null]);
      }));

      test('keyset pages walk every image exactly once, in order', withStore(async (store) => {
        const names = ['b', null, 'a', 'b', null, 'c', 'a', 'd'];
        const sizes = [5, null, 7, 5, 1, null, 7, 2];
        const statuses = ['active', 'queued', 'active', 'saving', 'active', 'queued', 'active', 'active'] as const;
        await store.importImages(names.map((name, i) => entry(image({ name, size: sizes[i], status: statuses[i], created_at: ts(i % 3) }))));
        for (const order of orders) {
          const full = (await store.listImages(MY_SCOPE, [], null, ALL, order)).map((i) => i.id);
          for (const size of [1, 3]) {
            const walked: string[] = [];
            let after: Cursor | null = null;
            for (;;) {
              const page = await store.listImages(MY_SCOPE, [], after, size, order);
              walked.push(...page.map((i) => i.id));
              if (page.length < size) break;
              after = cursorOf(page[page.length - 1], order);
            }
            assert.deepEqual(walked, full, `order ${JSON.stringify(order).slice(0, 200)}, pages of ${size}`);
          }
        }
        const once = (await store.listImages(MY_SCOPE, [], null, ALL, [{ key: 'name', dir: 'asc' }, { key: 'size', dir: 'desc' }])).map((i) => i.id);
        assert.deepEqual((await store.listImages(MY_SCOPE, [], null, ALL, orders[orders.length - 1])).map((i) => i.id), once);
      }));

      test("pages from a client's marker as the reference does: a NULL counts as its type's default, a size-less marker as text", withStore(async (store) => {
        const names = ['b', 'a', '', null];
        const sizes = [5, null, 1, null];
        const images = names.map((name, i) => image({ name, size: sizes[i], created_at: ts(i) }));
        await store.importImages(images.map((img) => entry(img)));
        const [sized, sizeless, empty] = images;
        const from = (marker: Image, order: SortOrder[]) =>
          store.listImages(MY_SCOPE, [], { ...cursorOf(marker, order), marker: true }, ALL, order).then((page) => page.map((i) => i.name));
        const bySizeDown: SortOrder[] = [{ key: 'size', dir: 'desc' }, { key: 'created_at', dir: 'desc' }, { key: 'id', dir: 'desc' }];
        assert.deepEqual(await from(sized, bySizeDown), ['', null, 'a']);
        // Every size is below the empty text a size-less marker counts as; none above it.
        assert.deepEqual(await from(sizeless, bySizeDown), ['b', '', null, 'a']);
        assert.deepEqual(await from(sizeless, bySizeDown.map((o) => ({ ...o, dir: 'asc' }))), []);
        // A NULL name counts as empty text: created after the marker named '', it follows it, though it sorts first.
        const byNameUp: SortOrder[] = [{ key: 'name', dir: 'asc' }, { key: 'created_at', dir: 'asc' }, { key: 'id', dir: 'asc' }];
        assert.deepEqual(await from(empty, byNameUp), [null, 'a', 'b']);
      }));
    });

    describe('listImages default scope', () => {
      /** One image per case the scope rules distinguish; the name says which case. */
      async function scopeFixture(store: ImageStore): Promise<void> {
        let second = 0;
        const add = (overrides: Partial<Image>, members: ImageMember[] = []) =>
          store.insertImage(entry(image({ created_at: ts(second++), ...overrides }), members));

        await add({ name: 'public-of-other', visibility: 'public', owner: OTHER });
        await add({ name: 'public-ownerless', visibility: 'public', owner: null });
        await add({ name: 'private-of-me', visibility: 'private', owner: ME });
        await add({ name: 'shared-of-me', visibility: 'shared', owner: ME });
        await add({ name: 'community-of-me', visibility: 'community', owner: ME });
        await add({ name: 'private-of-other', visibility: 'private', owner: OTHER });
        await add({ name: 'community-of-other', visibility: 'community', owner: OTHER });
        await add({ name: 'community-of-admin', visibility: 'community', owner: ADMIN_PROJECT });
        await add({ name: 'shared-accepted-by-me', visibility: 'shared', owner: OTHER }, [member(ME, 'accepted')]);
        await add({ name: 'shared-pending-for-me', visibility: 'shared', owner: OTHER }, [member(ME, 'pending')]);
        await add({ name: 'shared-rejected-by-me', visibility: 'shared', owner: OTHER }, [member(ME, 'rejected')]);
        await add({ name: 'shared-accepted-by-third', visibility: 'shared', owner: OTHER }, [member(THIRD, 'accepted')]);
        // Never listed, whoever asks: deleted, killed and hidden images, even one's own.
        await add({ name: 'deleted-public', status: 'deleted', deleted: true, deleted_at: ts(50) });
        await add({ name: 'deleted-of-me', visibility: 'private', owner: ME, status: 'deleted', deleted: true, deleted_at: ts(50) });
        await add({ name: 'killed-public', status: 'killed' });
        await add({ name: 'killed-of-me', visibility: 'private', owner: ME, status: 'killed' });
        await add({ name: 'hidden-public', os_hidden: true });
        await add({ name: 'hidden-of-me', visibility: 'private', owner: ME, os_hidden: true });
        await add(
          { name: 'hidden-shared-accepted-by-me', visibility: 'shared', owner: OTHER, os_hidden: true },
          [member(ME, 'accepted')],
        );
      }

      test('a project lists public images, its own of any visibility and shares it accepted', withStore(async (store) => {
        await scopeFixture(store);

        assert.deepEqual(await listedSet(store, MY_SCOPE), [
          'community-of-me',
          'private-of-me',
          'public-of-other',
          'public-ownerless',
          'shared-accepted-by-me',
          'shared-of-me',
        ]);
      }));

      test('a project with nothing of its own lists only public images', withStore(async (store) => {
        await scopeFixture(store);

        assert.deepEqual(await listedSet(store, { projectId: 'project-stranger', isAdmin: false }), [
          'public-of-other',
          'public-ownerless',
        ]);
      }));

      test('an admin lists everything but community images of projects other than its own', withStore(async (store) => {
        await scopeFixture(store);

        // 'community-of-me' and 'community-of-other' belong to projects other than the admin's.
        assert.deepEqual(await listedSet(store, ADMIN_SCOPE), [
          'community-of-admin',
          'private-of-me',
          'private-of-other',
          'public-of-other',
          'public-ownerless',
          'shared-accepted-by-me',
          'shared-accepted-by-third',
          'shared-of-me',
          'shared-pending-for-me',
          'shared-rejected-by-me',
        ]);
      }));
    });

    describe('listImages conditions', () => {
      test('`in` on name matches exact, case-sensitive values', withStore(async (store) => {
        await insertAll(store, ['alpha', 'Alpha', 'ALPHA', 'beta', 'Beta', 'gamma', 'alpha-2'].map((n) => image({ name: n })));

        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'in', field: 'name', values: ['alpha', 'Beta'] }]), [
          'Beta',
          'alpha',
        ]);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'in', field: 'name', values: ['delta'] }]), []);
      }));

      test('`in` on status is exact and case-sensitive', withStore(async (store) => {
        await insertAll(store, ['queued', 'saving', 'active', 'deactivated'].map((s) => image({ name: s, status: s as Image['status'] })));

        const condition: Condition = { kind: 'in', field: 'status', values: ['queued', 'deactivated', 'ACTIVE'] };
        assert.deepEqual(await listedSet(store, MY_SCOPE, [condition]), ['deactivated', 'queued']);
      }));

      test('`in` on id is exact and case-sensitive', withStore(async (store) => {
        // Two distinct ids that differ only in case: the store must not conflate them.
        const lower = 'abcdef00-0000-4000-8000-00000000abcd';
        await insertAll(store, [
          image({ name: 'lower', id: lower }),
          image({ name: 'upper', id: lower.toUpperCase() }),
          image({ name: 'unrelated' }),
        ]);

        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'in', field: 'id', values: [lower] }]), ['lower']);
        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'in', field: 'id', values: [lower.toUpperCase()] }]), ['upper']);
        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'in', field: 'id', values: [uuid(999_999)] }]), []);
      }));

      test('`int` on min_ram and min_disk is equality', withStore(async (store) => {
        await insertAll(store, [
          image({ name: 'ram-0-disk-0' }),
          image({ name: 'ram-512-disk-10', min_ram: 512, min_disk: 10 }),
          image({ name: 'ram-1024-disk-5', min_ram: 1024, min_disk: 5 }),
          image({ name: 'ram-5-disk-512', min_ram: 5, min_disk: 512 }),
        ]);

        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'int', field: 'min_ram', value: 512 }]), ['ram-512-disk-10']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'int', field: 'min_ram', value: 0 }]), ['ram-0-disk-0']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'int', field: 'min_disk', value: 512 }]), ['ram-5-disk-512']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'int', field: 'min_disk', value: 7 }]), []);
      }));

      describe('`time` compares at microsecond precision', () => {
        /**
         * Three images one microsecond apart on `field`; on the other time field they run the
         * opposite way, so a condition applied to the wrong column gives a different answer.
         */
        function timeFixture(field: TimeField): Image[] {
          return ['t0', 't1', 't2'].map((name, i) => {
            const [on, off] = [ts(10, 41 + i), ts(10, 43 - i)];
            return image({ name, ...(field === 'created_at' ? { created_at: on, updated_at: off } : { updated_at: on, created_at: off }) });
          });
        }

        const expected: Record<TimeOp, string[]> = {
          gt: ['t2'],
          gte: ['t1', 't2'],
          lt: ['t0'],
          lte: ['t0', 't1'],
          eq: ['t1'],
          neq: ['t0', 't2'],
        };

        for (const field of ['created_at', 'updated_at'] as const) {
          for (const op of Object.keys(expected) as TimeOp[]) {
            test(`${field} ${op}`, withStore(async (store) => {
              await insertAll(store, timeFixture(field));

              const condition: Condition = { kind: 'time', field, op, value: ts(10, 42) };
              assert.deepEqual(await listedSet(store, MY_SCOPE, [condition]), expected[op]);
            }));
          }
        }
      });

      test('a changes-since list pages alike whether few or many images changed since its bound', withStore(async (store) => {
        // More images than a store reads through the images changed since a bound (3,000 changes): a recent bound
        // reads the changed images and sorts them, an older one walks the list order past them. Updates run in an
        // order unrelated to creation, so a page taken in the wrong order shows.
        const count = 3_200;
        const images = Array.from({ length: count }, (_, i) =>
          image({
            created_at: ts(10, i),
            updated_at: ts(20, (i * 7919) % count),
            visibility: i % 4 === 0 ? 'private' : 'public',
            owner: i % 8 === 0 ? ME : OTHER,
            status: i % 3 === 0 ? 'queued' : 'active',
          }),
        );
        await store.importImages(images.map((img) => entry(img)));
        const visible = images.filter((img) => img.visibility === 'public' || img.owner === ME).sort(newestFirst);
        for (const recent of [100, 2_900, 3_100]) {
          const since = ts(20, count - 1 - recent);
          const alone: Condition[] = [{ kind: 'time', field: 'updated_at', op: 'gte', value: since }];
          const active: Condition[] = [...alone, { kind: 'in', field: 'status', values: ['active'] }];
          for (const conditions of [alone, active]) {
            const expected = visible.filter((img) => img.updated_at >= since && (conditions === alone || img.status === 'active')).map((img) => img.id);
            const label = `${recent + 1} changed, ${conditions.length} condition(s)`;
            assert.deepEqual((await store.listImages(MY_SCOPE, conditions, null, ALL)).map((img) => img.id), expected, label);
            const walked: string[] = [];
            let after: Cursor | null = null;
            while (walked.length < 100) {
              const page = await store.listImages(MY_SCOPE, conditions, after, 25);
              walked.push(...page.map((img) => img.id));
              if (page.length < 25) break;
              after = { created_at: page[24].created_at, id: page[24].id };
            }
            assert.deepEqual(walked, expected.slice(0, walked.length), label);
            assert.equal(walked.length, Math.min(expected.length, 100), label);
          }
        }
      }));

      test('`property` matches one key with one exact value', withStore(async (store) => {
        await insertAll(store, [
          image({ name: 'ubuntu', properties: { os_distro: 'ubuntu', os_version: '24.04' } }),
          image({ name: 'Ubuntu-capital', properties: { os_distro: 'Ubuntu' } }),
          image({ name: 'other-key', properties: { os_type: 'ubuntu' } }),
          image({ name: 'no-properties' }),
        ]);

        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'os_distro', value: 'ubuntu' }]), ['ubuntu']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'os_version', value: '24.04' }]), ['ubuntu']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'os_distro', value: 'debian' }]), []);
      }));

      test('the widest integer and size bounds the API layer passes are compared, not refused', withStore(async (store) => {
        await insertAll(store, [image({ name: 'largest', min_ram: MAX_INT, min_disk: MAX_INT, size: Number.MAX_SAFE_INTEGER }), image({ name: 'empty', size: 0 })]);

        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'int', field: 'min_ram', value: MAX_INT }]), ['largest']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'int', field: 'min_disk', value: -MAX_INT - 1 }]), []);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'range', field: 'size', op: 'gte', value: Number.MAX_SAFE_INTEGER }]), ['largest']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'range', field: 'size', op: 'lte', value: -Number.MAX_SAFE_INTEGER }]), []);
      }));

      test('a NUL character in the text a read asks about matches nothing', withStore(async (store) => {
        const stored = image({ name: 'a', properties: { k: 'v' }, owner: ME, visibility: 'private' });
        await insertAll(store, [stored]);

        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'in', field: 'name', values: ['a\0', 'a'] }]), ['a']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'k', value: 'v\0' }]), []);
        assert.deepEqual(await listedSet(store, { ...MY_SCOPE, projectId: `${ME}\0` }), []);
        assert.equal(await store.getImage(`${stored.id}\0`), null);
      }));

      test('keeps a null property (a core id left unset) on insert, update and import, and no filter matches it', withStore(async (store) => {
        const unset = image({ name: 'unset', properties: { kernel_id: null, os_distro: 'ubuntu' } });
        await insertAll(store, [unset]);
        assert.deepEqual((await store.getImage(unset.id))?.properties, { kernel_id: null, os_distro: 'ubuntu' });
        assert.ok(await store.updateImage(unset.id, { properties: { ramdisk_id: null, kernel_id: 'k' } }));
        assert.deepEqual((await store.getImage(unset.id))?.properties, { ramdisk_id: null, kernel_id: 'k' });
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'kernel_id', value: 'k' }]), ['unset']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'ramdisk_id', value: '' }]), []);
        const imported = image({ name: 'imported', properties: { ramdisk_id: null } });
        assert.equal(await store.importImages([entry(imported)]), 1);
        assert.deepEqual((await store.getImage(imported.id))?.properties, { ramdisk_id: null });
      }));

      test('a property value longer than an index entry can be is stored and found', withStore(async (store) => {
        // Random hex, which no compression shortens: 16 KiB of it.
        const long = Array.from({ length: 2048 }, () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')).join('');
        await insertAll(store, [image({ name: 'long', properties: { cert: long } }), image({ name: 'short', properties: { cert: 'x' } })]);

        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'cert', value: long }]), ['long']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [{ kind: 'property', key: 'cert', value: long.slice(1) }]), []);
      }));

      test('several property and tag filters must all match, however many a request names', withStore(async (store) => {
        await insertAll(store, [
          image({ name: 'both', properties: { a: '1', b: '2' }, tags: ['x', 'y'] }),
          image({ name: 'only-a', properties: { a: '1', b: '3' }, tags: ['x'] }),
          image({ name: 'only-b', properties: { b: '2' }, tags: ['y', 'z'] }),
        ]);
        const property = (key: string, value: string): Condition => ({ kind: 'property', key, value });
        const tag = (value: string): Condition => ({ kind: 'tag', value });

        assert.deepEqual(await listedSet(store, MY_SCOPE, [property('a', '1'), property('b', '2')]), ['both']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [property('a', '1'), property('a', '1')]), ['both', 'only-a']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [property('b', '2'), property('b', '3')]), []);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [tag('x'), tag('y')]), ['both']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [tag('y'), tag('y')]), ['both', 'only-b']);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [tag('y'), property('b', '2'), tag('z')]), ['only-b']);
        // Hundreds of filters are one subquery each kind, not hundreds.
        const many = Array.from({ length: 1500 }, (_, i) => [property(`k${i}`, 'v'), tag(`t${i}`)]).flat();
        assert.deepEqual(await listedSet(store, MY_SCOPE, many), []);
        assert.deepEqual(await listedSet(store, MY_SCOPE, [...many.filter((c) => c.kind === 'tag'), ...many.filter((c) => c.kind === 'tag')]), []);
      }));

      test('`none` matches nothing', withStore(async (store) => {
        await insertAll(store, [image({ name: 'a' }), image({ name: 'b' })]);

        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'none' }]), []);
        assert.deepEqual(await listNames(store, ADMIN_SCOPE, [{ kind: 'none' }]), []);
      }));

      test('conditions are AND-ed, and the scope still applies', withStore(async (store) => {
        const debian = { os_distro: 'debian' };
        await insertAll(store, [
          image({ name: 'match', min_ram: 512, properties: debian }),
          image({ name: 'match-2', min_ram: 512, properties: debian, created_at: ts(1) }),
          image({ name: 'wrong-ram', min_ram: 256, properties: debian }),
          image({ name: 'wrong-property', min_ram: 512, properties: { os_distro: 'ubuntu' } }),
          image({ name: 'wrong-name', min_ram: 512, properties: debian }),
          image({ name: 'match', min_ram: 512, properties: debian, visibility: 'private' }),
        ]);
        const conditions: Condition[] = [
          { kind: 'in', field: 'name', values: ['match', 'match-2', 'wrong-ram', 'wrong-property'] },
          { kind: 'int', field: 'min_ram', value: 512 },
          { kind: 'property', key: 'os_distro', value: 'debian' },
        ];

        // Newest first among the matches; the private 'match' of OTHER stays out of my list.
        assert.deepEqual(await listNames(store, MY_SCOPE, conditions), ['match-2', 'match']);
        assert.deepEqual(await listNames(store, MY_SCOPE, [...conditions, { kind: 'none' }]), []);
        assert.deepEqual((await listNames(store, ADMIN_SCOPE, conditions)).sort(), ['match', 'match', 'match-2']);
      }));
    });

    describe('importImages', () => {
      test('adds new ids, skips ids already present and returns the number added', withStore(async (store) => {
        const existing = image({ name: 'existing', properties: { kept: 'yes' } });
        await store.insertImage(entry(existing, [member(ME, 'pending')]));
        const fresh = image({ name: 'fresh', properties: { b: '2', a: '1' } });
        const freshMembers = [member(ME, 'accepted'), member(THIRD, 'rejected')];
        const deleted = image({ name: 'deleted', status: 'deleted', deleted: true, deleted_at: ts(9) });

        const added = await store.importImages([
          entry({ ...existing, name: 'replacement', properties: { kept: 'no' } }, []),
          entry(fresh, freshMembers),
          entry(deleted),
        ]);

        assert.equal(added, 2);
        assert.equal(await store.countImages(), 3);
        // The existing image and its members are untouched, its property filter too.
        assertSameImage(await store.getImage(existing.id), existing);
        assert.deepEqual(await store.getMembers(existing.id), [member(ME, 'pending')]);
        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'property', key: 'kept', value: 'yes' }]), ['existing']);
        assertSameImage(await store.getImage(fresh.id), fresh);
        assert.deepEqual(byMember(await store.getMembers(fresh.id)), byMember(freshMembers));
        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'property', key: 'a', value: '1' }]), ['fresh']);
        assertSameImage(await store.getImage(deleted.id), deleted);

        // Importing the same entries again adds nothing: this is how a catalog is re-imported at start.
        assert.equal(await store.importImages([entry(fresh, freshMembers), entry(deleted)]), 0);
        assert.equal(await store.countImages(), 3);
      }));

      test('takes any iterable, such as a generator', withStore(async (store) => {
        function* generate(): Generator<StoredImage> {
          for (let i = 0; i < 3; i++) yield entry(image({ name: `gen-${i}` }));
        }

        assert.equal(await store.importImages(generate()), 3);
        assert.equal(await store.importImages([]), 0);
        assert.deepEqual(await listedSet(store, MY_SCOPE), ['gen-0', 'gen-1', 'gen-2']);
      }));

      test('reports progress up to the number of entries processed, skipped ones included', withStore(async (store) => {
        const entries = Array.from({ length: 250 }, (_, i) => entry(image({ created_at: ts(i % 60, i) })));
        await store.insertImage(entries[0]);
        const reports: number[] = [];

        assert.equal(await store.importImages(entries, (done) => reports.push(done)), 249);

        assert.ok(reports.length > 0, 'no progress reported');
        assert.equal(reports[reports.length - 1], 250);
        for (let i = 1; i < reports.length; i++) assert.ok(reports[i] >= reports[i - 1], `progress went back: ${reports.join(', ')}`);
        assert.ok(reports.every((done) => done >= 0 && done <= 250));
      }));
    });

    describe('updateImage', () => {
      test('with ifUpdatedAt, changes only an image nobody changed since', withStore(async (store) => {
        const original = image({ properties: { a: '1' }, updated_at: ts(1) });
        await store.insertImage(entry(original));
        assert.equal(await store.updateImage(original.id, { name: 'first', properties: { a: '2' }, updated_at: ts(2) }, ts(1)), true);
        // A second writer that read the image before the first change is told so, and changes nothing.
        assert.equal(await store.updateImage(original.id, { name: 'second', properties: { b: '3' }, updated_at: ts(3) }, ts(1)), false);
        assertSameImage(await store.getImage(original.id), { ...original, name: 'first', properties: { a: '2' }, updated_at: ts(2) });
        assert.deepEqual((await listNames(store, MY_SCOPE, [{ kind: 'property', key: 'b', value: '3' }])), []);
        assert.equal(await store.updateImage(original.id, { name: 'third' }), true);
        assert.equal(await store.updateImage(uuid(999_999), { name: 'nobody' }), false);
      }));

      test('changes only the given attributes', withStore(async (store) => {
        const original = image({
          name: 'before',
          owner: ME,
          min_ram: 64,
          checksum: 'abc',
          tags: ['one', 'two'],
          properties: { os_distro: 'ubuntu', zed: 'z' },
          has_data: true,
        });
        const members = [member(THIRD, 'accepted')];
        await store.insertImage(entry(original, members));

        const changes = { name: 'after', min_ram: 128, checksum: null, protected: true, updated_at: ts(40, 7) };
        await store.updateImage(original.id, changes);

        assertSameImage(await store.getImage(original.id), { ...original, ...changes });
        assert.deepEqual(await store.getMembers(original.id), members);
      }));

      test('replaces tags and properties as whole values, keeping the new order', withStore(async (store) => {
        const original = image({ tags: ['a', 'b'], properties: { a: '1', b: '2' } });
        await store.insertImage(entry(original));

        const changes = { tags: ['c', 'a'], properties: { z: '26', b: 'two', m: '13' } };
        await store.updateImage(original.id, changes);

        assertSameImage(await store.getImage(original.id), { ...original, ...changes });
      }));

      test('keeps property filters in sync with the new properties', withStore(async (store) => {
        const img = image({ name: 'img', properties: { os_distro: 'ubuntu', dropped: 'x' } });
        await store.insertImage(entry(img));
        const matches = (key: string, value: string) => listNames(store, MY_SCOPE, [{ kind: 'property', key, value }]);

        await store.updateImage(img.id, { properties: { os_distro: 'debian', added: 'y' } });

        assert.deepEqual(await matches('os_distro', 'debian'), ['img']);
        assert.deepEqual(await matches('added', 'y'), ['img']);
        assert.deepEqual(await matches('os_distro', 'ubuntu'), []);
        assert.deepEqual(await matches('dropped', 'x'), []);

        // An update that does not touch properties leaves their filters alone.
        await store.updateImage(img.id, { name: 'renamed' });
        assert.deepEqual(await matches('os_distro', 'debian'), ['renamed']);

        // Clearing every property clears every filter.
        await store.updateImage(img.id, { properties: {} });
        assert.deepEqual(await matches('os_distro', 'debian'), []);
      }));

      test('keeps column filters and the list in sync', withStore(async (store) => {
        const img = image({ name: 'img', min_ram: 1, updated_at: ts(1) });
        await store.insertImage(entry(img));

        await store.updateImage(img.id, { min_ram: 2, updated_at: ts(2) });
        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'int', field: 'min_ram', value: 2 }]), ['img']);
        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'int', field: 'min_ram', value: 1 }]), []);
        assert.deepEqual(await listNames(store, MY_SCOPE, [{ kind: 'time', field: 'updated_at', op: 'eq', value: ts(2) }]), ['img']);

        // What deleting an image does: it leaves the list but stays readable by id.
        const deletion = { status: 'deleted', deleted: true, deleted_at: ts(3), updated_at: ts(3), has_data: false } as const;
        await store.updateImage(img.id, deletion);
        assert.deepEqual(await listNames(store, ADMIN_SCOPE), []);
        assertSameImage(await store.getImage(img.id), { ...img, min_ram: 2, ...deletion });
      }));

      test('leaves other images alone', withStore(async (store) => {
        const target = image({ properties: { k: 'v' } });
        const bystander = image({ properties: { k: 'v' } });
        await insertAll(store, [target, bystander]);

        await store.updateImage(target.id, { name: 'changed', properties: {} });

        assertSameImage(await store.getImage(bystander.id), bystander);
        const matching = await store.listImages(MY_SCOPE, [{ kind: 'property', key: 'k', value: 'v' }], null, ALL);
        assert.deepEqual(matching.map((i) => i.id), [bystander.id]);
      }));
    });

    describe('unfinishedUploads', () => {
    test('lists the undeleted images in saving without data, and in uploading without a size', withStore(async (store) => {
      const saving = image({ status: 'saving' });
      const staging = image({ status: 'uploading' });
      await store.importImages([
        entry(saving),
        entry(staging),
        entry(image({ status: 'active', has_data: true })),
        entry(image({ status: 'queued' })),
        entry(image({ status: 'saving', has_data: true })),
        entry(image({ status: 'saving', deleted: true })),
        entry(image({ status: 'uploading', size: 0 })),
        entry(image({ status: 'importing' })),
      ]);
      const found = (await store.unfinishedUploads()).sort((a, b) => a.id.localeCompare(b.id));
      const expected = [saving, staging].map(({ id, updated_at, status }) => ({ id, updated_at, status })).sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(found, expected);
    }));
  });

    describe('upload leases', () => {
      const lease = (imageId: string, holder: string, expires_at = '2030-01-01T00:00:00.000Z') => ({ image_id: imageId, holder, expires_at });

      test('an image has one holder: a second claim fails until the first is released', withStore(async (store, { leases }) => {
        const saving = image({ status: 'saving' });
        await store.insertImage(entry(saving));
        assert.equal(await leases.claimUpload(lease(saving.id, 'first')), true);
        assert.equal(await leases.claimUpload(lease(saving.id, 'second')), false);
        assert.deepEqual(await leases.uploadLease(saving.id), lease(saving.id, 'first'));
        await leases.releaseUpload(saving.id, 'second');
        assert.deepEqual(await leases.uploadLease(saving.id), lease(saving.id, 'first'), 'only the holder releases');
        await leases.releaseUpload(saving.id, 'first');
        assert.equal(await leases.uploadLease(saving.id), null);
        assert.equal(await leases.claimUpload(lease(saving.id, 'second')), true);
      }));

      test('a lease is taken over only from the holder named, and renewed only by its holder', withStore(async (store, { leases }) => {
        const saving = image({ status: 'saving' });
        await store.insertImage(entry(saving));
        await leases.claimUpload(lease(saving.id, 'gone'));
        assert.equal(await leases.claimUpload(lease(saving.id, 'late', '2030-01-03T00:00:00.000Z'), 'someone else'), false);
        assert.equal(await leases.claimUpload(lease(saving.id, 'next', '2030-01-02T00:00:00.000Z'), 'gone'), true);
        assert.equal(await leases.renewUpload(lease(saving.id, 'gone', '2031-01-01T00:00:00.000Z')), false);
        assert.equal(await leases.renewUpload(lease(saving.id, 'next', '2031-01-01T00:00:00.000Z')), true);
        assert.deepEqual(await leases.uploadLease(saving.id), lease(saving.id, 'next', '2031-01-01T00:00:00.000Z'));
      }));

      test('the lapsed leases are those that ended before a time', withStore(async (store, { leases }) => {
        const [early, late] = [image({ status: 'saving' }), image({ status: 'saving' })];
        for (const img of [early, late]) await store.insertImage(entry(img));
        await leases.claimUpload(lease(early.id, 'a', '2030-01-01T00:00:00.000Z'));
        await leases.claimUpload(lease(late.id, 'b', '2030-01-02T00:00:00.000Z'));
        assert.deepEqual(await leases.lapsedUploadLeases('2030-01-01T00:00:00.000Z'), []);
        assert.deepEqual(await leases.lapsedUploadLeases('2030-01-01T12:00:00.000Z'), [lease(early.id, 'a', '2030-01-01T00:00:00.000Z')]);
        assert.equal(await leases.countUploadLeases(), 2);
      }));
    });

  describe('exportImages / countImages', () => {
      test('exports every image with its members, oldest first, deleted ones included', withStore(async (store) => {
        const images = [
          image({ name: 'newest', created_at: ts(9) }),
          image({ name: 'deleted', created_at: ts(3), status: 'deleted', deleted: true, deleted_at: ts(4) }),
          image({ name: 'killed', created_at: ts(5), status: 'killed' }),
          image({ name: 'hidden', created_at: ts(1), os_hidden: true }),
          image({ name: 'private-of-other', created_at: ts(7), visibility: 'private', properties: { b: '1', a: '2' } }),
          image({ name: 'community-of-other', created_at: ts(2), visibility: 'community' }),
          image({ name: 'oldest', created_at: ts(0, 1) }),
        ];
        const membersOf = new Map([[images[4].id, [member(ME, 'accepted'), member(THIRD, 'pending')]]]);
        for (const img of images) await store.insertImage(entry(img, membersOf.get(img.id) ?? []));

        const exported = await collect(store.exportImages());

        assert.deepEqual(
          exported.map((e) => e.image.name),
          ['oldest', 'hidden', 'community-of-other', 'deleted', 'killed', 'private-of-other', 'newest'],
        );
        for (const { image: got, members } of exported) {
          const want = images.find((i) => i.id === got.id);
          assert.ok(want);
          assertSameImage(got, want);
          assert.deepEqual(byMember(members), byMember(membersOf.get(got.id) ?? []));
        }
      }));

      test('exports a large catalog completely, whatever batching the backend uses', withStore(async (store) => {
        // Groups of three share a created_at, so any internal batch boundary is likely to fall inside a tie.
        const images = Array.from({ length: 1201 }, (_, i) => image({ created_at: ts(Math.floor(i / 3) % 60, Math.floor(i / 180)) }));
        assert.equal(await store.importImages([...images].reverse().map((img) => entry(img))), images.length);

        const exported = (await collect(store.exportImages())).map((e) => e.image);

        assert.equal(exported.length, images.length);
        assert.equal(new Set(exported.map((i) => i.id)).size, images.length, 'an image was exported twice');
        for (let i = 1; i < exported.length; i++) {
          assert.ok(exported[i - 1].created_at <= exported[i].created_at, `not oldest first at #${i}`);
        }
        assert.equal(await store.countImages(), images.length);
      }));

      test('an empty store exports nothing and counts zero', withStore(async (store) => {
        assert.deepEqual(await collect(store.exportImages()), []);
        assert.equal(await store.countImages(), 0);
      }));

      test('countImages counts every image, deleted and invisible ones included', withStore(async (store) => {
        await insertAll(store, [
          image(),
          image({ status: 'deleted', deleted: true, deleted_at: ts(1) }),
          image({ status: 'killed' }),
          image({ os_hidden: true, visibility: 'private' }),
        ]);

        assert.equal(await store.countImages(), 4);
      }));

      test('countByStatus counts the images of each status, deleted ones included', withStore(async (store) => {
        assert.deepEqual(await store.countByStatus(), {});
        await insertAll(store, [
          image(),
          image({ status: 'queued' }),
          image({ status: 'deleted', deleted: true, deleted_at: ts(1) }),
          image({ os_hidden: true, visibility: 'private' }),
        ]);

        assert.deepEqual(await store.countByStatus(), { active: 2, deleted: 1, queued: 1 });
      }));

      test('ping reads an empty catalog as well as a full one', withStore(async (store) => {
        await store.ping();
        await insertAll(store, [image()]);
        await store.ping();
      }));
    });

    identityContract(withStore);
    metadefContract(withStore);
    taskContract(withStore);
    snapshotContract(withStore);
  });
}
