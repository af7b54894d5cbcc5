/**
 * Glint in keystone mode (the default) beside the noauth Glint a benchmark measures: a user with the roles a
 * noauth token names, added to a catalog before either Glint starts, and a login as that user once the keystone
 * Glint runs. Both Glints then answer the same caller on the same catalog, so the ratio is the token check's cost.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { glintCommand, startGlint, stopGlint, type GlintProcess } from '../test/support/glint-process.js';
import { STOP_GRACE_MS, type KeystoneGlint } from './harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STARTUP_TIMEOUT_MS = 120_000;

export interface BenchUser {
  name: string;
  password: string;
  project: string;
  roles: string[];
}

function glint(args: string[]): void {
  const run = spawnSync(process.execPath, [...glintCommand(true), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`glint ${args.slice(0, 2).join(' ')} exited with ${run.status ?? run.signal}`);
}

/**
 * Adds the user, with its roles on its project, to the catalog the options name (`--data-dir`, `--database`),
 * by the command line, as an operator would; the project is added unless it is there.
 */
export function addBenchUser(catalog: string[], user: BenchUser): void {
  const projects = spawnSync(process.execPath, [...glintCommand(true), 'projects', 'list', ...catalog], { cwd: ROOT, encoding: 'utf8' });
  if (!projects.stdout.includes(user.project)) glint(['projects', 'create', `bench-${user.project}`, '--id', user.project, ...catalog]);
  glint(['users', 'create', user.name, '--password', user.password, '--project', user.project, ...user.roles.flatMap((role) => ['--role', role]), ...catalog]);
}

/** Glint from the compiled build, on the catalog the options name. */
export function startBenchGlint(catalog: string[], auth: 'noauth' | 'keystone'): Promise<GlintProcess> {
  return startGlint(['--profile', 'openstack', '--auth', auth, ...catalog], { timeoutMs: STARTUP_TIMEOUT_MS, compiled: true });
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

/** Starts Glint in keystone mode on a catalog that holds `user`, and logs in there as that user. */
export async function startKeystoneGlint(catalog: string[], user: BenchUser, api: 'compute' | 'image' = 'compute'): Promise<{ glint: GlintProcess; keystone: KeystoneGlint }> {
  const glint = await startBenchGlint(catalog, 'keystone');
  try {
    const token = await login(glint.urls.identity, user);
    return { glint, keystone: { url: glint.urls[api], headers: { 'X-Auth-Token': token } } };
  } catch (err) {
    await stopGlint(glint.child, STOP_GRACE_MS);
    throw err;
  }
}
