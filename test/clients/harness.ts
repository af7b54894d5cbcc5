// Helpers for driving unmodified OpenStack command-line clients (Debian's python3-openstackclient
// and python3-glanceclient) against a Glint server started as a child process.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startGlint as startGlintProcess, stopGlint, type GlintProcess } from '../support/glint-process.js';

/** Per command; the clients answer in a second or two on loopback. */
/** An image id as the clients print it. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const CLI_TIMEOUT_MS = 60_000;

export const INSTALL_HINT =
  'Install the Debian packages (CI does this in .ci/run): ' +
  'apt-get update && apt-get install -y --no-install-recommends python3-openstackclient python3-glanceclient';

// ---------------------------------------------------------------------------------------------
// The clients

/** The absolute path of `name` on PATH, or null. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Fails (never skips) when a client is missing, saying how to install it. */
export function requireClient(name: 'openstack' | 'glance'): string {
  const found = findOnPath(name);
  const pkg = name === 'openstack' ? 'python3-openstackclient' : 'python3-glanceclient';
  assert.ok(found, `the \`${name}\` command (Debian package ${pkg}) is not on PATH. ${INSTALL_HINT}`);
  return found;
}

export interface CliResult {
  command: string[];
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** What Glint wrote while the command ran (errors it logged, for instance). */
  serverOutput: string;
}

/**
 * Runs a client with a clean environment: only PATH, LANG and a fresh, empty HOME, so no OS_*
 * variable, clouds.yaml or client cache of the developer's shell changes what is sent. A fresh
 * HOME per command also keeps glanceclient from reusing `~/.glanceclient/image_schema.json`: built from a
 * cached schema that has `stores` (the reference's has it too), `image-create-via-import` fails with
 * "argument --stores: conflicting option string". Never throws; `expectSuccess` checks.
 */
export async function runCli(command: string[], server?: GlintServer, options: { home?: string; closedStdin?: boolean } = {}): Promise<CliResult> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'glint-clients-home-'));
  const mark = server?.outputLength() ?? 0;
  try {
    // With no standard input at all, as a terminal's user runs it: glanceclient takes any other (a pipe, even
    // /dev/null) for image data.
    const [file, ...args] = options.closedStdin ? ['/bin/sh', '-c', 'exec "$@" <&-', 'sh', ...command] : command;
    return await new Promise<CliResult>((resolve) => {
      execFile(
        file,
        args,
        {
          cwd: home,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: process.env.LANG ?? 'C.UTF-8' },
          timeout: CLI_TIMEOUT_MS,
          killSignal: 'SIGKILL',
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          const failure = error as (NodeJS.ErrnoException & { code?: number | string; signal?: string | null }) | null;
          resolve({
            command,
            code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
            signal: failure?.signal ?? null,
            stdout,
            stderr: failure && typeof failure.code === 'string' ? `${stderr}\n${failure.message}` : stderr,
            serverOutput: server?.outputSince(mark) ?? '',
          });
        },
      );
    });
  } finally {
    if (!options.home) rmSync(home, { recursive: true, force: true });
  }
}

const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');
const clip = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, chars)}… (${text.length} chars)` : text);

/**
 * The HTTP exchanges a client made, one line each, from the urllib3 debug lines that both clients
 * print with `--debug` (`"GET /v2/images HTTP/1.1" 404 21`). glanceclient's first requests
 * (`/versions`, the schemas) happen before its logging is set up and are not listed.
 */
export function exchanges(stderr: string): string[] {
  const found: string[] = [];
  for (const match of stderr.matchAll(/"([A-Z]+) (\S+) HTTP\/1\.[01]" (\d{3})/g)) found.push(`${match[1]} ${match[2]} -> ${match[3]}`);
  return found;
}

const V1_FALLBACK =
  'note: glanceclient fell back to the v1 API (/v1/images…): it does so when GET /versions lists no v2.x version, ' +
  'or when /v2/schemas/image, /v2/schemas/metadefs/namespace and /v2/schemas/metadefs/resource_type all fail.';

/** Everything worth knowing when a command did not do what was expected. */
export function explain(result: CliResult): string {
  const sent = exchanges(result.stderr);
  return [
    `$ ${result.command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`,
    `exit code ${result.code}${result.signal ? ` (signal ${result.signal}${result.signal === 'SIGKILL' ? `, timed out after ${CLI_TIMEOUT_MS / 1000} s` : ''})` : ''}`,
    `requests sent (after client start-up): ${sent.length ? `\n  ${sent.join('\n  ')}` : 'none logged'}`,
    `stdout:\n${clip(result.stdout.trimEnd(), 3000) || '(empty)'}`,
    `stderr (last lines):\n${tail(result.stderr, 25) || '(empty)'}`,
    ...(result.serverOutput.trim() ? [`Glint's output meanwhile:\n${tail(result.serverOutput, 20)}`] : []),
    ...(result.stderr.includes('falling back to v1') ? [V1_FALLBACK] : []),
  ].join('\n');
}

