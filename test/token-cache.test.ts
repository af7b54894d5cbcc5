// The callers tokens and access keys stand for, kept per process: two token services on one catalog (two
// processes) and a third connection writing to it directly (the command line, a tool). Whatever ends a token's
// or key's use is seen by both at the next request (on PostgreSQL, by a process other than the writer's, at the
// next request past REVISION_BOUND_MS); an expired token is refused though it was kept. Run on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { AccountService } from '../src/identity/accounts.js';
import { SecretBox } from '../src/identity/secret-box.js';
import { TokenService } from '../src/identity/tokens.js';
import { openPostgres } from '../src/store/postgres/open.js';
import { openSqlite } from '../src/store/sqlite/open.js';
import type { Storage } from '../src/store/storage.js';
import { freshDatabase } from './support/postgres-server.js';
import { seenElsewhere } from './support/seen-elsewhere.js';

interface Catalog {
  /** Storage as another process opens it. */
  open(): Promise<Storage>;
  /** A statement run by a writer outside Glint. */
  write(sql: string): Promise<void>;
  close(): Promise<void>;
}

async function sqliteCatalog(dir: string): Promise<Catalog> {
  const file = join(dir, 'catalog.sqlite');
  await openSqlite(file).close();
  const tool = new Database(file);
  return {
    open: async () => openSqlite(file),
    write: async (sql) => void tool.exec(sql),
    close: async () => void tool.close(),
  };
}

async function postgresCatalog(): Promise<Catalog> {
  const url = await freshDatabase();
  await (await openPostgres(url)).close();
  const tool = new pg.Client({ connectionString: url });
  await tool.connect();
  return { open: () => openPostgres(url), write: async (sql) => void (await tool.query(sql)), close: () => tool.end() };
}

const settle = async <T>(value: T | Promise<T>) => value;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`kept callers on ${backend}`, () => {
    let dir: string;
    let catalog: Catalog;
    let storages: Storage[];
    let a: TokenService;
    let b: TokenService;
    let accounts: AccountService;
    let projectId: string;
    let userId: string;
    let token: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `glint-token-cache-${backend}-`));
      catalog = backend === 'sqlite' ? await sqliteCatalog(dir) : await postgresCatalog();
      const secrets = SecretBox.open(join(dir, 'identity.key'));
      storages = [await catalog.open(), await catalog.open()];
      const options = { tokenTtlSeconds: 3600, lockout: { attempts: 0, durationSeconds: 1800, exempt: [] }, secrets };
      [a, b] = storages.map((storage) => new TokenService(storage.identity, options));
      accounts = new AccountService(storages[0].identity, secrets);
      await accounts.ensureRoles();
      projectId = (await accounts.createProject('p')).id;
    });

    afterEach(() => mock.timers.reset());

    after(async () => {
      await Promise.all(storages.map((storage) => storage.close()));
      await catalog.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A new user with member on the project, and a token of theirs checked once by each service (so both keep it). */
    const newCaller = async (name: string) => {
      userId = (await accounts.createUser(name, null, projectId, ['member'])).id;
      ({ token } = await a.issueFor(userId, projectId, 3600));
      for (const service of [a, b]) assert.equal((await settle(service.contextOf(token)))?.userId, userId);
    };
    const refusedByBoth = async () => {
      for (const service of [a, b]) assert.equal(await settle(service.contextOf(token)), null);
    };

    test('a token checked again is found in the cache, without waiting on SQLite', async () => {
      await newCaller('kept');
      const before = { hits: a.tokenCache.hits, misses: a.tokenCache.misses };
      const again = a.contextOf(token);
      if (backend === 'sqlite') assert.ok(!(again instanceof Promise));
      assert.deepEqual(await settle(again), { userId, projectId, roles: ['member', 'reader'], isAdmin: false });
      assert.deepEqual({ hits: a.tokenCache.hits, misses: a.tokenCache.misses }, { hits: before.hits + 1, misses: before.misses });
      assert.equal(await settle(a.contextOf('not-a-token')), null);
    });

    test('a kept token is refused once it expires', async () => {
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      await newCaller('expiring');
      mock.timers.tick(3600 * 1000);
      await refusedByBoth();
    });

    test('a token revoked through one process is refused by both', async () => {
      await newCaller('revoked');
      assert.equal(await b.revoke(token), true);
      await seenElsewhere(backend);
      await refusedByBoth();
    });

    for (const [what, change] of [
      ['its user disabled', () => `UPDATE users SET enabled = 0 WHERE id = '${userId}'`],
      ['its user deleted', () => `DELETE FROM role_assignments WHERE user_id = '${userId}'; DELETE FROM users WHERE id = '${userId}'`],
      ['a role it names removed from its user', () => `DELETE FROM role_assignments WHERE user_id = '${userId}'`],
    ] as const) {
      test(`a kept token is refused by both with ${what} by another writer`, async () => {
        await newCaller(`changed-${what.replaceAll(' ', '-')}`);
        await catalog.write(change());
        await seenElsewhere(backend);
        await refusedByBoth();
      });
    }

    test('an access key is kept per project, and refused by both when removed', async () => {
      userId = (await accounts.createUser('signer', null, projectId, ['member'])).id;
      const { access, secret } = await accounts.createCredential(userId);
      for (const service of [a, b]) assert.deepEqual((await settle(service.signer(access, projectId)))?.secret, secret);
      const hits = a.signerCache.hits;
      assert.equal((await settle(a.signer(access, projectId)))?.context.userId, userId);
      assert.equal(a.signerCache.hits, hits + 1);
      assert.equal(await settle(a.signer(access, '0'.repeat(32))), null);
      await catalog.write(`DELETE FROM credentials WHERE access = '${access}'`);
      await seenElsewhere(backend);
      for (const service of [a, b]) assert.equal(await settle(service.signer(access, projectId)), null);
    });
  });
}
