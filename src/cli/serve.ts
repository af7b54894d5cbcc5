/** `glint serve`: start the three listeners, optionally after loading a catalog or the demo set, in one process or several. */
import { createGlint, identityKeyFile, withServices, type Glint, type Services } from '../app.js';
import { randomText } from '../identity/random-text.js';
import type { AccountService } from '../identity/accounts.js';
import { LEASE_MS } from '../catalog/upload-lease.js';
import type { Config } from '../config.js';
import { demoCatalog, DEMO_PROJECTS } from './demo-catalog.js';
import { isWorker, reportListening, startWorkers, type Urls } from './cluster.js';
import { announceServer } from './control-file.js';
import { isKind } from '../catalog/errors.js';
import { START_SNAPSHOT } from '../catalog/state.js';
import { describeImport, importFile } from './transfer.js';
import type { ImageSelection } from '../catalog/transfer.js';
import { exportLine, writeClouds, type CloudAccount, type CloudName } from './clouds-file.js';
import { checkPorts } from './port-check.js';

export interface ServeOptions {
  importFile?: string;
  selection?: ImageSelection;
  demo?: boolean;
}

/** The token and project of the example curl, and when the token stops working (none for noauth's). */
interface Sample {
  token: string;
  project: string;
  expiresAt?: Date;
}

/**
 * The example curl's token lives this long: what is printed may end up in logs and terminals' scrollback,
 * so it must not be worth much there.
 */
const SAMPLE_TOKEN_TTL_SECONDS = 15 * 60;

/** What the one-time work leaves for the ready message: the example curl's token, and the accounts to log in as. */
interface Prepared {
  sample?: Sample;
  accounts: CloudAccount[];
}

/**
 * The demo's people under Keystone: project `demo` (the demo catalog's own id) with user `demo`,
 * whose password is printed when it is made. Returns the user's id, and the password when it was made now.
 */
async function demoAccount(identity: AccountService): Promise<{ id: string; password?: string }> {
  const existing = await identity.findUser('demo');
  if (existing) return { id: existing.id };
  const project = (await identity.getProject(DEMO_PROJECTS.demo)) ?? (await identity.createProject('demo', 'Demo project', DEMO_PROJECTS.demo));
  if (!(await identity.getProject(DEMO_PROJECTS.other))) await identity.createProject('other', 'Another demo project', DEMO_PROJECTS.other);
  const password = randomText(16);
  const user = await identity.createUser('demo', password, project.id, ['member', 'reader']);
  console.log(`Created user demo on project demo; its password (printed only this once): ${password}`);
  return { id: user.id, password };
}

/**
 * The one-time work before serving: identity bootstrap, token purge, import, demo catalog, recovery of
 * interrupted imports and uploads, purge of expired tasks, the start snapshot. Returns the token and project for
 * the example curl, when there is one to show, and under Keystone the accounts to log in as (with the passwords
 * made now).
 */
