// Account care from the command line while a server runs on the same catalog (SQLite in WAL, PostgreSQL): a new
// password, a role taken back, a deleted user or project take effect for the running server at once; access keys
// are listed without their secrets and deleted; deleting what is not there fails with a one-line error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { glintCommand, startGlint, stopGlint, type GlintUrls } from './support/glint-process.js';
import { freshDatabase } from './support/postgres-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'glint-account-care-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `glint ARGS` on the catalog `at` names; its output. */
async function glint(at: string[], ...args: string[]): Promise<string> {
  return (await promisify(execFile)(process.execPath, [...glintCommand(), ...args, ...at], { cwd: ROOT })).stdout;
}

/** `glint ARGS` that must fail: its one-line error. */
async function refused(at: string[], ...args: string[]): Promise<string> {
  const failure = await glint(at, ...args).then(
    () => assert.fail(`glint ${args.join(' ')} succeeded`),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(failure.code, 1);
  return failure.stderr.trim();
}

/** Logs `user` in on project `project`; the token, or the status when refused. */
async function login(urls: GlintUrls, user: string, password: string, project: string): Promise<string | number> {
  const answer = await fetch(`${urls.identity}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
  });
  await answer.arrayBuffer();
  return answer.status === 201 ? answer.headers.get('x-subject-token')! : answer.status;
}

async function token(urls: GlintUrls, user: string, password: string, project: string): Promise<string> {
  const value = await login(urls, user, password, project);
  assert.equal(typeof value, 'string', `${user} logs in on ${project}`);
  return value as string;
}

/** The status of the image list with `value` for the project whose id is `project`. */
async function imageList(urls: GlintUrls, value: string, project: string): Promise<number> {
  const answer = await fetch(`${urls.compute}/v2.1/${project}/images`, { headers: { 'X-Auth-Token': value } });
  await answer.arrayBuffer();
  return answer.status;
}

/** The status of the image API's image list signed with an access key (Huawei AK/SK) for the project. */
async function signedImageList(urls: GlintUrls, access: string, secret: string, project: string): Promise<number> {
  const url = `${urls.image}/v2/images`;
  const headers = { 'X-Project-Id': project, 'Content-Type': 'application/json', host: new URL(url).host };
  const signed = AKSKSigner.sign({ endpoint: url, method: 'GET', headers, queryParams: {} }, new BasicCredentials().withAk(access).withSk(secret));
  const answer = await fetch(url, { headers: signed });
  await answer.arrayBuffer();
  return answer.status;
}

const BACKENDS = {
  sqlite: async (name: string) => ['--data-dir', join(work, name)],
  postgresql: async (name: string) => ['--data-dir', join(work, name), '--database', await freshDatabase()],
};

for (const [backend, catalog] of Object.entries(BACKENDS)) {
  describe(`account care on ${backend}, while a server runs`, () => {
    test('new passwords, roles, access keys and deletes take effect at once', async () => {
      const at = await catalog(`care-${backend}`);
      const projectId = /id ([0-9a-f]{32})/.exec(await glint(at, 'projects', 'create', 'p'))![1];
      await glint(at, 'users', 'create', 'u', '--project', 'p', '--password', 'first-password');
      const server = await startGlint(['--auth', 'keystone', '--lockout-attempts', '2', ...at]);
      try {
        const urls = server.urls;
        const first = await token(urls, 'u', 'first-password', 'p');
        assert.equal(await imageList(urls, first, projectId), 200);

        // Locked out by two wrong guesses; a new password lets the user in again and ends the old tokens.
        for (const guess of ['guess-1', 'guess-2']) assert.equal(await login(urls, 'u', guess, 'p'), 401);
        assert.equal(await login(urls, 'u', 'first-password', 'p'), 401);
        const generated = await glint(at, 'users', 'set-password', 'u');
        const password = /^Password \(printed only this once\): (\S+)$/m.exec(generated)![1];
        assert.equal(await imageList(urls, first, projectId), 401);
        const second = await token(urls, 'u', password, 'p');
        assert.match(await glint(at, 'users', 'set-password', 'u', '--password', 'chosen-password'), /^Set a new password for user u/);
        assert.doesNotMatch(await glint(at, 'users', 'set-password', 'u', '--password', 'chosen-password'), /printed only this once/);
        assert.equal(await imageList(urls, second, projectId), 401);
        assert.equal(await login(urls, 'u', password, 'p'), 401);

        // A role taken back ends the tokens that listed it; the role left still lets the user in.
        const third = await token(urls, 'u', 'chosen-password', 'p');
        await glint(at, 'roles', 'add', '--user', 'u', '--project', 'p', '--role', 'admin');
        assert.match(await glint(at, 'users', 'list'), /\tu\tp \(admin, member, reader\)$/m);
        await glint(at, 'roles', 'remove', '--user', 'u', '--project', 'p', '--role', 'member');
        assert.equal(await imageList(urls, third, projectId), 401);
        assert.equal(await refused(at, 'roles', 'remove', '--user', 'u', '--project', 'p', '--role', 'member'), 'glint: user u has no role member on project p');
        const fourth = await token(urls, 'u', 'chosen-password', 'p');
        assert.equal(await imageList(urls, fourth, projectId), 200);

        // Access keys are listed without their secrets, and deleted: requests signed with them are refused at once.
        const created = await glint(at, 'credentials', 'create', '--user', 'u');
        const [, access] = /access key \(AK\): (\S+)/.exec(created)!;
        const [, secret] = /secret key \(SK, printed only this once\): (\S+)/.exec(created)!;
        assert.equal(await signedImageList(urls, access, secret, projectId), 200);
        const listed = await glint(at, 'credentials', 'list', '--user', 'u');
        assert.match(listed, new RegExp(`^${access}\\tu\\t`, 'm'));
        assert.ok(!listed.includes(secret), 'no secret in the list');
        assert.match(await glint(at, 'credentials', 'delete', access), /^Deleted access key/);
        assert.equal(await signedImageList(urls, access, secret, projectId), 401);
        assert.doesNotMatch(await glint(at, 'credentials', 'list'), new RegExp(access));
        assert.equal(await refused(at, 'credentials', 'delete', access), `glint: no access key '${access}'`);

        // A deleted user's tokens are refused at once, and it logs in no more.
        const kept = await glint(at, 'credentials', 'create', '--user', 'u');
        const [, keptAccess, keptSecret] = /\(AK\): (\S+)\n.*printed only this once\): (\S+)/.exec(kept)!;
        assert.equal(await signedImageList(urls, keptAccess, keptSecret, projectId), 200);
        await glint(at, 'users', 'delete', 'u');
        assert.equal(await imageList(urls, fourth, projectId), 401);
        assert.equal(await signedImageList(urls, keptAccess, keptSecret, projectId), 401);
        assert.equal(await login(urls, 'u', 'chosen-password', 'p'), 401);
        assert.equal((await glint(at, 'credentials', 'list')).trim(), 'access key\tuser\tcreated');
        assert.equal(await refused(at, 'users', 'delete', 'u'), "glint: no user 'u'");

        // A deleted project's tokens are refused at once.
        await glint(at, 'users', 'create', 'v', '--project', 'p', '--password', 'v-password');
        const fifth = await token(urls, 'v', 'v-password', 'p');
        await glint(at, 'projects', 'delete', 'p');
        assert.equal(await imageList(urls, fifth, projectId), 401);
        assert.doesNotMatch(await glint(at, 'projects', 'list'), /\tp\t/);
        assert.equal(await refused(at, 'projects', 'delete', 'p'), "glint: no project 'p'");
      } finally {
        await stopGlint(server.child);
      }
    });
  });
}
