/**
 * `serve --ephemeral`: the catalog and image data in a new temporary directory (0700), removed when the process
 * exits (after SIGTERM's or Ctrl-C's clean shutdown, at a normal exit, or when the start fails). The workers of
 * `--workers` serve from their primary's directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { isWorker } from './cluster.js';

/** Hands the primary's directory to its workers, which inherit its environment. */
const PRIMARY_DIR = 'GLINT_EPHEMERAL_DIR';

export function ephemeral(config: Config): Config {
  if (config.database || config.blobs) {
    throw new ConfigError('--ephemeral keeps the catalog and image data in a temporary directory: it cannot be combined with --database or --blobs');
  }
  const inherited = process.env[PRIMARY_DIR];
  if (isWorker && inherited) return { ...config, dataDir: inherited };
  // mkdtemp makes the directory 0700 whatever the umask.
  const dataDir = mkdtempSync(join(tmpdir(), 'glint-ephemeral-'));
  process.env[PRIMARY_DIR] = dataDir;
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  return { ...config, dataDir };
}
