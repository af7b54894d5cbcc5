/** The identity part of the store contract (users, projects, roles, tokens, credentials), run by `storeContract`. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Credential, Project, Token, User } from '../identity/model.js';
import type { ImageStore } from '../catalog/ports.js';
import type { IdentityStore } from '../identity/ports.js';
import type { Storage } from './storage.js';

const T0 = '2025-01-01T10:00:00.000000Z';

function project(n: number, overrides: Partial<Project> = {}): Project {
  return { id: n.toString(16).padStart(32, '0'), name: `project-${n}`, description: '', enabled: true, created_at: T0, ...overrides };
}

function user(n: number, overrides: Partial<User> = {}): User {
  return {
    id: `u${n}`.padEnd(32, '0'), name: `user-${n}`, enabled: true, password_hash: 'scrypt$hash', failed_logins: 0,
    last_failed_at: null, created_at: T0, ...overrides,
  };
}

function token(hash: string, overrides: Partial<Token> = {}): Token {
  return {
    hash, user_id: user(1).id, project_id: project(1).id, roles: ['member', 'reader'], methods: ['password'],
    audit_ids: ['a1'], issued_at: T0, expires_at: '2025-01-01T22:00:00.000000Z', revoked: false, ...overrides,
  };
}

export function identityContract(withStorage: (body: (images: ImageStore, storage: Storage) => Promise<void>) => () => Promise<void>): void {
  /** A test body on the identity store of storage of its own. */
  const withStore = (body: (store: IdentityStore, storage: Storage) => Promise<void>) => withStorage((_images, storage) => body(storage.identity, storage));
  describe('identity: projects and users', () => {
    test('projects and users read back by id and by name, listed by name', withStore(async (store) => {
      await store.insertProject(project(2, { name: 'beta', description: 'second', enabled: false }));
      await store.insertProject(project(1, { name: 'alpha' }));
      await store.insertUser(user(1, { name: 'zed', password_hash: null }));
      await store.insertUser(user(2, { name: 'amy' }));

      assert.deepEqual(await store.getProject(project(2).id), project(2, { name: 'beta', description: 'second', enabled: false }));
      assert.deepEqual(await store.findProject('alpha'), project(1, { name: 'alpha' }));
      assert.equal(await store.getProject('nope'), null);
      assert.equal(await store.findProject('nope'), null);
      assert.deepEqual((await store.listProjects()).map((p) => p.name), ['alpha', 'beta']);

      assert.deepEqual(await store.getUser(user(1).id), user(1, { name: 'zed', password_hash: null }));
      assert.deepEqual(await store.findUser('amy'), user(2, { name: 'amy' }));
      assert.equal(await store.findUser('nope'), null);
      assert.deepEqual((await store.listUsers()).map((u) => u.name), ['amy', 'zed']);
    }));

    test('names are unique', withStore(async (store) => {
      await store.insertProject(project(1, { name: 'same' }));
      await assert.rejects(store.insertProject(project(2, { name: 'same' })));
      await store.insertUser(user(1, { name: 'same' }));
      await assert.rejects(store.insertUser(user(2, { name: 'same' })));
    }));

    test('login attempts are counted before the check, never past the limit however many race, and cleared', withStore(async (store) => {
      await store.insertUser(user(1));
      const at = '2025-01-01T10:05:00.000000Z';
      const lockedAfter = '2025-01-01T09:35:00.000000Z';
      const counted = await Promise.all(Array.from({ length: 40 }, () => store.countLoginAttempt(user(1).id, at, 5, lockedAfter)));
      assert.equal(counted.filter(Boolean).length, 5);
      const locked = await store.getUser(user(1).id);
      assert.equal(locked?.failed_logins, 5);
      assert.equal(locked?.last_failed_at, at);

      // Once the lock has expired, counting starts again from one.
      assert.equal(await store.countLoginAttempt(user(1).id, '2025-01-01T10:40:00.000000Z', 5, at), true);
      assert.equal((await store.getUser(user(1).id))?.failed_logins, 1);

      await store.clearFailedLogins(user(1).id);
      const cleared = await store.getUser(user(1).id);
      assert.equal(cleared?.failed_logins, 0);
      assert.equal(cleared?.last_failed_at, null);
      assert.equal(await store.countLoginAttempt('no-such-user', T0, 5, T0), false);
    }));
  });

  describe('identity: changing and removing accounts', () => {
    test('a new password hash replaces the old and forgets failed logins', withStore(async (store) => {
      await store.insertUser(user(1, { failed_logins: 4, last_failed_at: T0 }));
      assert.equal(await store.setPasswordHash(user(1).id, 'scrypt$new'), true);
      assert.deepEqual(await store.getUser(user(1).id), user(1, { password_hash: 'scrypt$new' }));
      assert.equal(await store.setPasswordHash('nobody', 'scrypt$new'), false);
    }));

    test('a deleted user takes their assignments, credentials and tokens along, and no one else\'s', withStore(async (store) => {
      await store.insertProject(project(1));
      await store.insertUser(user(1));
      await store.insertUser(user(2));
      const member = await store.ensureRole({ id: 'rm', name: 'member' });
      for (const n of [1, 2]) {
        await store.assignRole(user(n).id, project(1).id, member.id);
        await store.insertCredential({ access: `AK${n}`, user_id: user(n).id, sealed_secret: 's', created_at: T0 });
        await store.insertToken(token(`h${n}`, { user_id: user(n).id }));
      }
      assert.equal(await store.deleteUser(user(1).id), true);
      assert.equal(await store.getUser(user(1).id), null);
      assert.deepEqual(await store.projectsOf(user(1).id), []);
      assert.equal(await store.getCredential('AK1'), null);
      assert.equal(await store.getToken('h1'), null);

      assert.deepEqual(await store.rolesOn(user(2).id, project(1).id), [member]);
      assert.notEqual(await store.getCredential('AK2'), null);
      assert.notEqual(await store.getToken('h2'), null);
      assert.equal(await store.deleteUser(user(1).id), false);
    }));

    test('a deleted project takes the assignments on it and the tokens scoped to it along', withStore(async (store) => {
      await store.insertProject(project(1));
      await store.insertProject(project(2));
      await store.insertUser(user(1));
      const member = await store.ensureRole({ id: 'rm', name: 'member' });
      await store.assignRole(user(1).id, project(1).id, member.id);
      await store.assignRole(user(1).id, project(2).id, member.id);
      await store.insertToken(token('h1', { project_id: project(1).id }));
      await store.insertToken(token('h2', { project_id: project(2).id }));
      await store.insertToken(token('h3', { project_id: null }));

      assert.equal(await store.deleteProject(project(1).id), true);
      assert.equal(await store.getProject(project(1).id), null);
      assert.deepEqual((await store.projectsOf(user(1).id)).map((p) => p.id), [project(2).id]);
      assert.equal(await store.getToken('h1'), null);
      assert.notEqual(await store.getToken('h2'), null);
      assert.notEqual(await store.getToken('h3'), null);
      assert.equal(await store.deleteProject(project(1).id), false);
    }));

    test('a role taken back leaves the others', withStore(async (store) => {
      await store.insertProject(project(1));
      await store.insertUser(user(1));
      const member = await store.ensureRole({ id: 'rm', name: 'member' });
      const reader = await store.ensureRole({ id: 'rr', name: 'reader' });
      await store.assignRole(user(1).id, project(1).id, member.id);
      await store.assignRole(user(1).id, project(1).id, reader.id);
      assert.equal(await store.unassignRole(user(1).id, project(1).id, member.id), true);
      assert.deepEqual(await store.rolesOn(user(1).id, project(1).id), [reader]);
      assert.equal(await store.unassignRole(user(1).id, project(1).id, member.id), false);
    }));

    test('a user\'s tokens are revoked, all or those on one project, and read back revoked', withStore(async (store) => {
      await store.insertToken(token('h1', { project_id: project(1).id }));
      await store.insertToken(token('h2', { project_id: project(2).id }));
      await store.insertToken(token('h3', { user_id: user(2).id }));
      assert.notEqual(await store.getToken('h1'), null, 'read once, as a server that keeps tokens has');

      assert.equal(await store.revokeTokensOf(user(1).id, project(1).id), 1);
      assert.deepEqual(await Promise.all(['h1', 'h2', 'h3'].map(async (h) => (await store.getToken(h))?.revoked)), [true, false, false]);
      assert.equal(await store.revokeTokensOf(user(1).id), 1);
      assert.deepEqual(await Promise.all(['h1', 'h2', 'h3'].map(async (h) => (await store.getToken(h))?.revoked)), [true, true, false]);
    }));
  });

  describe('identity: roles and assignments', () => {
    test('ensureRole keeps the first role of a name', withStore(async (store) => {
      const first = await store.ensureRole({ id: 'r1', name: 'member' });
      const again = await store.ensureRole({ id: 'r2', name: 'member' });
      await store.ensureRole({ id: 'r3', name: 'admin' });
      assert.deepEqual(first, { id: 'r1', name: 'member' });
      assert.deepEqual(again, { id: 'r1', name: 'member' });
      assert.deepEqual(await store.listRoles(), [{ id: 'r3', name: 'admin' }, { id: 'r1', name: 'member' }]);
    }));

    test('assignments give roles on a project and the projects of a user', withStore(async (store) => {
      await store.insertProject(project(1, { name: 'b' }));
      await store.insertProject(project(2, { name: 'a' }));
      await store.insertProject(project(3, { name: 'c' }));
      await store.insertUser(user(1));
      await store.insertUser(user(2));
      const member = await store.ensureRole({ id: 'rm', name: 'member' });
      const reader = await store.ensureRole({ id: 'rr', name: 'reader' });
      await store.assignRole(user(1).id, project(1).id, reader.id);
      await store.assignRole(user(1).id, project(1).id, member.id);
      await store.assignRole(user(1).id, project(1).id, member.id);
      await store.assignRole(user(1).id, project(2).id, reader.id);
      await store.assignRole(user(2).id, project(3).id, member.id);

      assert.deepEqual(await store.rolesOn(user(1).id, project(1).id), [member, reader]);
      assert.deepEqual(await store.rolesOn(user(1).id, project(3).id), []);
      assert.deepEqual((await store.projectsOf(user(1).id)).map((p) => p.name), ['a', 'b']);
      assert.deepEqual(await store.projectsOf('nobody'), []);
    }));
  });

  describe('identity: tokens and credentials', () => {
    test('tokens read back by hash, revoke once, and expired ones are purged', withStore(async (store) => {
      await store.insertToken(token('h1'));
      await store.insertToken(token('h2', { project_id: null, roles: [], expires_at: '2025-01-01T09:00:00.000000Z', methods: ['token', 'password'], audit_ids: ['a2', 'a1'] }));

      assert.deepEqual(await store.getToken('h1'), token('h1'));
      assert.equal(await store.getToken('h3'), null);
      assert.equal(await store.revokeToken('h1'), true);
      assert.equal((await store.getToken('h1'))?.revoked, true);
      assert.equal(await store.revokeToken('h3'), false);

      assert.equal(await store.purgeTokens(T0), 1);
      assert.equal(await store.getToken('h2'), null);
      assert.notEqual(await store.getToken('h1'), null);
    }));

    test('the identity revision moves when a token is revoked or purged, not with logins and new records', withStore(async (store) => {
      const moves = async (change: () => Promise<unknown>) => {
        const before = await store.revision();
        await change();
        return (await store.revision()) !== before;
      };
      assert.equal(await moves(async () => {
        await store.insertProject(project(1));
        await store.insertUser(user(1));
        await store.assignRole(user(1).id, project(1).id, (await store.ensureRole({ id: 'rm', name: 'member' })).id);
        await store.insertToken(token('h1'));
        await store.insertToken(token('h2', { expires_at: '2025-01-01T09:00:00.000000Z' }));
        await store.insertCredential({ access: 'AK1', user_id: user(1).id, sealed_secret: 'sealed', created_at: T0 });
        await store.countLoginAttempt(user(1).id, T0, 5, T0);
        await store.clearFailedLogins(user(1).id);
      }), false);
      assert.equal(await moves(() => store.revokeToken('h1')), true);
      assert.equal(await moves(() => store.purgeTokens(T0)), true);
    }));

    test('identity writes leave the image catalog version alone', withStore(async (store, { images }) => {
      const before = await images.version();
      await store.insertUser(user(1));
      await store.insertToken(token('h1'));
      await store.countLoginAttempt(user(1).id, T0, 5, T0);
      await store.setPasswordHash(user(1).id, 'scrypt$new');
      await store.revokeTokensOf(user(1).id);
      await store.deleteUser(user(1).id);
      await store.insertProject(project(1));
      await store.deleteProject(project(1).id);
      assert.equal(await images.version(), before);
    }));

    test('credentials read back by access key', withStore(async (store) => {
      await store.insertUser(user(1));
      const credential: Credential = { access: 'AK1', user_id: user(1).id, sealed_secret: 'sealed', created_at: T0 };
      await store.insertCredential(credential);
      assert.deepEqual(await store.getCredential('AK1'), credential);
      assert.equal(await store.getCredential('AK2'), null);
      await assert.rejects(store.insertCredential(credential));
    }));

    test('credentials are listed oldest first, all or one user\'s, and deleted by access key', withStore(async (store) => {
      await store.insertUser(user(1));
      await store.insertUser(user(2));
      const made = (access: string, n: number, created_at: string): Credential => ({ access, user_id: user(n).id, sealed_secret: `sealed ${access}`, created_at });
      const credentials = [made('AK2', 1, T0), made('AK3', 2, '2025-01-02T10:00:00.000000Z'), made('AK1', 1, '2025-01-03T10:00:00.000000Z')];
      for (const credential of credentials) await store.insertCredential(credential);
      assert.deepEqual(await store.listCredentials(), credentials);
      assert.deepEqual(await store.listCredentials(user(1).id), [credentials[0], credentials[2]]);
      assert.deepEqual(await store.listCredentials('nobody'), []);
      assert.equal(await store.deleteCredential('AK2'), true);
      assert.equal(await store.deleteCredential('AK2'), false);
      assert.deepEqual((await store.listCredentials()).map((c) => c.access), ['AK3', 'AK1']);
    }));

    test('the newest credential is the one made last', withStore(async (store) => {
      assert.equal(await store.newestCredential(), null);
      await store.insertUser(user(1));
      const made = (access: string, created_at: string): Credential => ({ access, user_id: user(1).id, sealed_secret: `sealed ${access}`, created_at });
      for (const credential of [made('AK2', T0), made('AK3', '2025-01-02T10:00:00.000000Z'), made('AK1', T0)]) await store.insertCredential(credential);
      assert.deepEqual(await store.newestCredential(), made('AK3', '2025-01-02T10:00:00.000000Z'));
    }));
  });
}

