// `glint serve` as a child process, for the tests and benchmarks that drive a real server over loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT_STARTUP_MS = 30_000;
/** Output kept per process: once past the high mark, trimmed to the low one (dropped bytes are counted). */
const OUTPUT_HIGH = 1_000_000;
const OUTPUT_LOW = 500_000;
const FAILURE_TAIL = 4_000;

const URL_LINES = {
  compute: /^[ \t]*compute:[ \t]+(http\S+)/m,
  image: /^[ \t]*image:[ \t]+(http\S+)/m,
  identity: /^[ \t]*identity:[ \t]+(http\S+)/m,
};

export interface GlintUrls {
  compute: string;
  image: string;
  identity: string;
}

export interface GlintProcess {
  child: ChildProcess;
  urls: GlintUrls;
  /** stdout and stderr as they came, the most recent part once there is a lot of it. */
  output(): string;
  /** Characters written so far, dropped ones included: a mark for `outputSince`. */
  outputLength(): number;
  /** What was written since `mark` (as much of it as is still kept). */
  outputSince(mark: number): string;
}

export interface StartOptions {
  /** How long to wait for the URL lines; default 30 s. */
  timeoutMs?: number;
  /** Added to the environment (after GLINT_* variables are removed from it). */
  env?: NodeJS.ProcessEnv;
  /** Runs the compiled build (`npm run build`) as `npm start` does, instead of the sources through tsx. */
  compiled?: boolean;
  /** A command Glint runs under (e.g. `nsenter …` to run it in another mount namespace); it must exec Glint in its place. */
  prefix?: string[];
}

/** The node arguments that run the glint command line, from the compiled build or from the sources. */
export function glintCommand(compiled = false): string[] {
  return compiled ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
}

// Children still running if this process dies early; killed on exit so none is orphaned.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) if (isRunning(child)) child.kill('SIGKILL');
});

/** Registers any child (not only Glint) to be SIGKILLed should this process exit while it runs. */
export function killOnExit<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!isRunning(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** The environment minus GLINT_* settings, so the shell running this cannot change the server under test. */
function withoutGlintEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('GLINT_')));
}

/**
 * `glint serve <serveArgs>` from the project root, on loopback and free ports unless `serveArgs` says
 * otherwise; resolves once it has printed its three URLs. On a timeout or an early exit the child is
 * killed and the error carries the tail of its output.
 */
export async function startGlint(serveArgs: string[], options: StartOptions = {}): Promise<GlintProcess> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_STARTUP_MS;
  const defaults: [string, string][] = [['--host', '127.0.0.1'], ['--compute-port', '0'], ['--image-port', '0'], ['--identity-port', '0']];
  const args = [...serveArgs, ...defaults.filter(([flag]) => !serveArgs.includes(flag)).flat()];
  const [command, ...commandArgs] = [...(options.prefix ?? []), process.execPath, ...glintCommand(options.compiled), 'serve', ...args];
  const child = killOnExit(spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...withoutGlintEnv(process.env), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));

  // Both pipes are drained for the process's whole life: a full pipe would stall the server.
  let output = '';
  let dropped = 0;
  const keep = (chunk: string) => {
    output += chunk;
    if (output.length > OUTPUT_HIGH) {
      dropped += output.length - OUTPUT_LOW;
      output = output.slice(-OUTPUT_LOW);
    }
  };
  let stdout = '';
  let settled = false;
  child.stderr.setEncoding('utf8').on('data', keep);

  const urls = await new Promise<GlintUrls>((resolve, reject) => {
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`glint serve ${why}\n--- output (tail) ---\n${output.slice(-FAILURE_TAIL)}`));
    };
    const timer = setTimeout(() => fail(`printed no compute/image/identity URLs within ${timeoutMs / 1000} s`), timeoutMs);
    child.once('error', (err) => fail(`could not be started: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      keep(chunk);
      if (settled) return;
      stdout += chunk;
      // Only complete lines: a URL cut in the middle of a chunk would still match \S+.
      const lines = stdout.slice(0, stdout.lastIndexOf('\n') + 1);
      const [compute, image, identity] = [URL_LINES.compute, URL_LINES.image, URL_LINES.identity].map((re) => re.exec(lines)?.[1]);
      if (compute && image && identity) {
        settled = true;
        clearTimeout(timer);
        stdout = '';
        resolve({ compute, image, identity });
      }
    });
  });

  return {
    child,
    urls,
    output: () => output,
    outputLength: () => dropped + output.length,
    outputSince: (mark) => output.slice(Math.max(0, mark - dropped)),
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how the child ended. Works for any child, not only Glint. */
export async function stopGlint(child: ChildProcess, graceMs = 5_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!isRunning(child)) return waitForExit(child);
  const exit = waitForExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const result = await exit;
  clearTimeout(timer);
  return result;
}

/** The live (not zombie) children of process `pid` and their command lines, read from /proc: Linux only. */
export function childProcesses(pid: number): Array<{ pid: number; argv: string[] }> {
  const children: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name in parentheses may hold spaces and parentheses itself; state and ppid follow it.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== pid || state === 'Z') continue;
      children.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').slice(0, -1) });
    } catch {
      continue; // ended while the list was read
    }
  }
  return children.sort((a, b) => a.pid - b.pid);
}

/** Whether any process, a zombie included, still has this pid. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
