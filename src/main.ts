/** Process entry: the `glint` command line. */
import { Command } from 'commander';
import { withServices } from './app.js';
import { ConfigError, DEFAULTS, loadConfig, wholeNumber, type Config, type ConfigInput } from './config.js';
import { CatalogFormatError } from './catalog/transfer.js';
import { CatalogError } from './catalog/errors.js';
import {
  addRole, createCredential, createProject, createUser, deleteCredential, deleteProject, deleteUser, listCredentials, listProjects, listUsers,
  removeRole, setPassword, unlockUser, type RoleGrant,
} from './cli/accounts.js';
import { describeLoad, loadMetadefFiles } from './cli/metadefs.js';
import { seedSynthetic } from './cli/seed.js';
import { serve } from './cli/serve.js';
import { ephemeral } from './cli/ephemeral.js';
import { runStateCommand } from './cli/state.js';
import { IdentityError } from './identity/errors.js';
import { describeImport, exportFile, importFile } from './cli/transfer.js';

interface SelectionOptions {
  set: string[];
  exclude: string[];
}

const DATA_DIR_HELP = `where the SQLite catalog, image data and identity key live (default: ${DEFAULTS.dataDir})`;

/** Repeatable options collect their values. */
const collect = (value: string, previous: string[]) => [...previous, value];

const program = new Command('glint').description('OpenStack-compatible image service (each serve option can also come from GLINT_<OPTION>, e.g. GLINT_DATA_DIR)');

program
  .command('serve')
  .description('start the compute, image and identity APIs')
  .option('--profile <name>', `huawei or openstack (default: ${DEFAULTS.profile})`)
  .option('--auth <mode>', `keystone (tokens from the identity API, AK/SK signatures) or noauth (tokens are user:project[:roles]) (default: ${DEFAULTS.auth})`)
  .option('--host <address>', `address to listen on (default: ${DEFAULTS.host})`)
  .option('--compute-port <port>', `compute API port (0 picks a free one) (default: ${DEFAULTS.computePort})`)
  .option('--image-port <port>', `image API port (0 picks a free one) (default: ${DEFAULTS.imagePort})`)
  .option('--identity-port <port>', `identity API port (0 picks a free one) (default: ${DEFAULTS.identityPort})`)
  .option('--compute-url <url>', 'public base URL of the compute API, for the catalog and links (default: the host the client used, compute port)')
  .option('--image-url <url>', 'public base URL of the image API (default: the host the client used, image port)')
  .option('--identity-url <url>', 'public base URL of the identity API (default: the host the client used, identity port)')
  .option('--token-ttl <seconds>', `lifetime of issued tokens (default: ${DEFAULTS.tokenTtlSeconds})`)
  .option('--lockout-attempts <n>', `failed logins in a row that lock an account, 0 for never (default: ${DEFAULTS.lockoutAttempts})`)
  .option('--lockout-duration <seconds>', `how long a locked account stays locked (default: ${DEFAULTS.lockoutDurationSeconds})`)
  .option('--lockout-exempt <names>', 'users never locked out, comma-separated (repeatable)', collect, [])
  .option('--policy <rules>', `secure (secure-RBAC defaults: reader reads, member writes, admin all) or legacy (any role on the project writes, as the recorded Zed deployment) (default: ${DEFAULTS.policy})`)
  .option('--body-timeout <seconds>', `longest a request body may go without a byte (and a JSON body may take in all) before 408 (default: ${DEFAULTS.bodyTimeoutSeconds})`)
  .option('--max-connections <n>', `connections each API listener holds at once; more are closed (default: ${DEFAULTS.maxConnections})`)
  .option('--log-level <level>', `pino log level (info logs every request) (default: ${DEFAULTS.logLevel})`)
  .option('--max-upload-bytes <n>', `largest image upload accepted (413 beyond) (default: ${DEFAULTS.maxUploadBytes})`)
  .option('--inspect <on|off>', 'inspect uploaded disk images and refuse unsafe or mislabelled ones (default: on, off in the openstack profile)')
  .option('--web-download-allow-internal', 'let web-download imports fetch from internal addresses (loopback, private, link-local…) on any port (default: public addresses on ports 80 and 443 only)')
  .option('--import <file>', 'load a reference-catalog/1 file before serving')
  .option('--set <name>', 'with --import: load only images of this set (repeatable)', collect, [])
  .option('--exclude <id>', 'with --import: leave this image out (repeatable)', collect, [])
  .option('--demo', 'load the demo catalog when the catalog is empty')
  .option('--workers <n>', 'processes serving the APIs on the same ports (default: 1)')
  .option('--ephemeral', 'keep the catalog and image data in a new temporary directory, removed on exit')
  .option('--metrics <listeners>', 'serve Prometheus metrics at /metrics on these listeners, comma-separated: compute, image, identity (default: none, metrics off)')
  .action(async (opts: ConfigInput & SelectionOptions & { import?: string; demo?: boolean; ephemeral?: boolean }) => {
    const config = loadConfig(opts);
    await serve(opts.ephemeral ? ephemeral(config) : config, { importFile: opts.import, selection: { sets: opts.set, exclude: opts.exclude }, demo: opts.demo });
  });