async function prepare(config: Config, options: ServeOptions, { catalog, uploads, imports, accounts, tokens, state }: Services): Promise<Prepared> {
  const keystone = config.auth === 'keystone';
  let sample: Sample | undefined;
  const logins: CloudAccount[] = [];
  if (keystone) {
    const admin = await accounts.bootstrap(process.env.GLINT_ADMIN_PASSWORD, options.demo ? DEMO_PROJECTS.admin : undefined);
    if (admin.password) console.log(`Created user admin on project admin; its password (printed only this once): ${admin.password}`);
    logins.push({ cloud: 'glint-admin', username: 'admin', projectName: 'admin', password: admin.password });
    await tokens.purgeExpiredTokens();
    if (!(await accounts.opensCatalogSecrets())) {
      console.error(
        `Warning: ${identityKeyFile(config)} is not the key the catalog's access key secrets were sealed with, ` +
          'so requests signed with those access keys are refused here. Every process and machine serving one catalog needs the same identity.key.',
      );
    }
  }
  if (options.importFile) {
    const report = await importFile(catalog, options.importFile, options.selection);
    console.log(describeImport(options.importFile, report));
    const [user, project] = Object.entries(report.projects ?? {}).find(([, p]) => !p.roles?.includes('admin')) ?? [];
    if (user && project && !keystone) sample = { token: `${user}:${project.id}`, project: project.id };
  }
  if (options.demo) {
    // Under Keystone the example carries a real token of the demo user, which soon expires.
    const demo = keystone ? await demoAccount(accounts) : undefined;
    if (demo) logins.push({ cloud: 'glint-demo', username: 'demo', projectName: 'demo', password: demo.password });
    const token = demo ? await tokens.issueFor(demo.id, DEMO_PROJECTS.demo, SAMPLE_TOKEN_TTL_SECONDS) : { token: `demo:${DEMO_PROJECTS.demo}` };
    sample = { project: DEMO_PROJECTS.demo, ...token };
  }
  if (options.demo && (await catalog.isEmpty())) {
    const added = await catalog.importCatalog(demoCatalog(config.profile.name));
    console.log(`Loaded the demo catalog (${added} images)`);
  }
  const recovered = await giveBack({ uploads, imports }, 'interrupted');
  if (recovered > 0) console.log(`${recovered} image(s) whose upload was interrupted are queued again`);
  await imports.purgeExpiredTasks();
  if (options.demo || options.importFile) await saveStart(state);
  return { sample, accounts: logins };
}

/**
 * The catalog a start loaded (demo or imported), for `reset --to-start`; another process's upload in progress
 * leaves the last one. A start that loads nothing takes none: copying a large catalog at every start would
 * cost its time and its disk space again.
 */
async function saveStart(state: Services['state']): Promise<void> {
  try {
    await state.save(START_SNAPSHOT);
  } catch (err) {
    if (!isKind(err, 'conflict')) throw err;
    console.error(`Warning: the catalog's start snapshot was not taken: ${(err as Error).message}`);
  }
}

/**
 * Gives back the imports nobody runs any more, saying how many, then the uploads (see `UploadService`), returning
 * how many of those: at a start those whose process is gone, on a sweep those whose lease lapsed. Imports first:
 * an upload's recovery lets go of the lease that tells the import's which it is.
 */
async function giveBack({ uploads, imports }: Pick<Services, 'uploads' | 'imports'>, which: 'interrupted' | 'lapsed'): Promise<number> {
  const failed = which === 'interrupted' ? await imports.recoverInterruptedImports() : await imports.recoverLapsedImports();
  if (failed > 0) console.log(`${failed} import(s) whose process stopped have failed, their image(s) queued again`);
  return which === 'interrupted' ? uploads.recoverInterruptedUploads() : uploads.recoverLapsedUploads();
}

/** Where the catalog and the image data are, without the database's credentials. */
function where({ blobs, database, dataDir }: Config): string {
  const data = blobs ? `image data in ${blobs.split('?')[0]}` : `data in ${dataDir}`;
  if (!database) return data;
  const url = new URL(database);
  return `catalog in PostgreSQL at ${url.host}${url.pathname}, ${data}`;
}

/**
 * Once Glint listens, under Keystone: the clouds file pointed at the identity URL, and the login lines (a cloud
 * without a password in the file is one whose password was given, or made before the file was).
 */
function loginLines(config: Config, urls: Urls, { accounts }: Prepared): string[] {
  const withPasswords = writeClouds(config.dataDir, `${urls.identity}/v3`, accounts);
  const cloud: CloudName = accounts.some((a) => a.cloud === 'glint-demo') ? 'glint-demo' : 'glint-admin';
  const user = cloud === 'glint-demo' ? 'demo' : 'admin';
  const password = withPasswords.includes(cloud) ? '' : `; ${user}'s password is not in it: add OS_PASSWORD, or set a new one with glint users set-password ${user}`;
  return [`Log in with the openstack CLI (clouds ${accounts.map((a) => a.cloud).join(' and ')} in clouds.yaml${password}):`, `  ${exportLine(config.dataDir, cloud)}`];
}

