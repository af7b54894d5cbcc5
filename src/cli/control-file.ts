/**
 * How the command line finds a running `serve` on the same data directory: `DATA_DIR/control.json` (0600) names
 * its identity URL (where the control API is), its process and its auth mode. Written once it answers, removed
 * when it exits; one whose process is gone (a crash) counts as absent.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthMode } from '../config.js';

export interface RunningServer {
  identity: string;
  pid: number;
  auth: AuthMode;
}

const fileIn = (dataDir: string) => join(dataDir, 'control.json');

export function announceServer(dataDir: string, server: RunningServer): void {
  const file = fileIn(dataDir);
  // A catalog in PostgreSQL with image data in S3 leaves the data directory to the identity key, which may be elsewhere.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(server), { mode: 0o600 });
  process.on('exit', () => rmSync(file, { force: true }));
}

export function runningServer(dataDir: string): RunningServer | null {
  let server: RunningServer;
  try {
    server = JSON.parse(readFileSync(fileIn(dataDir), 'utf8')) as RunningServer;
  } catch {
    return null;
  }
  try {
    process.kill(server.pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return server;
}
