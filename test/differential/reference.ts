/**
 * The reference deployment the run compares with (`/work/shared/reference`): one already answering at the
 * given URLs, or one started (and, holding images of an earlier run, started afresh) by its own scripts in
 * the run directory that REFERENCE_RUN_DIR names. Its catalog must be empty: the run's images use fixed ids,
 * and an admin's lists show every image.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sendRequest } from '../conformance/replay.js';
import { admin } from './catalog.js';
import type { Endpoints } from './differ.js';

const run = promisify(execFile);

export const REFERENCE_DIR = process.env.REFERENCE_DIR ?? '/work/shared/reference';
/** The shared reference's run directory: never reset by this tool. */
const SHARED_RUN_DIR = '/tmp/glint-reference';

export interface ReferenceSettings {
  /** Where its scripts keep its state; unset when only URLs were given. */
  runDir?: string;
  endpoints: Endpoints;
}

/** The settings from the REFERENCE_* variables, as the reference's scripts read them, and the URL flags. */
export function referenceSettings(flags: Partial<Endpoints>): ReferenceSettings {
  const glancePort = process.env.REFERENCE_GLANCE_PORT ?? '39292';
  const novaPort = process.env.REFERENCE_NOVA_PORT ?? '38774';
  const endpoints = {
    image: flags.image ?? `http://127.0.0.1:${glancePort}`,
    compute: flags.compute ?? `http://127.0.0.1:${novaPort}`,
  };
  if (flags.image || flags.compute) return { endpoints };
  return { endpoints, runDir: path.resolve(process.env.REFERENCE_RUN_DIR ?? '/tmp/glint-reference-diff') };
}

async function answers(url: string): Promise<boolean> {
  const answer = await sendRequest(url, { method: 'GET', path: '/', headers: {}, body: null }, 5_000);
  return !('error' in answer);
}

/** How many images (deleted ones aside) the reference holds, by an admin's list of every visibility, hidden or not. */
async function imageCount(image: string): Promise<number> {
  let count = 0;
  for (const hidden of ['false', 'true']) {
    const answer = await sendRequest(image, {
      method: 'GET', path: `/v2/images?visibility=all&os_hidden=${hidden}&limit=1`, headers: { 'X-Auth-Token': admin.token }, body: null,
    }, 30_000);
    if ('error' in answer) throw new Error(`the reference's image API did not answer: ${answer.error}`);
    count += (JSON.parse(answer.raw.toString('utf8')) as { images: unknown[] }).images.length;
  }
  return count;
}

function scriptEnv(settings: ReferenceSettings): NodeJS.ProcessEnv {
  const port = (url: string) => new URL(url).port;
  return {
    ...process.env,
    REFERENCE_RUN_DIR: settings.runDir,
    REFERENCE_GLANCE_PORT: port(settings.endpoints.image),
    REFERENCE_NOVA_PORT: port(settings.endpoints.compute),
  };
}

async function script(settings: ReferenceSettings, name: 'start.sh' | 'stop.sh'): Promise<void> {
  await run(path.join(REFERENCE_DIR, name), [], { env: scriptEnv(settings), maxBuffer: 16 * 1024 * 1024 });
}

/**
 * A reference with an empty catalog at the settings' URLs: reused when it answers with none, else (only in a
 * run directory of its own) stopped, cleared and started again.
 */
export async function ensureReference(settings: ReferenceSettings, log: (line: string) => void): Promise<void> {
  const { endpoints, runDir } = settings;
  const up = (await answers(endpoints.image)) && (await answers(endpoints.compute));
  if (up && (await imageCount(endpoints.image)) === 0) {
    log(`reusing the reference at ${endpoints.image} and ${endpoints.compute}`);
    return;
  }
  if (!runDir) throw new Error(`the reference at ${endpoints.image} ${up ? 'holds images' : 'does not answer'}; give it an empty catalog, or leave out the URL flags to let this tool run its own`);
  if (runDir === SHARED_RUN_DIR) throw new Error(`REFERENCE_RUN_DIR is the shared reference's (${SHARED_RUN_DIR}), which this tool never clears; name another`);
  if (up) {
    log(`the reference in ${runDir} holds images: stopping it and clearing its run directory`);
    await script(settings, 'stop.sh');
  }
  rmSync(runDir, { recursive: true, force: true });
  log(`starting a reference in ${runDir} (${endpoints.image}, ${endpoints.compute})`);
  await script(settings, 'start.sh');
}