const keystoneLogins = (config: Config, urls: Urls, prepared: Prepared) => (config.auth === 'keystone' ? loginLines(config, urls, prepared) : []);

/** The block printed once Glint answers: where, how to log in, and a curl to try. */
function readyMessage(config: Config, urls: Urls, { sample }: Prepared, logins: string[]): string {
  const keystone = config.auth === 'keystone';
  const { compute, image, identity } = urls;
  const { token, project } = sample ?? { token: keystone ? '<token>' : '<user>:<project_id>', project: '<project_id>' };
  const workers = config.workers > 1 ? `, ${config.workers} worker processes` : '';
  const lines = [
    `Glint is ready (profile ${config.profile.name}, auth ${config.auth}, ${where(config)}${workers})`,
    `  compute:  ${compute}`,
    `  image:    ${image}`,
    `  identity: ${identity}`,
  ];
  lines.push(...logins);
  const expiry = sample?.expiresAt ? ` (a token of user demo that expires in ${SAMPLE_TOKEN_TTL_SECONDS / 60} minutes, at ${sample.expiresAt.toISOString().slice(11, 16)} UTC)` : '';
  lines.push(`Try the compute image list${expiry}:`, `  curl -s -H 'X-Auth-Token: ${token}' ${compute}/v2.1/${project}/images`);
  return lines.join('\n');
}

/** SIGTERM or SIGINT closes the listeners and the store, then exits. */
function closeOnSignals(glint: Glint, announce: boolean): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    if (announce) console.log(`${signal}: shutting down`);
    glint.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

export async function serve(config: Config, options: ServeOptions): Promise<void> {
  // A closed stdout (e.g. the reading end of a pipe went away) must not turn a clean shutdown into a crash.
  process.stdout.on('error', () => undefined);
  if (config.workers > 1 && isWorker) {
    // The primary did the one-time work and announces readiness; a worker only serves, and stops when it
    // is told to (the primary's SIGTERM, or the terminal's Ctrl-C reaching the whole process group).
    const glint = await createGlint(config);
    closeOnSignals(glint, false);
    await glint.listen();
    reportListening(glint.urls);
    return;
  }
  await checkPorts(config);
  if (config.workers > 1) {
    // The one-time work that writes happens here, before any worker starts, so workers never race on it.
    // Later the primary writes only to give back the uploads of a worker that died.
    const prepared = await withServices(config, (services) => prepare(config, options, services));
    const urls = await startWorkers(config.workers, () => withServices(config, (services) => giveBack(services, 'interrupted')));
    announceServer(config.dataDir, { identity: urls.identity, pid: process.pid, auth: config.auth });
    console.log(readyMessage(config, urls, prepared, keystoneLogins(config, urls, prepared)));
    sweepLapsedUploads(() => withServices(config, (services) => giveBack(services, 'lapsed')));
    return;
  }
  const glint = await createGlint(config);
  const prepared = await prepare(config, options, glint);
  // Before the ready line: whoever reads it may stop the process at once.
  closeOnSignals(glint, true);
  await glint.listen();
  announceServer(config.dataDir, { identity: glint.urls.identity, pid: process.pid, auth: config.auth });
  console.log(readyMessage(config, glint.urls, prepared, keystoneLogins(config, glint.urls, prepared)));
  sweepLapsedUploads(() => giveBack(glint, 'lapsed'));
}

/**
 * Uploads and imports whose process on another machine stopped renewing its lease are given back while this
 * process runs, not only at the next start: one machine's crash leaves no image saving or importing for longer
 * than a few leases.
 */
export function sweepLapsedUploads(recover: () => Promise<number>): void {
  const sweep = () =>
    recover().then(
      (recovered) => recovered > 0 && console.log(`${recovered} image(s) whose upload lease lapsed are queued again`),
      (err: unknown) => console.error(`Uploads whose lease lapsed stay saving until the next sweep: ${(err as Error).message}`),
    );
  setInterval(() => void sweep(), LEASE_MS).unref();
}
