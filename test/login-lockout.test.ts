// Logging in, through fastify.inject on the identity API: Keystone's lockout is off unless configured; when on,
// concurrent guesses never get more passwords checked than the limit, exempt users are never locked,
// `glint users unlock` lifts a lock, and no answer tells an unknown name, a wrong password and a locked or
// disabled account apart. Tokens list the roles a user's roles imply.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createGlint, type Glint } from '../src/app.js';
import { unlockUser } from '../src/cli/accounts.js';
import { loadConfig, type ConfigInput } from '../src/config.js';

const UNAUTHORIZED = { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } };
const PASSWORD = 'right-password-1';

const dirs: string[] = [];
const glints: Glint[] = [];
after(async () => {
  for (const glint of glints) await glint.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A Glint under `--auth keystone` with users `admin` (project admin) and `alice` and `dora` (project p-alice), all with PASSWORD. */
async function start(options: ConfigInput = {}): Promise<Glint> {
  const dir = mkdtempSync(join(tmpdir(), 'glint-lockout-'));
  dirs.push(dir);
  const glint = await createGlint(loadConfig({ auth: 'keystone', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0, ...options }, {}));
  glints.push(glint);
  await glint.accounts.bootstrap(PASSWORD);
  const project = await glint.accounts.createProject('p-alice');
  for (const name of ['alice', 'dora']) await glint.accounts.createUser(name, PASSWORD, project.id, ['member']);
  return glint;
}

async function login(glint: Glint, user: string, password: string) {
  const answer = await glint.identity.inject({
    method: 'POST',
    url: '/v3/auth/tokens',
    headers: { 'content-type': 'application/json' },
    payload: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } } } },
  });
  return { status: answer.statusCode, body: answer.json<unknown>() };
}

const failedLogins = async (glint: Glint, name: string) => (await glint.storage.identity.findUser(name))!.failed_logins;

describe('lockout off (the default, as Keystone\'s lockout_failure_attempts is unset)', () => {
  test('any number of wrong passwords lock no one, the fixed name admin included', async () => {
    const glint = await start();
    for (let i = 0; i < 20; i++) assert.deepEqual(await login(glint, 'admin', `guess-${i}`), { status: 401, body: UNAUTHORIZED });
    assert.equal((await login(glint, 'admin', PASSWORD)).status, 201);
    assert.equal(await failedLogins(glint, 'admin'), 0);
  });
});

describe('--lockout-attempts 5', () => {
  test('of 40 guesses at once, 5 are checked: the right password sent 16th is refused, and the account is locked', async () => {
    const glint = await start({ lockoutAttempts: 5 });
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => login(glint, 'alice', i === 15 ? PASSWORD : `guess-${i}`)));
    assert.deepEqual(burst.map((answer) => answer.status), Array(40).fill(401));
    // Each attempt is counted before its password is checked, and none past the limit: five were checked.
    assert.equal(await failedLogins(glint, 'alice'), 5);
    assert.equal((await login(glint, 'alice', PASSWORD)).status, 401);
    // Other accounts are not affected.
    assert.equal((await login(glint, 'dora', PASSWORD)).status, 201);
  });

  test('an unknown name, a wrong password, a locked account and a disabled one get the same answer', async () => {
    const glint = await start({ lockoutAttempts: 5 });
    const unknown = await login(glint, 'nobody', PASSWORD);
    const wrong = await login(glint, 'dora', 'wrong');
    for (let i = 0; i < 5; i++) await login(glint, 'alice', `guess-${i}`);
    const locked = await login(glint, 'alice', PASSWORD);
    const db = new Database(join(dirs[dirs.length - 1], 'catalog.sqlite'));
    db.prepare("UPDATE users SET enabled = 0 WHERE name = 'dora'").run();
    db.close();
    const disabled = await login(glint, 'dora', PASSWORD);
    for (const answer of [unknown, wrong, locked, disabled]) assert.deepEqual(answer, { status: 401, body: UNAUTHORIZED });
  });

  test('glint users unlock lets a locked user in at once', async () => {
    const glint = await start({ lockoutAttempts: 5 });
    for (let i = 0; i < 5; i++) await login(glint, 'alice', `guess-${i}`);
    assert.equal((await login(glint, 'alice', PASSWORD)).status, 401);
    const config = loadConfig({ auth: 'keystone', dataDir: dirs[dirs.length - 1] }, {});
    assert.match(await unlockUser(config, 'alice'), /Unlocked user alice/);
    assert.equal((await login(glint, 'alice', PASSWORD)).status, 201);
    await assert.rejects(unlockUser(config, 'nobody'), /no user 'nobody'/);
  });

  test('--lockout-exempt users are never locked (Keystone\'s ignore_lockout_failure_attempts)', async () => {
    const glint = await start({ lockoutAttempts: 5, lockoutExempt: 'admin,dora' });
    for (let i = 0; i < 12; i++) await Promise.all([login(glint, 'admin', `guess-${i}`), login(glint, 'dora', `guess-${i}`)]);
    assert.equal((await login(glint, 'admin', PASSWORD)).status, 201);
    assert.equal((await login(glint, 'dora', PASSWORD)).status, 201);
    assert.equal(await failedLogins(glint, 'admin'), 0);
  });
});

test('roles imply one another as Keystone\'s bootstrap sets them up, and tokens list the implied ones', async () => {
  const glint = await start();
  const project = await glint.accounts.createProject('p-implied');
  for (const [role, listed] of [['admin', ['admin', 'member', 'reader']], ['member', ['member', 'reader']], ['reader', ['reader']]] as const) {
    await glint.accounts.createUser(`only-${role}`, PASSWORD, project.id, [role]);
    const answer = await glint.identity.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      headers: { 'content-type': 'application/json' },
      payload: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: `only-${role}`, domain: { id: 'default' }, password: PASSWORD } } },
          scope: { project: { id: project.id } },
        },
      },
    });
    assert.equal(answer.statusCode, 201, answer.body);
    assert.deepEqual(answer.json<{ token: { roles: { name: string }[] } }>().token.roles.map((r) => r.name).sort(), listed, role);
    // The APIs act on them: every one of them reads (a reader lists images).
    const list = await glint.image.inject({ method: 'GET', url: '/v2/images', headers: { 'x-auth-token': String(answer.headers['x-subject-token']) } });
    assert.equal(list.statusCode, 200, role);
  }
});