program
  .command('import')
  .description('load a reference-catalog/1 file into the catalog')
  .argument('<file>')
  .option('--set <name>', 'load only images of this set (repeatable; default: the sets the file names as its default)', collect, [])
  .option('--exclude <id>', 'leave this image out (repeatable)', collect, [])
  .action(async (file: string, opts: ConfigInput & SelectionOptions) => {
    const report = await withServices(loadConfig(opts), ({ catalog }) => importFile(catalog, file, { sets: opts.set, exclude: opts.exclude }));
    console.log(describeImport(file, report));
  });

program
  .command('export')
  .description('write the catalog to a reference-catalog/1 file')
  .argument('<file>')
  .action(async (file: string, opts: ConfigInput) => {
    const written = await withServices(loadConfig(opts), ({ catalog }) => exportFile(catalog, file));
    console.log(`Exported ${written} image(s) to ${file}`);
  });

/** Parses a whole number option of the command line, at least `min`. */
const wholeNumberOf = (name: string, min: number) => (value: string) => wholeNumber(name, value, min);

program
  .command('seed')
  .description('add a generated, deterministic catalog (load and scale testing)')
  .requiredOption('--synthetic <n>', 'how many images', wholeNumberOf('--synthetic', 1))
  .option('--projects <n>', 'how many owner projects', wholeNumberOf('--projects', 1), 100)
  .option('--seed <n>', 'the generator seed: the same seed gives the same catalog', wholeNumberOf('--seed', 0), 1)
  .action(async (opts: ConfigInput & { synthetic: number; projects: number; seed: number }) => {
    console.log(await seedSynthetic(loadConfig(opts), { images: opts.synthetic, projects: opts.projects, seed: opts.seed }));
  });

/** A command acting on one user or project, named or given by id, printing what it did. */
function onOne(parent: Command, name: string, description: string, act: (config: Config, ref: string) => Promise<string>): void {
  parent
    .command(name)
    .description(description)
    .argument('<name-or-id>')
    .action(async (ref: string, opts: ConfigInput) => console.log(await act(loadConfig(opts), ref)));
}

/** A command on one user's role on one project, printing what it did. */
function onGrant(parent: Command, name: string, description: string, act: (config: Config, grant: RoleGrant) => Promise<string>): void {
  parent
    .command(name)
    .description(description)
    .requiredOption('--user <name-or-id>')
    .requiredOption('--project <name-or-id>')
    .requiredOption('--role <name>')
    .action(async (opts: ConfigInput & RoleGrant) => console.log(await act(loadConfig(opts), opts)));
}

const projects = program.command('projects').description('projects (Keystone mode) in the catalog');
projects
  .command('create')
  .argument('<name>')
  .option('--description <text>')
  .option('--id <id>', 'a chosen id (32 hex digits; default: a new one)')
  .action(async (name: string, opts: ConfigInput & { description?: string; id?: string }) => {
    console.log(await createProject(loadConfig(opts), name, opts));
  });
projects
  .command('list')
  .action(async (opts: ConfigInput) => console.log(await listProjects(loadConfig(opts))));
onOne(projects, 'delete', 'remove a project with the roles on it and the tokens scoped to it (its images stay)', deleteProject);

const users = program.command('users').description('users (Keystone mode) in the catalog');
users
  .command('create')
  .argument('<name>')
  .option('--password <password>', 'the password (default: a new one, printed once)')
  .option('--project <name-or-id>', 'give the user roles on this project')
  .option('--role <name>', 'with --project: a role to give (repeatable; default: member and reader)', collect, [])
  .action(async (name: string, opts: ConfigInput & { password?: string; project?: string; role: string[] }) => {
    console.log(await createUser(loadConfig(opts), name, opts));
  });
users
  .command('list')
  .action(async (opts: ConfigInput) => console.log(await listUsers(loadConfig(opts))));
