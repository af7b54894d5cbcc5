/** Composition root: storage, then services, then the three API listeners, in that order. */
import { join } from 'node:path';
import { mkdirSync, statfsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildComputeApi } from './api/compute/app.js';
import { imageSchemaRefusal } from './api/image/schema-check.js';
import { buildIdentityApi } from './api/identity/app.js';
import { buildImageApi } from './api/image/app.js';
import { ownUrl, serviceUrl } from './api/common/endpoints.js';
import { gateRequests } from './api/common/state-gate.js';
import { healthCheck } from './api/common/healthcheck.js';
import { Metrics } from './api/common/metrics.js';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import type { BlobStore } from './catalog/ports.js';
import { MetadefPolicy } from './catalog/metadefs/policy.js';
import { MetadefService } from './catalog/metadefs/service.js';
import { ImagePolicy } from './catalog/policy.js';
import { CatalogService } from './catalog/service.js';
import { ImportService } from './catalog/imports.js';
import { StateGate } from './catalog/state-gate.js';
import { StateService } from './catalog/state.js';
import { UploadService } from './catalog/uploads.js';
import { ConfigError, type Config, type ServiceName } from './config.js';
import type { Authenticator } from './identity/context.js';
import { thisProcess } from './host/processes.js';
import { WritableDir } from './host/writable-dir.js';
import { KeystoneAuthenticator } from './identity/keystone.js';
import { NoAuthAuthenticator } from './identity/noauth.js';
import { SecretBox } from './identity/secret-box.js';
import { AccountService } from './identity/accounts.js';
import { TokenService, type TokenOptions } from './identity/tokens.js';
import { openSqlite } from './store/sqlite/open.js';
import type { Storage } from './store/storage.js';
import { HttpWebSource } from './web/web-source.js';

/** The domain's services over the storage the configuration names; closing them closes that storage. */
export interface Services {
  catalog: CatalogService;
  /** Metadata definitions (namespaces of properties, objects and tags, and the resource types they apply to). */
  metadefs: MetadefService;
  /** Image data on its way in, and recovery of uploads cut short. */
  uploads: UploadService;
  /** Imports (glance-direct, web-download), their tasks, and recovery of imports cut short. */
  imports: ImportService;
  /** Users, projects, roles and access keys. */
  accounts: AccountService;
  /** Logins and tokens (the identity API serves them only under `--auth keystone`). */
  tokens: TokenService;
  /** Snapshots of the catalog and its data, restores and resets. */
  state: StateService;
  /** Stops the imports under way and waits for the uploads to record their outcome, then closes the storage. */
  close(): Promise<void>;
}

export interface Glint extends Services {
  /** The stores behind the services, for tests to look at directly; the APIs reach them only through the services. */
  storage: Storage;
  blobs: BlobStore;
  staging: BlobStore;
  compute: FastifyInstance;
  image: FastifyInstance;
  identity: FastifyInstance;
  /** The base URL of each listener once `listen` has resolved. */
  urls: { compute: string; image: string; identity: string };
  listen(): Promise<void>;
  close(): Promise<void>;
}

export type StorageConfig = Pick<Config, 'dataDir' | 'database' | 'blobs'>;
export type ServicesConfig = StorageConfig & Pick<Config, 'policy' | 'tokenTtlSeconds' | 'lockout' | 'webDownloadAllowInternal' | 'limits'>;

// The PostgreSQL and S3 modules load only when configured: the AWS SDK is large, and a process that keeps
// its images on disk has no use for it.

/** The catalog storage the configuration names: PostgreSQL for a `--database` URL, else the SQLite file. */
async function openStorage(config: StorageConfig): Promise<Storage> {
  if (config.database) return (await import('./store/postgres/open.js')).openPostgres(config.database);
  // The data directory is no other local user's to look into, whatever the umask.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  try {
    return openSqlite(join(config.dataDir, 'catalog.sqlite'));
  } catch (err) {
    throw whyNotOpened(config.dataDir, err);
  }
}

/** Room SQLite needs to open a catalog at all: its shared-memory index takes 32 KiB. */
const ROOM_TO_OPEN = 64 * 1024;

/**
 * What to say when the catalog file cannot be opened. On a full disk even reads fail (SQLite cannot make
 * the index it reads through), so the start says that plainly, and what may be taking the room.
 */
function whyNotOpened(dataDir: string, err: unknown): unknown {
  const { bavail, bsize } = statfsSync(dataDir);
  if (bavail * bsize >= ROOM_TO_OPEN) return err;
  return new ConfigError(
    `cannot open the catalog in ${dataDir}: the disk holding it is full (${bavail * bsize} bytes free; SQLite says: ${(err as Error).message}). ` +
      `Free some space and start again. An upload cut short by a crash leaves a partial file (${join(dataDir, 'images')}/.*.partial); ` +
      'while no Glint runs on this data directory, such files can be removed, and the start queues their images again.',
  );
}

/** Where image bytes go, and where data staged for an import waits: the `--blobs` object store, else the data directory. */
async function openBlobs(config: StorageConfig): Promise<DataStores> {
  if (config.blobs) {
    const images = await (await import('./blobs/s3-blob-store.js')).S3BlobStore.open(config.blobs);
    return { blobs: images, staging: images.within('staging') };
  }
  return { blobs: new FsBlobStore(join(config.dataDir, 'images')), staging: new FsBlobStore(join(config.dataDir, 'staging')) };
}

/** The image data, and the data staged for glance-direct imports. */
interface DataStores {
  blobs: BlobStore;
  staging: BlobStore;
}

/**
 * How long a restore or a reset waits for the requests in flight, and a request for a restore or a reset, before
 * either gives up.
 */
