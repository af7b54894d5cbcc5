import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

test('flags win over GLINT_* variables, which win over the defaults', () => {
  const env = { GLINT_PROFILE: 'openstack', GLINT_COMPUTE_PORT: '0', GLINT_DATA_DIR: '/tmp/glint-env' };
  const fromEnv = loadConfig({}, env);
  assert.equal(fromEnv.profile.name, 'openstack');
  assert.equal(fromEnv.computePort, 0);
  assert.equal(fromEnv.dataDir, '/tmp/glint-env');
  assert.equal(fromEnv.imagePort, 9292);
  assert.equal(loadConfig({ profile: 'huawei' }, env).profile.name, 'huawei');
});

test('inspection follows the profile unless asked', () => {
  assert.equal(loadConfig({}, {}).inspect, true);
  assert.equal(loadConfig({ profile: 'openstack' }, {}).inspect, false);
  assert.equal(loadConfig({ profile: 'openstack', inspect: 'on' }, {}).inspect, true);
});

test('web-download fetches from internal addresses only when the flag (or GLINT_WEB_DOWNLOAD_ALLOW_INTERNAL=on) says so', () => {
  assert.equal(loadConfig({}, {}).webDownloadAllowInternal, false);
  assert.equal(loadConfig({ webDownloadAllowInternal: true }, {}).webDownloadAllowInternal, true);
  assert.equal(loadConfig({}, { GLINT_WEB_DOWNLOAD_ALLOW_INTERNAL: 'on' }).webDownloadAllowInternal, true);
  assert.throws(() => loadConfig({}, { GLINT_WEB_DOWNLOAD_ALLOW_INTERNAL: 'yes' }), /GLINT_WEB_DOWNLOAD_ALLOW_INTERNAL must be on or off/);
});

test('bad values are refused with a message naming the option', () => {
  assert.throws(() => loadConfig({ profile: 'nova' }, {}), ConfigError);
  assert.throws(() => loadConfig({ computePort: '70000' }, {}), /--compute-port/);
  assert.throws(() => loadConfig({ inspect: 'maybe' }, {}), /--inspect/);
  assert.throws(() => loadConfig({ maxUploadBytes: '-1' }, {}), /--max-upload-bytes/);
  assert.throws(() => loadConfig({ database: 'mysql://localhost/glint' }, {}), /--database/);
  assert.throws(() => loadConfig({ database: 'not a url' }, {}), /--database/);
  assert.throws(() => loadConfig({ blobs: '/var/glint' }, {}), /--blobs/);
  assert.throws(() => loadConfig({ workers: '0' }, {}), /--workers/);
});

test('the catalog database, the blob store and the worker count', () => {
  const defaults = loadConfig({}, {});
  assert.equal(defaults.database, undefined);
  assert.equal(defaults.blobs, undefined);
  assert.equal(defaults.workers, 1);
  const chosen = loadConfig({ workers: '4' }, { GLINT_DATABASE: 'postgres://glint@localhost/glint', GLINT_BLOBS: 's3://images?endpoint=http://127.0.0.1:9000' });
  assert.equal(chosen.database, 'postgres://glint@localhost/glint');
  assert.equal(chosen.blobs, 's3://images?endpoint=http://127.0.0.1:9000');
  assert.equal(chosen.workers, 4);
});

test('--metrics names the listeners that serve /metrics; none by default', () => {
  assert.deepEqual(loadConfig({}, {}).metrics, []);
  assert.deepEqual(loadConfig({ metrics: 'compute, identity' }, {}).metrics, ['compute', 'identity']);
  assert.deepEqual(loadConfig({}, { GLINT_METRICS: 'image' }).metrics, ['image']);
  assert.throws(() => loadConfig({ metrics: 'compute,admin' }, {}), /--metrics must be compute or image or identity, got 'admin'/);
});
