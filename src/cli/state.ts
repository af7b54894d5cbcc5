/**
 * `glint reset` and `glint snapshot …`: through the control API of the `serve` running on the same data directory
 * (see `control-file.ts`), so that its requests see the change whole, with an admin token made for the call;
 * without one, on the catalog directly.
 */
import { withServices, type Services } from '../app.js';
import { CatalogError, type CatalogErrorKind } from '../catalog/errors.js';
import type { SnapshotInfo } from '../catalog/ports.js';
import type { ResetTarget } from '../catalog/state.js';
import type { Config } from '../config.js';
import { runningServer, type RunningServer } from './control-file.js';

export type StateCommand =
  | { action: 'reset'; to: ResetTarget }
  | { action: 'save'; name: string }
  | { action: 'list' }
  | { action: 'restore'; name: string }
  | { action: 'delete'; name: string };

/** A token made for one call is good for this long, and revoked once it is done. */
const CALL_TOKEN_TTL_SECONDS = 300;

/** Under noauth the token names its caller: the admin, in a project of no one's. */
const NOAUTH_ADMIN = `admin:${'0'.repeat(32)}`;

export async function runStateCommand(config: Config, command: StateCommand): Promise<string> {
  const server = runningServer(config.dataDir);
  const outcome = server ? await throughServer(config, server, command) : await withServices(config, (services) => directly(services, command));
  return describe(command, outcome);
}

async function directly({ state }: Services, command: StateCommand): Promise<SnapshotInfo[] | SnapshotInfo | void> {
  switch (command.action) {
    case 'reset':
      return state.reset(command.to);
    case 'save':
      return state.save(command.name);
    case 'list':
      return state.list();
    case 'restore':
      return state.restore(command.name);
    case 'delete':
      return state.delete(command.name);
  }
}

/** The control API request of a command. */
function request(command: StateCommand): { method: string; path: string; body?: object } {
  const named = (name: string) => `/glint/v1/snapshots/${encodeURIComponent(name)}`;
  switch (command.action) {
    case 'reset':
      return { method: 'POST', path: '/glint/v1/reset', body: { to: command.to } };
    case 'save':
      return { method: 'POST', path: '/glint/v1/snapshots', body: { name: command.name } };
    case 'list':
      return { method: 'GET', path: '/glint/v1/snapshots' };
    case 'restore':
      return { method: 'POST', path: `${named(command.name)}/restore` };
    case 'delete':
      return { method: 'DELETE', path: named(command.name) };
  }
}

const KINDS: Record<number, CatalogErrorKind> = { 400: 'bad_request', 403: 'forbidden', 404: 'not_found', 409: 'conflict' };

async function throughServer(config: Config, server: RunningServer, command: StateCommand): Promise<SnapshotInfo[] | SnapshotInfo | void> {
  const call = async (token: string) => {
    const { method, path, body } = request(command);
    const headers = { 'x-auth-token': token, ...(body && { 'content-type': 'application/json' }) };
    const res = await fetch(`${server.identity}${path}`, { method, headers, body: body && JSON.stringify(body) });
    const answer = res.status === 204 ? undefined : ((await res.json()) as { snapshot?: SnapshotInfo; snapshots?: SnapshotInfo[]; error?: { message: string } });
    if (!res.ok) throw new CatalogError(KINDS[res.status] ?? 'bad_request', answer?.error?.message ?? `the control API answered HTTP ${res.status}`);
    return answer?.snapshot ?? answer?.snapshots;
  };
  if (server.auth === 'noauth') return call(NOAUTH_ADMIN);
  return withServices(config, async ({ accounts, tokens }) => {
    const [admin, project] = [await accounts.findUser('admin'), await accounts.projectByIdOrName('admin')];
    if (!admin || !project) throw new CatalogError('not_found', 'the catalog has no user admin on project admin to call the running server as');
    const { token } = await tokens.issueFor(admin.id, project.id, CALL_TOKEN_TTL_SECONDS);
    try {
      return await call(token);
    } finally {
      await tokens.revoke(token);
    }
  });
}

function describe(command: StateCommand, outcome: SnapshotInfo[] | SnapshotInfo | void): string {
  switch (command.action) {
    case 'reset':
      return command.to === 'start' ? 'The catalog is back to the start snapshot' : 'The catalog is empty';
    case 'save':
      return `Saved snapshot ${command.name} (${(outcome as SnapshotInfo).created_at})`;
    case 'list': {
      const snapshots = outcome as SnapshotInfo[];
      return snapshots.length === 0 ? 'No snapshots' : snapshots.map(({ name, created_at }) => `${name}\t${created_at}`).join('\n');
    }
    case 'restore':
      return `Restored snapshot ${command.name}`;
    case 'delete':
      return `Deleted snapshot ${command.name}`;
  }
}
