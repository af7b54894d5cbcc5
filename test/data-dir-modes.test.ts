// What a data directory lets other local users see: nothing, whatever the umask. The catalog (password hashes,
// sealed secrets, tokens' hashes), its log files, the identity key and the image data are the owner's alone.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createGlint } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('under umask 000, a new data directory is 0700 and every file Glint writes in it 0600', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'glint-modes-'));
  const dir = join(parent, 'data');
  const umask = process.umask(0);
  try {
    const glint = await createGlint(loadConfig({ auth: 'noauth', dataDir: dir, computePort: 0, imagePort: 0, identityPort: 0 }, {}));
    const token = 'alice:0123456789abcdef0123456789abcdef';
    const created = await glint.image.inject({ method: 'POST', url: '/v2/images', headers: { 'x-auth-token': token }, payload: { name: 'private bytes' } });
    const { id } = created.json<{ id: string }>();
    const uploaded = await glint.image.inject({
      method: 'PUT',
      url: `/v2/images/${id}/file`,
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('secret image data'),
    });
    assert.equal(uploaded.statusCode, 204);
    assert.equal(mode(dir), '700');
    assert.equal(mode(join(dir, 'images')), '700');
    const files = [...readdirSync(dir).filter((name) => name !== 'images'), ...readdirSync(join(dir, 'images')).map((name) => join('images', name))];
    assert.deepEqual(files.sort(), ['catalog.sqlite', 'catalog.sqlite-shm', 'catalog.sqlite-wal', 'identity.key', join('images', id)].sort());
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
    for (const path of [join(dir, 'images'), join(dir, 'catalog.sqlite'), join(dir, 'catalog.sqlite-wal')]) chmodSync(path, 0o755);
    const glint = await createGlint(config);
    assert.equal(mode(join(dir, 'images')), '700');
    assert.equal(mode(join(dir, 'catalog.sqlite')), '600');
    assert.equal(mode(join(dir, 'catalog.sqlite-wal')), '600');
    await glint.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
