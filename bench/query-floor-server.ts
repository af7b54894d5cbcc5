/**
 * Second baseline, for rows that ask a new question with every request: a bare node:http server that asks
 * the catalog for the page as Glint does (the same noauth caller, query parsing and store), then sends the
 * fixed bytes Glint answered instead of rendering them. Floor/bare is what the catalog's query alone leaves
 * of the bare ceiling, so no server built on this catalog can do better; glint/floor is what the framework,
 * the checks and the rendering cost on top of it.
 * Runs as a forked child, like bare-server.ts; usage: query-floor-server.ts <body file> <data dir> [database URL].
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CatalogQuery } from '../src/catalog/query.js';

/** A module of Glint's build, the code `npm start` runs (tsx would wrap its functions, making them slower). */
const build = <Module>(path: string) => import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<Module>;
const { computeListQuery } = await build<typeof import('../src/api/compute/filters.js')>('api/compute/filters.js');
const { imageListQuery } = await build<typeof import('../src/api/image/filters.js')>('api/image/filters.js');
const { openServices } = await build<typeof import('../src/app.js')>('app.js');
const { loadConfig } = await build<typeof import('../src/config.js')>('config.js');
const { NoAuthAuthenticator } = await build<typeof import('../src/identity/noauth.js')>('identity/noauth.js');

const [bodyFile, dataDir, database] = process.argv.slice(2);
if (!bodyFile || !dataDir || !process.send) {
  console.error('usage: fork query-floor-server.ts <body file> <data dir> [database URL] (needs an IPC channel to report its port)');
  process.exit(2);
}
const body = readFileSync(bodyFile);
const { catalog } = await openServices(loadConfig({ dataDir, database }, {}));
const auth = new NoAuthAuthenticator();

/**
 * The catalog query a list URL asks, read by the API's own parsers (`/v2/images` native, else compute; the
 * compute API's page maximum only decides its links).
 */
function listQuery(url: URL): CatalogQuery {
  return url.pathname.startsWith('/v2/') ? imageListQuery(url.searchParams).query : computeListQuery(url.searchParams, 1000).query;
}

/** The images the request's page holds, as Glint's catalog lists them for the token's caller. */
async function pageImages(req: IncomingMessage): Promise<number> {
  const ctx = auth.authenticate({ method: req.method!, url: req.url!, headers: req.headers });
  if (!ctx) throw new Error('no noauth token');
  let images = 0;
  for await (const batch of catalog.list(ctx, listQuery(new URL(req.url!, 'http://floor')))) images += batch.length;
  return images;
}

// Anything but a non-empty page is a 500, which the benchmark reports as a failed run.
const server = createServer((req, res) => {
  pageImages(req).then(
    (images) => {
      res.writeHead(images > 0 ? 200 : 500, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    },
    (err: unknown) => {
      console.error(err);
      res.writeHead(500).end();
    },
  );
});

server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});

process.on('disconnect', () => process.exit(0));