onOne(users, 'unlock', 'let a user locked out by failed logins log in again at once', unlockUser);
users
  .command('set-password')
  .description('give a user a new password (revoking its tokens, lifting a lockout)')
  .argument('<name-or-id>')
  .option('--password <password>', 'the password (default: a new one, printed once)')
  .action(async (name: string, opts: ConfigInput & { password?: string }) => console.log(await setPassword(loadConfig(opts), name, opts)));
onOne(users, 'delete', 'remove a user with its roles, access keys and tokens', deleteUser);

const roles = program.command('roles').description('roles of users on projects (Keystone mode)');
onGrant(roles, 'add', 'give a user a role on a project', addRole);
onGrant(roles, 'remove', 'take a role back (revoking the user\'s tokens on the project)', removeRole);

const credentials = program.command('credentials').description('access keys for signed requests (Huawei AK/SK)');
credentials
  .command('create')
  .requiredOption('--user <name-or-id>')
  .action(async (opts: ConfigInput & { user: string }) => console.log(await createCredential(loadConfig(opts), opts.user)));
credentials
  .command('list')
  .description('access keys and whose they are (never their secrets)')
  .option('--user <name-or-id>', 'only this user\'s')
  .action(async (opts: ConfigInput & { user?: string }) => console.log(await listCredentials(loadConfig(opts), opts)));
credentials
  .command('delete')
  .argument('<access-key>')
  .action(async (access: string, opts: ConfigInput) => console.log(await deleteCredential(loadConfig(opts), access)));

program
  .command('metadefs')
  .description('metadata definitions (Glance metadefs) in the catalog')
  .command('load')
  .description('load namespace files as glance-manage db_load_metadefs does: namespaces already present are left alone')
  .argument('<path>', 'a directory of namespace files (*.json), or one file')
  .option('--merge', 'load into namespaces already present what they lack')
  .option('--prefer-new', 'with --merge: what both hold takes the file\'s attributes')
  .option('--overwrite', 'with --merge: make namespaces already present again from the file')
  .action(async (path: string, opts: ConfigInput & { merge?: boolean; preferNew?: boolean; overwrite?: boolean }) => {
    const report = await withServices(loadConfig(opts), ({ metadefs }) => loadMetadefFiles(metadefs, path, opts));
    for (const { file, reason } of report.failures) console.error(`glint: ${file} is no namespace file, not loaded: ${reason}`);
    console.log(describeLoad(path, report));
    if (report.failures.length) process.exitCode = 1;
  });

const STATE_HELP = ' (through the running server on the same data directory, else on the catalog directly)';

program
  .command('reset')
  .description(`empty the catalog and its image data; the accounts stay${STATE_HELP}`)
  .option('--to-start', 'go back to the catalog the server started with (its start snapshot) instead')
  .action(async (opts: ConfigInput & { toStart?: boolean }) => {
    console.log(await runStateCommand(loadConfig(opts), { action: 'reset', to: opts.toStart ? 'start' : 'empty' }));
  });

const snapshot = program.command('snapshot').description(`named snapshots of the catalog and its image data${STATE_HELP}`);
snapshot
  .command('save')
  .description('save the catalog under NAME, replacing any snapshot of that name')
  .argument('<name>')
  .action(async (name: string, opts: ConfigInput) => console.log(await runStateCommand(loadConfig(opts), { action: 'save', name })));
snapshot
  .command('list')
  .action(async (opts: ConfigInput) => console.log(await runStateCommand(loadConfig(opts), { action: 'list' })));
snapshot
  .command('restore')
  .description('replace the catalog and its image data with the snapshot')
  .argument('<name>')
  .action(async (name: string, opts: ConfigInput) => console.log(await runStateCommand(loadConfig(opts), { action: 'restore', name })));
snapshot
  .command('delete')
  .argument('<name>')
  .action(async (name: string, opts: ConfigInput) => console.log(await runStateCommand(loadConfig(opts), { action: 'delete', name })));

/** Every command that opens the catalog finds it the same way. */
function addStorageOptions(command: Command): void {
  if (command.commands.length > 0) {
    command.commands.forEach(addStorageOptions);
    return;
  }
  command
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--database <url>', 'keep the catalog in PostgreSQL (postgres://user@host/db) instead of SQLite in the data directory')
    .option('--blobs <url>', 'keep image data in an S3 bucket (s3://bucket?endpoint=http://host:port&region=…) instead of the data directory');
}
addStorageOptions(program);

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof CatalogFormatError || err instanceof IdentityError || err instanceof CatalogError) {
    console.error(`glint: ${err.message}`);
  } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`glint: ${(err as Error).message} (choose another port, or 0 for a free one)`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