export function expectSuccess(result: CliResult, what: string): CliResult {
  assert.equal(result.code, 0, `${what} failed\n${explain(result)}`);
  return result;
}

export function parseJson<T>(result: CliResult, what: string): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (err) {
    assert.fail(`${what}: output is not JSON (${(err as Error).message})\n${explain(result)}`);
  }
}

/**
 * The rows of a prettytable, as glanceclient prints them (`| a | b |`), header row first.
 * glanceclient wraps long values onto rows whose first cell is empty; those are joined back
 * (without a separator, which is right for the hashes it wraps).
 */
export function parseTable(stdout: string): string[][] {
  const rows: string[][] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const previous = rows[rows.length - 1];
    if (previous && rows.length > 1 && cells[0] === '' && cells.slice(1).some(Boolean)) {
      cells.forEach((cell, i) => (previous[i] += cell));
    } else {
      rows.push(cells);
    }
  }
  return rows;
}

/** A table as records keyed by its header (`image-list`, `member-list`). */
export function parseRecords(stdout: string): Record<string, string>[] {
  const [header, ...rows] = parseTable(stdout);
  if (!header) return [];
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

/** A `Property | Value` table (`image-show`, `image-create`, `image-update`). */
export function parseProperties(stdout: string): Record<string, string> {
  const [header, ...rows] = parseTable(stdout);
  if (!header) return {};
  return Object.fromEntries(rows.map(([key, value]) => [key, value ?? '']));
}

// ---------------------------------------------------------------------------------------------
// The server

export interface GlintServer {
  compute: string;
  image: string;
  identity: string;
  dataDir: string;
  outputLength(): number;
  outputSince(mark: number): string;
  stop(): Promise<void>;
}

export interface StartGlintOptions {
  /** `noauth` (the default here: tokens are `user:project`) or `keystone` (passwords, issued tokens, AK/SK). */
  auth?: 'noauth' | 'keystone';
  /** Added to the server's environment, e.g. `GLINT_ADMIN_PASSWORD` for `keystone`. */
  env?: NodeJS.ProcessEnv;
  /** More `serve` options. */
  args?: string[];
}

/**
 * `glint serve --profile openstack --auth noauth` (or `options.auth`) on free loopback ports with a
 * fresh data directory; resolves once it has printed its three URLs.
 */
export async function startGlint(options: StartGlintOptions = {}): Promise<GlintServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'glint-clients-'));
  let glint: GlintProcess;
  try {
    glint = await startGlintProcess(['--profile', 'openstack', '--auth', options.auth ?? 'noauth', '--data-dir', dataDir, ...(options.args ?? [])], { env: options.env });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...glint.urls,
    dataDir,
    outputLength: () => glint.outputLength(),
    outputSince: (mark: number) => glint.outputSince(mark),
    async stop() {
      await stopGlint(glint.child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The Python libraries

/** Debian's Python: the only one that imports the packaged clients (the first python3 on PATH may not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * Fails (never skips) when Debian's Python cannot import `modules` (module name -> Debian package),
 * naming the packages to install.
 */
export async function requirePythonModules(modules: Record<string, string>): Promise<void> {
  const names = Object.keys(modules);
  const probe = `import importlib, json\nmissing = []\nfor name in ${JSON.stringify(names)}:\n    try:\n        importlib.import_module(name)\n    except Exception:\n        missing.append(name)\nprint(json.dumps(missing))\n`;
  const result = await runCli([DEBIAN_PYTHON, '-c', probe]);
  let missing: string[] = names;
  if (result.code === 0) {
    try {
      missing = JSON.parse(result.stdout) as string[];
    } catch {
      // keep them all as missing: the probe itself misbehaved
    }
  }
  const packages = [...new Set(missing.map((name) => modules[name]))];
  assert.deepEqual(
    missing,
    [],
    `${DEBIAN_PYTHON} cannot import ${missing.join(', ')} (Debian package(s) ${packages.join(' ')}). ` +
      `Install them (CI does this in .ci/run): apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}` +
      (result.code === 0 ? '' : `\n${explain(result)}`),
  );
}
