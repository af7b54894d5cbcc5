/**
 * Glint's own control API on the identity listener, under `/glint/v1/`: the catalog's state for test pipelines
 * (reset, snapshots). An admin's only, in either auth mode; refusals in the identity API's words and format.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CatalogError } from '../../catalog/errors.js';
import type { StateService } from '../../catalog/state.js';
import type { Authenticator } from '../../identity/context.js';
import { forbiddenAction, IdentityError, unauthorized } from '../../identity/errors.js';
import { sendJson } from '../common/http.js';
import { parseJson } from './login-request.js';

export interface ControlRoutesOptions {
  state: StateService;
  /** The compute and image APIs' own: a caller is an admin here as there. */
  auth: Authenticator;
}

/** A catalog refusal in the identity API's terms (the state service refuses with these kinds only). */
function asIdentityError(err: unknown): unknown {
  if (!(err instanceof CatalogError)) return err;
  const kind = err.kind === 'bad_request' || err.kind === 'not_found' || err.kind === 'conflict' ? err.kind : 'bad_request';
  return new IdentityError(kind, err.message);
}

export function controlRoutes(app: FastifyInstance, opts: ControlRoutesOptions, done: () => void) {
  const { state, auth } = opts;

  /** Runs `work` for an admin caller, answering any other with 401 or 403. */
  const asAdmin = async <T>(request: FastifyRequest, action: string, work: () => Promise<T>): Promise<T> => {
    const context = await auth.authenticate({ method: request.method, url: request.url, headers: request.headers });
    if (!context) throw unauthorized();
    if (!context.isAdmin) throw forbiddenAction(action);
    try {
      return await work();
    } catch (err) {
      throw asIdentityError(err);
    }
  };
  const nameOf = (request: FastifyRequest) => (request.params as { name: string }).name;

  app.post('/glint/v1/reset', async (request, reply) => {
    await asAdmin(request, 'glint:reset', () => {
      const { to = 'empty' } = parseJson(request.body as Buffer | undefined);
      if (to !== 'empty' && to !== 'start') throw new IdentityError('bad_request', 'Invalid reset target: "to" is "empty" or "start".');
      return state.reset(to);
    });
    return reply.code(204).send();
  });

  app.get('/glint/v1/snapshots', async (request, reply) => {
    const snapshots = await asAdmin(request, 'glint:list_snapshots', () => state.list());
    return sendJson(reply, { snapshots });
  });

  app.post('/glint/v1/snapshots', async (request, reply) => {
    const snapshot = await asAdmin(request, 'glint:save_snapshot', () => {
      const { name } = parseJson(request.body as Buffer | undefined);
      return state.save(typeof name === 'string' ? name : '');
    });
    return sendJson(reply.code(201), { snapshot });
  });

  app.post('/glint/v1/snapshots/:name/restore', async (request, reply) => {
    await asAdmin(request, 'glint:restore_snapshot', () => state.restore(nameOf(request)));
    return reply.code(204).send();
  });

  app.delete('/glint/v1/snapshots/:name', async (request, reply) => {
    await asAdmin(request, 'glint:delete_snapshot', () => state.delete(nameOf(request)));
    return reply.code(204).send();
  });

  done();
}
