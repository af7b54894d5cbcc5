/** Resources the image service routes for GET alone, with no refusal of other methods. */
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { ApiError, RESOURCE_NOT_FOUND } from '../common/errors.js';
import { ROUTED_METHODS } from '../common/http.js';

/**
 * Routes GET to `handler`, and answers any other method with the plain 404 the reference gives where its
 * router connects no `RejectMethodController` (`/v2/info/usage`, `/v2/images/{id}/tasks`), not a 405.
 */
export function onlyGet(app: FastifyInstance, url: string, handler: RouteHandlerMethod): void {
  app.get(url, handler);
  app.route({
    method: [...ROUTED_METHODS.filter((method) => method !== 'GET'), 'HEAD'],
    url,
    handler: async () => {
      throw new ApiError(404, RESOURCE_NOT_FOUND);
    },
  });
}
