/**
 * Prometheus metrics (`--metrics`): requests and their latency by API, route pattern, method and status; bytes
 * in and out of each listener; token checks; images by status, uploads and imports under way; the process's
 * own (prom-client's default metrics). The request path pays a map lookup and two increments: each series is
 * bound to its labels once. What a scrape reads (sockets, catalog counts) is gathered only when scraped.
 */
import type { Socket } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GLANCE_STATUSES } from '../../catalog/image.js';
import type { ImportService } from '../../catalog/imports.js';
import type { CatalogService } from '../../catalog/service.js';
import type { UploadService } from '../../catalog/uploads.js';
import type { TokenCheck } from '../../identity/tokens.js';
import type { ListenerMetrics } from './http.js';

/** What the gauges read when scraped. */
export interface MetricsSources {
  catalog: Pick<CatalogService, 'revision' | 'countByStatus'>;
  uploads: Pick<UploadService, 'underWay'>;
  imports: Pick<ImportService, 'underWay'>;
}

/** Seconds: most answers take well under a millisecond, uploads and long lists seconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const REQUEST_LABELS = ['api', 'route', 'method', 'status'] as const;

/** The bytes of a listener's connections: those closed, summed, and those still open, read when scraped. */
interface Traffic {
  closed: { in: number; out: number };
  open: Set<Socket>;
}

export class Metrics {
  private readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'glint_http_requests_total',
    help: 'Requests answered, by API, route pattern, method and status.',
    labelNames: REQUEST_LABELS,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'glint_http_request_duration_seconds',
    help: 'Time from a request\'s arrival to its answer, by API, route pattern, method and status.',
    labelNames: REQUEST_LABELS,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly tokenChecks = new Counter({
    name: 'glint_token_checks_total',
    help: 'Checks of the tokens requests carry, by whether the answer was kept (hit) or asked of the catalog (miss).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly tokenResults = { hit: this.tokenChecks.labels('hit'), miss: this.tokenChecks.labels('miss') };
  private readonly traffic = new Map<string, Traffic>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const traffic = this.traffic;
    new Counter({
      name: 'glint_http_bytes_total',
      help: 'Bytes received (in) and sent (out) on each API\'s connections, headers included.',
      labelNames: ['api', 'direction'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [api, { closed, open }] of traffic) {
          let [received, sent] = [closed.in, closed.out];
          for (const socket of open) [received, sent] = [received + socket.bytesRead, sent + socket.bytesWritten];
          this.inc({ api, direction: 'in' }, received);
          this.inc({ api, direction: 'out' }, sent);
        }
      },
    });
  }

  /** Counts a token check (see `TokenOptions.tokenChecked`). */
  readonly tokenChecked = (result: TokenCheck): void => this.tokenResults[result].inc();

  /** The gauges of the catalog and of the work under way, read from `sources` when scraped. */
  collectFrom({ catalog, uploads, imports }: MetricsSources): void {
    let counted: { version: string; counts: Record<string, number> } | null = null;
    new Gauge({
      name: 'glint_images',
      help: 'Images in the catalog by status, deleted ones included.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          // Counted again only once the catalog has changed.
          const version = await catalog.revision();
          if (counted?.version !== version) counted = { version, counts: await catalog.countByStatus() };
        } catch {
          // A catalog that cannot be read has no count to report (the health check says why).
          return;
        }
        const { counts } = counted;
        for (const status of new Set([...GLANCE_STATUSES, ...Object.keys(counts)])) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: 'glint_uploads_in_progress',
      help: 'Uploads of image data (and stagings for import) this process is receiving.',
      registers: [this.registry],
      collect() {
        this.set(uploads.underWay);
      },
    });
    new Gauge({
      name: 'glint_imports_in_progress',
      help: 'Imports this process is running.',
      registers: [this.registry],
      collect() {
        this.set(imports.underWay);
      },
    });
  }

  /** What one listener does for metrics; `serve` when it answers `/metrics`. */
  forListener(api: string, serve: boolean): ListenerMetrics {
    const series = new Map<string, { count: Counter.Internal; time: Histogram.Internal<(typeof REQUEST_LABELS)[number]> }>();
    const traffic: Traffic = { closed: { in: 0, out: 0 }, open: new Set() };
    this.traffic.set(api, traffic);
    return {
      observe: (route, method, status, seconds) => {
        const key = `${route}\n${method}\n${status}`;
        let bound = series.get(key);
        if (!bound) {
          const labels = { api, route, method, status };
          bound = { count: this.requests.labels(labels), time: this.latency.labels(labels) };
          series.set(key, bound);
        }
        bound.count.inc();
        bound.time.observe(seconds);
      },
      connected: (socket) => {
        traffic.open.add(socket);
        socket.once('close', () => {
          traffic.open.delete(socket);
          traffic.closed.in += socket.bytesRead;
          traffic.closed.out += socket.bytesWritten;
        });
      },
      scrape: serve ? async () => ({ contentType: this.registry.contentType, body: await this.registry.metrics() }) : undefined,
    };
  }
}
