/** Composition root: storage, then services, then the three API listeners, in that order. */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildComputeApi } from './api/compute/app.js';
import { buildIdentityApi } from './api/identity/app.js';
import { buildImageApi } from './api/image/app.js';
import { requestHostname } from './api/common/http.js';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import { CatalogService } from './catalog/service.js';
import type { Config } from './config.js';
import { NoAuthAuthenticator } from './identity/noauth.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';

export interface Glint {
  catalog: CatalogService;
  compute: FastifyInstance;
  image: FastifyInstance;
  identity: FastifyInstance;
  /** The base URL of each listener once `listen` has resolved. */
  urls: { compute: string; image: string; identity: string };
  listen(): Promise<void>;
  close(): Promise<void>;
}

export function openCatalog(dataDir: string): CatalogService {
  mkdirSync(dataDir, { recursive: true });
  return new CatalogService(new SqliteStore(join(dataDir, 'catalog.sqlite')), new FsBlobStore(join(dataDir, 'images')));
}

export function createGlint(config: Config, catalog = openCatalog(config.dataDir)): Glint {
  const logger = pino({ level: config.logLevel });
  const auth = new NoAuthAuthenticator();
  const urls = { compute: '', image: '', identity: '' };
  // Links to the other listeners use the host name the client used, so they stay reachable from it.
  const endpointOn = (port: () => number) => (request: { protocol?: string; headers: { host?: string } }) =>
    `${request.protocol ?? 'http'}://${requestHostname(request)}:${port()}`;
  const portOf = (app: FastifyInstance) => {
    let port = 0;
    return () => {
      if (port === 0) {
        const address = app.server.address();
        port = typeof address === 'object' && address ? address.port : 0;
      }
      return port;
    };
  };

  const image = buildImageApi({ catalog, auth, logger, upload: { maxBytes: config.maxUploadBytes, inspect: config.inspect } });
  const identity = buildIdentityApi({ logger });
  const compute = buildComputeApi({
    catalog,
    auth,
    logger,
    settings: { profile: config.profile, imageEndpoint: endpointOn(portOf(image)) },
    identityEndpoint: endpointOn(portOf(identity)),
  });

  const listeners = { compute: [compute, config.computePort], image: [image, config.imagePort], identity: [identity, config.identityPort] } as const;

  return {
    catalog,
    compute,
    image,
    identity,
    urls,
    async listen() {
      for (const [name, [app, port]] of Object.entries(listeners)) {
        await app.listen({ host: config.host, port });
        const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;
        urls[name as keyof typeof urls] = `http://${hostPart}:${portOf(app)()}`;
      }
    },
    async close() {
      await Promise.all([compute.close(), image.close(), identity.close()]);
      await catalog.store.close();
    },
  };
}
