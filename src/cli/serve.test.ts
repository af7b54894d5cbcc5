import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { LEASE_MS } from '../catalog/upload-lease.js';
import { sweepLapsedUploads } from './serve.js';

test('a running server gives back the uploads whose lease lapsed every lease length, and goes on after a failed sweep', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  const logged = mock.method(console, 'log', () => undefined);
  const failed = mock.method(console, 'error', () => undefined);
  try {
    const outcomes = [async () => 2, async () => Promise.reject(new Error('catalog unreachable')), async () => 0];
    let sweeps = 0;
    sweepLapsedUploads(() => outcomes[sweeps++]());
    mock.timers.tick(LEASE_MS - 1);
    assert.equal(sweeps, 0);
    for (let i = 0; i < 3; i++) {
      mock.timers.tick(LEASE_MS);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(sweeps, 3);
    assert.deepEqual(logged.mock.calls.map((call) => String(call.arguments[0])), ['2 image(s) whose upload lease lapsed are queued again']);
    // Node's own warnings (MockTimers is experimental) are written through console.error too.
    const errors = failed.mock.calls.map((call) => String(call.arguments[0])).filter((text) => !text.includes('ExperimentalWarning'));
    assert.deepEqual(errors, ['Uploads whose lease lapsed stay saving until the next sweep: catalog unreachable']);
  } finally {
    mock.timers.reset();
    mock.restoreAll();
  }
});
