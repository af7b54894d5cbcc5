/**
 * Glint in keystone mode (the default) beside the noauth Glint a benchmark measures: a user with the roles a
 * noauth token names, added to a catalog before either Glint starts, and a login as that user once the keystone
 * Glint runs. Both Glints then answer the same caller on the same catalog, so the ratio is the token check's cost.
 */
import { join } from 'node:path';
import { identityKeyFile } from '../src/app.js';
import { AccountService } from '../src/identity/accounts.js';
import { SecretBox } from '../src/identity/secret-box.js';
import { openSqlite } from '../src/store/sqlite/open.js';
import { startGlint, stopGlint, type GlintProcess } from '../test/support/glint-process.js';
import { STOP_GRACE_MS, type KeystoneGlint } from './harness.js';

const STARTUP_TIMEOUT_MS = 60_000;

export interface BenchUser {
  name: string;
  password: string;
  project: string;
  roles: string[];
}

/** Adds the user, its project and the roles on it to the SQLite catalog in `dataDir`. */
export async function addBenchUser(dataDir: string, user: BenchUser): Promise<void> {
  const storage = openSqlite(join(dataDir, 'catalog.sqlite'));
  try {
    const accounts = new AccountService(storage.identity, SecretBox.open(identityKeyFile({ dataDir })));
    await accounts.ensureRoles();
    await accounts.createProject(user.name, '', user.project);
    await accounts.createUser(user.name, user.password, user.project, user.roles);
  } finally {
    await storage.close();
  }
}

/** `extra`: more `glint serve` arguments, e.g. `--blobs`. */
export function startBenchGlint(dataDir: string, auth: 'noauth' | 'keystone', extra: string[] = []): Promise<GlintProcess> {
  return startGlint(['--profile', 'openstack', '--auth', auth, '--data-dir', dataDir, ...extra], { timeoutMs: STARTUP_TIMEOUT_MS, compiled: true });
}

/** A token of `user`, scoped to its project, from the identity API at `identityUrl`. */
export async function login(identityUrl: string, user: BenchUser): Promise<string> {
  const res = await fetch(`${identityUrl}/v3/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user.name, domain: { id: 'default' }, password: user.password } } },
        scope: { project: { id: user.project } },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`keystone login answered ${res.status}: ${await res.text()}`);
  return token;
}

/** Starts Glint in keystone mode on a data dir that holds `user`, and logs in there as that user. */
export async function startKeystoneGlint(
  dataDir: string,
  user: BenchUser,
  api: 'compute' | 'image' = 'compute',
  extra: string[] = [],
): Promise<{ glint: GlintProcess; keystone: KeystoneGlint }> {
  const glint = await startBenchGlint(dataDir, 'keystone', extra);
  try {
    const token = await login(glint.urls.identity, user);
    return { glint, keystone: { url: glint.urls[api], headers: { 'X-Auth-Token': token } } };
  } catch (err) {
    await stopGlint(glint.child, STOP_GRACE_MS);
    throw err;
  }
}
