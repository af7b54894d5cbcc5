/**
 * The process side of `serve --workers N`: the primary forks workers that run this same command line,
 * keeps their number up, and stops them all on SIGTERM/SIGINT. What a worker serves is serve.ts's business.
 *
 * Workers share the listening sockets through the primary (Node's cluster, round-robin on Linux). A port of
 * 0 is bound once, by the primary, for the first worker's n-th listen, and every later worker's n-th listen
 * joins it, so all workers answer on the same ports as long as each listens in the same order.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Glint } from '../app.js';

export type Urls = Glint['urls'];

/** What a worker sends once its listeners are up. */
interface Listening {
  glint: 'listening';
  urls: Urls;
}

function isListening(message: unknown): message is Listening {
  return (message as Listening | null)?.glint === 'listening';
}

const sameUrls = (a: Urls, b: Urls) => a.compute === b.compute && a.image === b.image && a.identity === b.identity;

/** True in a process forked by `startWorkers`. */
export const isWorker = cluster.isWorker;

/** In a worker: tells the primary that this worker serves, and where. */
export function reportListening(urls: Urls): void {
  // A message the primary can no longer receive (it is gone, and this worker with it) is dropped.
  process.send!({ glint: 'listening', urls } satisfies Listening, undefined, undefined, () => undefined);
}

/**
 * In the primary: queues again the images whose uploads nobody receives any more (the leases of a dead
 * worker name a process that is gone); resolves with how many.
 */
export type RecoverUploads = () => Promise<number>;

/**
 * In the primary: forks `count` workers (the same entry, loader flags and arguments, as cluster does by
 * default, so a TypeScript entry run under tsx works unchanged) and resolves with the URLs the first one
 * reports once all of them listen.
 *
 * A worker that crashes after it was listening is replaced, and `recoverUploads` gives back the images whose
 * data it was receiving (they would stay saving until the next start). One that fails before it was listening would
 * fail the same way again, so instead of forking in a loop the primary stops the others and exits 1. A
 * worker that exits 0 was stopped on purpose (it handled a signal) and is not replaced; the primary exits once none
 * is left.
 */
export function startWorkers(count: number, recoverUploads: RecoverUploads): Promise<Urls> {
  const live = new Set<Worker>();
  const listening = new Set<Worker>();
  let urls: Urls | undefined;
  let ready = false;
  let stopping = false;
  let failed = false;

  const fork = () => live.add(cluster.fork());
  const exitWhenNoneLeft = () => {
    if (live.size === 0) process.exit(failed ? 1 : 0);
  };
  const stop = () => {
    stopping = true;
    for (const worker of live) worker.process.kill('SIGTERM');
    exitWhenNoneLeft();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    console.log(`${signal}: shutting down ${live.size} worker(s)`);
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  /** A worker that died mid-upload left those images saving; the other workers could not take them up again. */
  const recoverFrom = (worker: Worker) => {
    const pid = worker.process.pid;
    recoverUploads().then(
      (recovered) => recovered > 0 && console.error(`${recovered} image(s) whose upload worker ${pid} was receiving are queued again`),
      (err: unknown) => console.error(`The uploads worker ${pid} was receiving stay saving until the next start: ${(err as Error).message}`),
    );
  };

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    // A worker stopped on purpose finished its uploads first; at shutdown the next start recovers the rest.
    if (!stopping && (code !== 0 || signal !== null)) recoverFrom(worker);
    const wasListening = listening.delete(worker);
    const pid = worker.process.pid;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) {
      // A worker exits 0 once its listeners and store are closed, and 1 when that went wrong; one a signal
      // ended had nothing left to lose.
      failed ||= code !== 0 && signal === null;
      console.log(`Worker ${pid} stopped (${how})`);
      return exitWhenNoneLeft();
    }
    if (code === 0 && signal === null) {
      exitWhenNoneLeft();
    } else if (wasListening) {
      console.error(`Worker ${pid} died (${how}); starting another`);
      fork();
    } else {
      console.error(`Worker ${pid} exited (${how}) before it was listening; stopping`);
      failed = true;
      stop();
    }
  });

  return new Promise((resolve) => {
    cluster.on('message', (worker, message: unknown) => {
      if (!isListening(message)) return;
      listening.add(worker);
      if (!urls) {
        urls = message.urls;
      } else if (!sameUrls(urls, message.urls)) {
        // With port 0, should every worker be gone at the same moment the shared sockets close too, and a
        // replacement gets new ports.
        console.error(`Worker ${worker.process.pid} listens on other ports: ${Object.values(message.urls).join(' ')}`);
      }
      if (ready) {
        console.log(`Worker ${worker.process.pid} is serving`);
      } else if (listening.size === count) {
        ready = true;
        resolve(urls);
      }
    });
    for (let i = 0; i < count; i++) fork();
  });
}