/** Storage, and a connection of another writer (a process, the command line, a tool) to the same catalog. */
export interface WithOtherWriter {
  storage: Storage;
  /** Runs a statement through the other connection. */
  write: (sql: string) => Promise<void>;
  /** How long after the other writer's commit the storage may still answer the revision before it (see `IdentityStore.revision`). */
  seenWithinMs: number;
  close: () => Promise<void>;
}

/**
 * Whoever writes the identity records, the identity revision moves with each change that can end a token's or
 * an access key's use: what a process keeps of them must not outlive them.
 */
export function identityRevisionContract(name: string, open: () => Promise<WithOtherWriter>): void {
  test(`${name}: the identity revision moves with any writer's change that can end a token's or key's use`, async () => {
    const { storage, write: writeNow, seenWithinMs, close } = await open();
    const write = async (sql: string) => {
      await writeNow(sql);
      await delay(seenWithinMs);
    };
    try {
      const store = storage.identity;
      await store.insertProject(project(1));
      await store.insertUser(user(1));
      await store.assignRole(user(1).id, project(1).id, (await store.ensureRole({ id: 'rm', name: 'member' })).id);
      await store.insertToken(token('h1'));
      await store.insertCredential({ access: 'AK1', user_id: user(1).id, sealed_secret: 'sealed', created_at: T0 });
      const changes = [
        `UPDATE tokens SET revoked = 1 WHERE hash = 'h1'`,
        `UPDATE users SET enabled = 0 WHERE id = '${user(1).id}'`,
        `UPDATE projects SET enabled = 0 WHERE id = '${project(1).id}'`,
        `UPDATE roles SET name = 'renamed' WHERE id = 'rm'`,
        `DELETE FROM role_assignments WHERE user_id = '${user(1).id}'`,
        `DELETE FROM credentials WHERE access = 'AK1'`,
        `DELETE FROM tokens WHERE hash = 'h1'`,
        `DELETE FROM users WHERE id = '${user(1).id}'`,
        `DELETE FROM projects WHERE id = '${project(1).id}'`,
        `DELETE FROM roles WHERE id = 'rm'`,
      ];
      for (const sql of changes) {
        const before = await store.revision();
        await write(sql);
        assert.notEqual(await store.revision(), before, sql);
      }
      const before = await store.revision();
      await write(`UPDATE users SET failed_logins = 3, password_hash = 'scrypt$other'`);
      await write(`INSERT INTO projects (id, name, description, enabled, created_at) VALUES ('${project(2).id}', 'p2', '', 1, '${T0}')`);
      assert.equal(await store.revision(), before);
    } finally {
      await close();
    }
  });
}
