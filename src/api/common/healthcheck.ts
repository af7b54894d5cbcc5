/**
 * `/healthcheck` on every listener, answered as oslo.middleware's healthcheck answers it in its default
 * (not detailed) mode: the reference deployments mount it first in every pipeline, so it answers before
 * authentication, request ids and routing, whatever the method. 200 `OK` (HEAD: 204) while the catalog can be
 * read and the data directory written; 503 naming what failed otherwise, one reason a line, as oslo lists
 * the reasons of its failing backends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CatalogService } from '../../catalog/service.js';
import { originForm, routedPath, type Shortcut } from './http.js';

/** What the health of a listener depends on. */
export interface HealthProbes {
  catalog: Pick<CatalogService, 'ping'>;
  /** Whether the data directory can be written (a cached probe: it is asked on every poll). */
  dataDirWritable(): Promise<boolean>;
}

/** Why the service is unhealthy, one reason each; empty when it is healthy. */
export type HealthCheck = () => Promise<string[]>;

/** A catalog that does not answer within this long is as good as unreadable to whoever polls. */
const CATALOG_TIMEOUT_MS = 5000;

export const CATALOG_UNREADABLE = 'CATALOG UNREADABLE';
export const DATA_DIR_NOT_WRITABLE = 'DATA DIRECTORY NOT WRITABLE';

export function healthCheck(probes: HealthProbes): HealthCheck {
  return async () => {
    const [readable, writable] = await Promise.all([answersWithin(probes.catalog.ping(), CATALOG_TIMEOUT_MS), probes.dataDirWritable()]);
    return [...(readable ? [] : [CATALOG_UNREADABLE]), ...(writable ? [] : [DATA_DIR_NOT_WRITABLE])];
  };
}

async function answersWithin(read: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([read.then(() => true, () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

const HEALTHCHECK_PATH = '/healthcheck';

/** Answers `/healthcheck` (see the module's comment); false, having written nothing, for any other path. */
export function healthcheckShortcut(check: HealthCheck): Shortcut {
  return (request, response) => {
    if (routedPath(originForm(request.url ?? '/')) !== HEALTHCHECK_PATH) return false;
    return check().then((reasons) => {
      answer(request, response, reasons);
      return HEALTHCHECK_PATH;
    });
  };
}

function answer(request: IncomingMessage, response: ServerResponse, reasons: string[]): void {
  const healthy = reasons.length === 0;
  const head = request.method === 'HEAD';
  const body = head ? '' : healthy ? 'OK' : reasons.join('\n');
  response.writeHead(healthy ? (head ? 204 : 200) : 503, {
    'content-type': 'text/plain; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
