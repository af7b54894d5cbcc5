// An HTTP server on loopback that web-download imports fetch from in the tests: data whole, data cut short, a
// 404, a redirect, and data that arrives only once the test releases it.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebServer {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** The paths asked for, in order. */
  requests: string[];
  /** Resolves once `/held` has been asked for and its first half sent; fails if it is not within 10 s. */
  held(): Promise<void>;
  /** Sends the rest of `/held`. */
  release(): void;
  close(): Promise<void>;
}

/**
 * Serves `data` at `/data` (with its length), at `/unsized` (without), its first half under a length twice the
 * whole at `/short`, a redirect to `/data` at `/moved` and to an encoded address no filter admits at `/astray`,
 * half of it at once and the rest on `release()` at `/held`, and 404 elsewhere.
 */
export async function startWebServer(data: Buffer): Promise<WebServer> {
  const requests: string[] = [];
  const half = Math.floor(data.length / 2);
  let holding: ServerResponse | null = null;
  let heldReached!: () => void;
  const reached = new Promise<void>((resolve) => (heldReached = resolve));
  let released = false;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    requests.push(path);
    if (path === '/data') return res.writeHead(200, { 'content-length': data.length }).end(data);
    if (path === '/unsized') return res.writeHead(200, { connection: 'close' }).end(data);
    if (path === '/moved') return res.writeHead(302, { location: '/data' }).end();
    if (path === '/astray') return res.writeHead(302, { location: 'http://2130706433/data' }).end();
    if (path === '/short') {
      res.writeHead(200, { 'content-length': data.length * 2 }).write(data.subarray(0, half));
      return setTimeout(() => res.destroy(), 50);
    }
    if (path === '/held') {
      res.writeHead(200, { 'content-length': data.length }).write(data.subarray(0, half));
      holding = res;
      if (released) res.end(data.subarray(half));
      return heldReached();
    }
    res.writeHead(404, { 'content-length': 9 }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    held: () =>
      Promise.race([
        reached,
        new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('/held was not asked for within 10 s')), 10_000).unref()),
      ]),
    release() {
      released = true;
      holding?.end(data.subarray(half));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