const STATE_CHANGE_WAIT_MS = 30_000;

/** Opens the storage and the services over it (the composition root's first half, shared with the command line). */
export async function openServices(config: ServicesConfig, observers: Pick<TokenOptions, 'tokenChecked'> = {}): Promise<Services & DataStores & { storage: Storage }> {
  let storage: Storage;
  let data: DataStores;
  try {
    storage = await openStorage(config);
    data = await openBlobs(config);
  } catch (err) {
    // A database or bucket that cannot be used is a matter of configuration: one line, no stack.
    if (config.database || config.blobs) throw new ConfigError((err as Error).message);
    throw err;
  }
  const { blobs, staging } = data;
  const policy = new ImagePolicy(config.policy);
  const catalog = new CatalogService(storage.images, blobs, staging, policy);
  const metadefs = new MetadefService(storage.metadefs, new MetadefPolicy(config.policy));
  const uploads = new UploadService(catalog, storage.images, storage.leases, blobs, staging, thisProcess);
  // A download that stalls is given as long as a request body that does.
  const web = new HttpWebSource({ allowInternal: config.webDownloadAllowInternal, idleMs: config.limits.bodyTimeoutMs });
  const imports = new ImportService(catalog, { ...storage, blobs, staging }, web, thisProcess, policy);
  const secrets = SecretBox.open(identityKeyFile(config));
  const accounts = new AccountService(storage.identity, secrets);
  const tokens = new TokenService(storage.identity, { tokenTtlSeconds: config.tokenTtlSeconds, lockout: config.lockout, secrets, ...observers });
  const state = new StateService({ ...storage, data: [blobs, staging] }, new StateGate(STATE_CHANGE_WAIT_MS));
  return {
    storage,
    blobs,
    staging,
    catalog,
    metadefs,
    uploads,
    imports,
    accounts,
    tokens,
    state,
    async close() {
      await imports.stop();
      await uploads.idle();
      await storage.close();
    },
  };
}

/** Runs `work` on the services of the configured storage, closing it afterwards whatever happens. */
export async function withServices<T>(config: ServicesConfig, work: (services: Services) => Promise<T>): Promise<T> {
  const services = await openServices(config);
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

/** The key that seals access key secrets; every process serving one catalog needs the same. */
export function identityKeyFile(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'identity.key');
}

export async function createGlint(config: Config): Promise<Glint> {
  const metrics = config.metrics.length > 0 ? new Metrics() : undefined;
  const services = await openServices(config, { tokenChecked: metrics?.tokenChecked });
  const { catalog, metadefs, uploads, imports, accounts, tokens, state } = services;
  metrics?.collectFrom(services);
  const metricsOf = (api: ServiceName) => metrics?.forListener(api, config.metrics.includes(api));
  const logger = pino({ level: config.logLevel });
  const keystone = config.auth === 'keystone';
  const auth: Authenticator = keystone ? new KeystoneAuthenticator(tokens) : new NoAuthAuthenticator();
  const urls = { compute: '', image: '', identity: '' };
  /** A listener's port, known once it listens (links ask only then), remembered after the first answer. */
  const portOf = (app: () => FastifyInstance) => {
    let port = 0;
    return () => {
      if (port === 0) {
        const address = app().server.address();
        port = typeof address === 'object' && address ? address.port : 0;
      }
      return port;
    };
  };
  const dataDir = new WritableDir(config.dataDir);
  const health = healthCheck({ catalog, dataDirWritable: () => dataDir.writable() });
  const ports = { compute: portOf(() => compute), image: portOf(() => image), identity: portOf(() => identity) };
  const { publicUrls } = config;
  const elsewhere = {
    compute: serviceUrl(publicUrls.compute, ports.compute),
    image: serviceUrl(publicUrls.image, ports.image),
    identity: serviceUrl(publicUrls.identity, ports.identity),
  };

  const image = buildImageApi({
    catalog,
    metadefs,
    uploads,
    imports,
    auth,
    logger,
    health,
    metrics: metricsOf('image'),
    limits: config.limits,
    upload: { maxBytes: config.maxUploadBytes, inspect: config.inspect },
    origin: ownUrl(publicUrls.image),
    identityEndpoint: keystone ? elsewhere.identity : null,
  });
  const identity = buildIdentityApi({
    logger,
    health,
    metrics: metricsOf('identity'),
    limits: config.limits,
    identity: keystone ? { accounts, tokens } : null,
    urls: { ...elsewhere, identity: ownUrl(publicUrls.identity) },
    control: { state, auth },
  });
  const compute = buildComputeApi({
    catalog,
    auth,
    logger,
    health,
    metrics: metricsOf('compute'),
    limits: config.limits,
    settings: { profile: config.profile, origin: ownUrl(publicUrls.compute), imageEndpoint: elsewhere.image, imageSchema: imageSchemaRefusal },
    identityEndpoint: elsewhere.identity,
  });

  // The identity listener is not held: the accounts are no part of the catalog's state, and it serves the changes.
  gateRequests(compute, state.gate);
  gateRequests(image, state.gate);

  const listeners = { compute: [compute, config.computePort], image: [image, config.imagePort], identity: [identity, config.identityPort] } as const;

  return {
    ...services,
    compute,
    image,
    identity,
    urls,
    async listen() {
      for (const [name, [app, port]] of Object.entries(listeners)) {
        await app.listen({ host: config.host, port });
        const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;
        urls[name as keyof typeof urls] = `http://${hostPart}:${ports[name as keyof typeof ports]()}`;
      }
    },
    async close() {
      await Promise.all([compute.close(), image.close(), identity.close()]);
      await services.close();
    },
  };
}
