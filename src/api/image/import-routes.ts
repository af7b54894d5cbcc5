/**
 * Interoperable image import on the image API (`glance/api/v2/images.py` import_image and get_task_info): an
 * import is answered 202 once it has started, and an image's task list shows how it goes. Staging the data of a
 * glance-direct import is an upload's sibling (see routes.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UploadLimits } from '../../catalog/image-data.js';
import type { ImportService } from '../../catalog/imports.js';
import { importRequest } from './import-request.js';
import { onlyGet } from './only-get.js';
import { imageTaskView } from './views.js';
import { sendJson } from '../common/http.js';

export interface ImportRoutesOptions {
  imports: ImportService;
  upload: UploadLimits;
}

export function importRoutes(app: FastifyInstance, opts: ImportRoutesOptions, done: () => void) {
  const idOf = (request: FastifyRequest) => (request.params as { image_id: string }).image_id;

  app.post('/v2/images/:image_id(^.+$)/import', async (request, reply) => {
    const bytes = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
    await opts.imports.startImport(request.ctx!, idOf(request), importRequest(bytes), request.id, opts.upload);
    // webob's default media type, as every bodiless answer of the image service has.
    return reply.code(202).header('content-type', 'text/html; charset=UTF-8').send();
  });

  onlyGet(app, '/v2/images/:image_id(^.+$)/tasks', async (request, reply) => {
    const tasks = await opts.imports.imageTasks(request.ctx!, idOf(request));
    return sendJson(reply, { tasks: tasks.map(imageTaskView) });
  });

  done();
}
