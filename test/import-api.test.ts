// Interoperable image import through the image API (`inject` on the image listener): discovery, staging,
// glance-direct and web-download imports and their tasks, with the answers recorded from the reference.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expectStatus, imageApi, newCaller, server, stopServers } from './support/image-api.js';

afterEach(stopServers);

const WEBOB_404 = (message: string) => `404 Not Found\n\n${message}\n\n   `;

describe('discovery on a single-store site', () => {
  const caller = newCaller();

  it('lists the import methods the reference offers, and names them when an image is created', async () => {
    const s = await server();
    const res = await imageApi(s, caller, { url: '/v2/info/import' });
    expectStatus(res, 200, 'import info');
    assert.equal(res.body, '{"import-methods":{"description":"Import methods available.","type":"array","value":["glance-direct","web-download","copy-image"]}}');
    const created = await imageApi(s, caller, { method: 'POST', url: '/v2/images', body: { name: 'x' } });
    expectStatus(created, 201, 'create');
    assert.equal(created.headers['openstack-image-import-methods'], 'glance-direct,web-download,copy-image');
  });

  it('has no stores to list or detail, in the reference words, and reports no usage without Keystone limits', async () => {
    const s = await server();
    for (const url of ['/v2/info/stores', '/v2/info/stores/detail']) {
      const res = await imageApi(s, url.endsWith('detail') ? newCaller('admin') : caller, { url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.body, WEBOB_404('Multi backend is not supported at this site.'), url);
    }
    const usage = await imageApi(s, caller, { url: '/v2/info/usage' });
    expectStatus(usage, 200, 'usage');
    assert.deepEqual(usage.json(), { usage: {} });
  });

  it('refuses other methods on the discovery calls as the reference routes them: 405, and 404 for usage', async () => {
    const s = await server();
    const post = await imageApi(s, caller, { method: 'POST', url: '/v2/info/import', body: {} });
    assert.equal(post.statusCode, 405);
    assert.equal(post.headers.allow, 'GET');
    const usage = await imageApi(s, caller, { method: 'POST', url: '/v2/info/usage', body: {} });
    assert.equal(usage.statusCode, 404);
    assert.equal(usage.body, WEBOB_404('The resource could not be found.'));
  });

  it('needs a token, as everything under /v2 does', async () => {
    const s = await server();
    const res = await s.glint.image.inject({ url: '/v2/info/import' });
    assert.equal(res.statusCode, 401);
  });
});
