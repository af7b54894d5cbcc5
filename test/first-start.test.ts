// The first start under Keystone: a port already taken stops it before anything is made, naming the port, the
// API and the flag to pass; a start on free ports makes the accounts, prints their passwords once, and writes
// them to DATA_DIR/clouds.yaml (0600 whatever the umask), whose printed export line, pasted into a shell as it is,
// logs the openstack CLI in.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expectSuccess, requireClient, runCli } from './clients/harness.js';
import { glintCommand, startGlint, stopGlint, type GlintProcess } from './support/glint-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'glint-first-start-'));
after(() => rmSync(work, { recursive: true, force: true }));

const glint = (...args: string[]) => promisify(execFile)(process.execPath, [...glintCommand(), ...args], { cwd: ROOT });

/** A port this process listens on, so that no one else can. */
async function takenPort(): Promise<{ port: number; free: () => void }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return { port: (server.address() as AddressInfo).port, free: () => server.close() };
}

/** Waits until the server has printed a line matching `pattern`; the match. */
async function printed(server: GlintProcess, pattern: RegExp): Promise<RegExpExecArray> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const match = pattern.exec(server.output());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`no line matching ${pattern} in:\n${server.output()}`);
}

/** Runs the printed export line verbatim in a shell, then `openstack ARGS` there. */
const pasted = (line: string, ...args: string[]) => runCli(['/bin/bash', '-c', `${line}\nexec "$0" "$@"`, requireClient('openstack'), ...args]);

test('a taken port stops the first start before any account exists; a start on free ports makes them and a clouds.yaml that logs the openstack CLI in', async () => {
  const dataDir = join(work, 'data');
  const taken = await takenPort();
  try {
    const failure = await glint('serve', '--auth', 'keystone', '--demo', '--data-dir', dataDir, '--compute-port', '0', '--image-port', '0',
      '--identity-port', String(taken.port)).then(
      () => assert.fail('serve started on a taken port'),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    assert.equal(failure.code, 1);
    assert.match(failure.stderr, new RegExp(`^glint: port ${taken.port} on 127\\.0\\.0\\.1 for the identity API is in use: pass another, e\\.g\\. --identity-port \\d+`));
    assert.doesNotMatch(failure.stdout, /password/);
  } finally {
    taken.free();
  }
  assert.equal(existsSync(dataDir), false, 'nothing was created');
  assert.equal((await glint('users', 'list', '--data-dir', dataDir)).stdout.trim(), 'id\tname\tprojects (roles)');

  const umask = process.umask(0);
  let server: GlintProcess;
  try {
    server = await startGlint(['--auth', 'keystone', '--demo', '--data-dir', dataDir]);
  } finally {
    process.umask(umask);
  }
  try {
    const [, line, file] = await printed(server, /^ {2}(export OS_CLIENT_CONFIG_FILE=(\S+) OS_CLOUD=glint-demo)$/m);
    assert.equal(file, join(dataDir, 'clouds.yaml'));
    assert.equal((statSync(file).mode & 0o777).toString(8), '600');
    assert.equal(server.output().match(/its password \(printed only this once\)/g)?.length, 2, 'admin and demo, once each');
    assert.doesNotMatch(server.output(), /OS_PASSWORD/);

    const images = expectSuccess(await pasted(line, 'image', 'list', '-f', 'value', '-c', 'Name'), 'openstack image list as glint-demo').stdout;
    assert.match(images, /^Ubuntu/m);
    assert.ok(images.trim().split('\n').length >= 10, images);
    const projects = expectSuccess(await pasted(line.replace('glint-demo', 'glint-admin'), 'project', 'list', '-f', 'value', '-c', 'Name'), 'openstack project list as glint-admin').stdout;
    assert.deepEqual(projects.trim().split('\n').sort(), ['admin', 'demo', 'other']);

    // A new password goes into the clouds that log in with it.
    const reset = await glint('users', 'set-password', 'demo', '--data-dir', dataDir);
    assert.match(reset.stdout, new RegExp(`^${file.replaceAll('.', '\\.')} logs in with it$`, 'm'));
    expectSuccess(await pasted(line, 'image', 'list'), 'openstack image list with the new password');
  } finally {
    await stopGlint(server.child);
  }

  // A later start makes no account and prints no password; its line still works.
  const again = await startGlint(['--auth', 'keystone', '--demo', '--data-dir', dataDir]);
  try {
    const [line] = await printed(again, /export OS_CLIENT_CONFIG_FILE=\S+ OS_CLOUD=glint-demo$/m);
    assert.doesNotMatch(again.output(), /printed only this once/);
    expectSuccess(await pasted(line, 'image', 'list'), 'openstack image list after a restart on another port');
  } finally {
    await stopGlint(again.child);
  }
});
