#!/usr/bin/env node
// The `glint` command: the compiled program, built first only when a source changed since the last build.
import console from 'node:console';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { buildIfStale } from './fresh-build.js';

try {
  buildIfStale(fileURLToPath(new URL('..', import.meta.url)));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
await import('../dist/main.js');
