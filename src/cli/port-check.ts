/**
 * Whether `serve` can listen on every port it was given, asked before it creates anything: a port already taken
 * must not leave accounts made and passwords printed behind a failed start.
 */
import { createServer, type Server } from 'node:net';
import { ConfigError, type Config } from '../config.js';

interface Listener {
  api: string;
  port: number;
  flag: string;
}

/** How far past a taken port a free one is looked for, to suggest. */
const SUGGESTION_RANGE = 20;

/** A server listening on host:port, or the error listening gave. */
function occupy(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(server));
  });
}

const release = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A free port shortly after `port`; undefined when there is none near. */
async function freePortAfter(host: string, port: number): Promise<number | undefined> {
  for (let candidate = port + 1; candidate <= Math.min(port + SUGGESTION_RANGE, 65535); candidate++) {
    const server = await occupy(host, candidate).catch(() => undefined);
    if (server) {
      await release(server);
      return candidate;
    }
  }
  return undefined;
}

/** What to tell someone whose port cannot be listened on: which port, for which API, and what to pass instead. */
async function clash(host: string, { api, port, flag }: Listener, err: NodeJS.ErrnoException): Promise<string> {
  const why = err.code === 'EADDRINUSE' ? 'is in use' : `cannot be listened on (${err.code ?? err.message})`;
  const free = await freePortAfter(host, port);
  const instead = free === undefined ? `${flag} 0 for any free port` : `e.g. ${flag} ${free} (free now), or ${flag} 0 for any free port`;
  return `port ${port} on ${host} for the ${api} API ${why}: pass another, ${instead}. Nothing was created.`;
}

/**
 * Listens on each configured port (0, any free port, cannot clash) and lets go again; throws a ConfigError
 * naming the first that cannot be listened on. The ports are held together, so two APIs given one port clash too.
 */
export async function checkPorts(config: Pick<Config, 'host' | 'computePort' | 'imagePort' | 'identityPort'>): Promise<void> {
  const listeners: Listener[] = [
    { api: 'compute', port: config.computePort, flag: '--compute-port' },
    { api: 'image', port: config.imagePort, flag: '--image-port' },
    { api: 'identity', port: config.identityPort, flag: '--identity-port' },
  ];
  const held: Server[] = [];
  try {
    for (const listener of listeners.filter(({ port }) => port !== 0)) {
      const server = await occupy(config.host, listener.port).catch(async (err: NodeJS.ErrnoException) => {
        throw new ConfigError(await clash(config.host, listener, err));
      });
      held.push(server);
    }
  } finally {
    await Promise.all(held.map(release));
  }
}
