// What a data directory lets other local users see: nothing, whatever the umask. The catalog (password hashes,
// sealed secrets, tokens' hashes), its log files, the identity key, the image data and data staged for imports are the
// owner's alone.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createGlint, type Glint } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

async function createImage(glint: Glint, token: string, name: string): Promise<string> {
  const created = await glint.image.inject({ method: 'POST', url: '/v2/images', headers: { 'x-auth-token': token }, payload: { name, disk_format: 'raw', container_format: 'bare' } });
  return created.json<{ id: string }>().id;
}

test('under umask 000, a new data directory is 0700 and every file Glint writes in it 0600', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'glint-modes-'));
  const dir = join(parent, 'data');
  const umask = process.umask(0);
  try {
    const glint = await createGlint(loadConfig({ auth: 'noauth', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {}));
    const token = 'alice:0123456789abcdef0123456789abcdef';
    const put = async (name: string, data: string, to: 'file' | 'stage') => {
      const id = await createImage(glint, token, name);
      const headers = { 'x-auth-token': token, 'content-type': 'application/octet-stream' };
      assert.equal((await glint.image.inject({ method: 'PUT', url: `/v2/images/${id}/${to}`, headers, payload: Buffer.from(data) })).statusCode, 204);
      return id;
    };
    const id = await put('private bytes', 'secret image data', 'file');
    const staged = await put('private staged bytes', 'secret staged data', 'stage');
    assert.equal(mode(dir), '700');
    const folders = ['images', 'staging'];
    for (const folder of folders) assert.equal(mode(join(dir, folder)), '700', folder);
    const files = [
      ...readdirSync(dir).filter((name) => !folders.includes(name)),
      ...folders.flatMap((folder) => readdirSync(join(dir, folder)).map((name) => join(folder, name))),
    ];
    assert.deepEqual(files.sort(), ['catalog.sqlite', 'catalog.sqlite-shm', 'catalog.sqlite-wal', 'identity.key', join('images', id), join('staging', staged)].sort());
    for (const file of files) assert.equal(mode(join(dir, file)), '600', file);
    await glint.close();
  } finally {
    process.umask(umask);
    rmSync(parent, { recursive: true, force: true });
  }
});

test('files an earlier start left readable are closed to others when Glint opens them again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'glint-modes-'));
  try {
    const config = loadConfig({ auth: 'noauth', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {});
    await (await createGlint(config)).close();
    writeFileSync(join(dir, 'catalog.sqlite-wal'), '');
    for (const path of [join(dir, 'images'), join(dir, 'staging'), join(dir, 'catalog.sqlite'), join(dir, 'catalog.sqlite-wal')]) chmodSync(path, 0o755);
    const glint = await createGlint(config);
    assert.equal(mode(join(dir, 'images')), '700');
    assert.equal(mode(join(dir, 'staging')), '700');
    assert.equal(mode(join(dir, 'catalog.sqlite')), '600');
    assert.equal(mode(join(dir, 'catalog.sqlite-wal')), '600');
    await glint.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
