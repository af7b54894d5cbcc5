/**
 * Prometheus metrics (`--metrics`): requests and their latency by API, route pattern, method and status; bytes
 * in and out of each listener; token checks; images by status, uploads and imports under way; the process's
 * own (prom-client's default metrics). A request costs a few map lookups and additions to plain numbers:
 * prom-client's own `inc` and `observe` hash their labels on every call, which cost a kept answer a quarter of
 * its rate, so requests are counted here and handed to prom-client when scraped. What a scrape reads
 * (sockets, catalog counts) is gathered only then.
 */
import type { Socket } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
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

type RequestLabels = Record<(typeof REQUEST_LABELS)[number], string>;

/** The requests of one API, route, method and status: how many, their total time, and how many in each bucket. */
class RequestSeries {
  count = 0;
  sum = 0;
  /** Not cumulative: each request counts in the first bucket it fits (cumulated when scraped). */
  readonly buckets = LATENCY_BUCKETS.map(() => 0);

  constructor(readonly labels: RequestLabels) {}

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    const bucket = LATENCY_BUCKETS.findIndex((bound) => seconds <= bound);
    if (bucket >= 0) this.buckets[bucket]++;
  }
}

/** The latency histogram of every series, in the shape prom-client's registry reads a metric's values. */
function latencyHistogram(all: RequestSeries[]) {
  const name = 'glint_http_request_duration_seconds';
  const values = all.flatMap(({ labels, count, sum, buckets }) => {
    let below = 0;
    return [
      ...LATENCY_BUCKETS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: (below += buckets[i]) })),
      { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count },
      { metricName: `${name}_sum`, labels, value: sum },
      { metricName: `${name}_count`, labels, value: count },
    ];
  });
  return { name, help: "Time from a request's arrival to its answer, by API, route pattern, method and status.", type: 'histogram', values, aggregator: 'sum' };
}

/** The bytes of a listener's connections: those closed, summed, and those still open, read when scraped. */
interface Traffic {
  closed: { in: number; out: number };
  open: Set<Socket>;
}

export class Metrics {
  private readonly registry = new Registry();
  private readonly series: RequestSeries[] = [];
  private readonly tokenChecks: Record<TokenCheck, number> = { hit: 0, miss: 0 };
  private readonly traffic = new Map<string, Traffic>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const { series, traffic, tokenChecks } = this;
    new Counter({
      name: 'glint_token_checks_total',
      help: 'Checks of the tokens requests carry, by whether the answer was kept (hit) or asked of the catalog (miss).',
      labelNames: ['result'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [result, count] of Object.entries(tokenChecks)) this.inc({ result }, count);
      },
    });
    new Counter({
      name: 'glint_http_requests_total',
      help: 'Requests answered, by API, route pattern, method and status.',
      labelNames: REQUEST_LABELS,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { labels, count } of series) this.inc(labels, count);
      },
    });
    const latency = { name: 'glint_http_request_duration_seconds', get: () => latencyHistogram(series) };
    // The registry reads a metric through its `name` and `get()` only.
    this.registry.registerMetric(latency as unknown as Metric);
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
  readonly tokenChecked = (result: TokenCheck): void => {
    this.tokenChecks[result]++;
  };

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
    // route → method → status: lookups that make no string of their own.
    const routes = new Map<string, Map<string, Map<number, RequestSeries>>>();
    const traffic: Traffic = { closed: { in: 0, out: 0 }, open: new Set() };
    this.traffic.set(api, traffic);
    const seriesOf = (route: string, method: string, status: number): RequestSeries => {
      let methods = routes.get(route);
      if (!methods) routes.set(route, (methods = new Map<string, Map<number, RequestSeries>>()));
      let statuses = methods.get(method);
      if (!statuses) methods.set(method, (statuses = new Map<number, RequestSeries>()));
      let series = statuses.get(status);
      if (!series) {
        series = new RequestSeries({ api, route, method, status: String(status) });
        statuses.set(status, series);
        this.series.push(series);
      }
      return series;
    };
    return {
      observe: (route, method, status, seconds) => seriesOf(route, method, status).observe(seconds),
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
