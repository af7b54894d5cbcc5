/**
 * The image API's discovery calls (`glance/api/v2/discovery.py`): the import methods, the stores and the
 * usage, as a single-store deployment without Keystone limits answers them.
 */
import type { FastifyInstance } from 'fastify';
import { IMPORT_METHODS } from '../../catalog/imports.js';
import { ApiError } from '../common/errors.js';
import { sendJson } from '../common/http.js';
import { onlyGet } from './only-get.js';

/** Without `enabled_backends` the reference has no stores to list, nor to detail (it asks before any rule). */
const NO_STORES = 'Multi backend is not supported at this site.';

export function discoveryRoutes(app: FastifyInstance, _opts: object, done: () => void) {
  app.get('/v2/info/import', async (_request, reply) =>
    sendJson(reply, { 'import-methods': { description: 'Import methods available.', type: 'array', value: IMPORT_METHODS } }),
  );
  for (const url of ['/v2/info/stores', '/v2/info/stores/detail']) {
    app.get(url, async () => {
      throw new ApiError(404, NO_STORES);
    });
  }
  // Usage is what Keystone's unified limits allow a project; with none registered there is nothing to report.
  onlyGet(app, '/v2/info/usage', async (_request, reply) => sendJson(reply, { usage: {} }));
  done();
}
