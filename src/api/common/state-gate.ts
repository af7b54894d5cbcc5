/** Holds a listener's requests to the catalog's `StateGate`: a restore or a reset waits for them, and they for it. */
import type { FastifyInstance } from 'fastify';
import type { StateGate } from '../../catalog/state-gate.js';
import { ApiError } from './errors.js';

export function gateRequests(app: FastifyInstance, gate: StateGate): void {
  app.addHook('onRequest', (request, reply, done) => {
    // A request holds the gate until its answer is sent or its client has gone.
    const admitted = () => {
      reply.raw.once('close', () => gate.leave());
      done();
    };
    const entered = gate.enter();
    if (entered === true) return admitted();
    entered.then(
      (ok) => (ok ? admitted() : done(new ApiError(503, "The catalog's state is being changed (a restore or a reset); try again."))),
      done,
    );
  });
}
