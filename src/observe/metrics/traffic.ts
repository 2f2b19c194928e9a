// Metrics fed by finished exchanges (AccessRecord) and guard rejections. Every request lands
// here, so the hot path only finds its (route, upstream) series through two map lookups and
// adds to plain numbers; prom-client sees the totals when /metrics is scraped.
import { Counter, type Registry } from 'prom-client';
import type { AccessRecord } from '../../edge/access-record.js';
import { methodLabel, nameLabel } from './labels.js';
import { SummedHistogram, type HistogramCells } from './summed-histogram.js';

/** Seconds; from a cache hit (sub-millisecond) to a slow upstream. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

function classIndex(status: number): number {
  const hundreds = (status / 100) | 0;
  return hundreds >= 1 && hundreds <= 5 ? hundreds : 0;
}

/** Everything counted for one (route, upstream) pair. */
interface RouteSeries {
  readonly route: string;
  readonly upstream: string;
  /** method label -> counts by status class (CLASSES order). */
  readonly requests: Map<string, number[]>;
  readonly duration: HistogramCells;
  readonly upstreamDuration: HistogramCells;
  bytesIn: number;
  bytesOut: number;
  retries: number;
  webSockets: number;
}

export class TrafficMetrics {
  /** route -> pool -> series */
  private readonly byRoute = new Map<string, Map<string, RouteSeries>>();
  private readonly all: RouteSeries[] = [];
  private readonly duration: SummedHistogram<'route' | 'upstream'>;
  private readonly upstreamDuration: SummedHistogram<'upstream'>;
  /** pool -> upstream time cells (one per upstream, not per route: it is the upstream's latency). */
  private readonly upstreamCells = new Map<string, HistogramCells>();
  private readonly rejections: Counter<'route' | 'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const all = this.all;
    new Counter<'route' | 'upstream' | 'method' | 'code'>({
      name: 'wharf_http_requests_total',
      help: 'Requests answered by the edge, by route, upstream, method and status class (code="2xx"...).',
      labelNames: ['route', 'upstream', 'method', 'code'],
      registers,
      collect() {
        this.reset();
        for (const series of all) {
          for (const [method, counts] of series.requests) {
            counts.forEach((count, i) => {
              if (count > 0) this.inc({ route: series.route, upstream: series.upstream, method, code: CLASSES[i]! }, count);
            });
          }
        }
      },
    });
    this.duration = new SummedHistogram({
      name: 'wharf_http_request_duration_seconds',
      help: 'Time from the request arriving at the edge to the last byte of the answer.',
      labelNames: ['route', 'upstream'],
      buckets: DURATION_BUCKETS,
      registry,
    });
    this.upstreamDuration = new SummedHistogram({
      name: 'wharf_upstream_response_duration_seconds',
      help: 'Time spent waiting on the upstream servers of proxied requests (all tries), by upstream.',
      labelNames: ['upstream'],
      buckets: DURATION_BUCKETS,
      registry,
    });
    const perSeries = (name: string, help: string, read: (series: RouteSeries) => number, always: boolean) =>
      new Counter<'route' | 'upstream'>({
        name,
        help,
        labelNames: ['route', 'upstream'],
        registers,
        collect() {
          this.reset();
          for (const series of all) {
            const value = read(series);
            if (always || value > 0) this.inc({ route: series.route, upstream: series.upstream }, value);
          }
        },
      });
    perSeries('wharf_http_received_bytes_total', 'Request body bytes received from clients.', (s) => s.bytesIn, true);
    perSeries('wharf_http_sent_bytes_total', 'Response body bytes sent to clients.', (s) => s.bytesOut, true);
    perSeries('wharf_upstream_retries_total', 'Further upstream tries after a failed first one.', (s) => s.retries, false);
    perSeries('wharf_websocket_sessions_total', 'WebSocket (Upgrade) sessions proxied to an end.', (s) => s.webSockets, false);
    this.rejections = new Counter({ name: 'wharf_guard_rejections_total', help: 'Requests refused by a route guard, by route and reason.', labelNames: ['route', 'reason'], registers });
  }

  record(record: AccessRecord): void {
    const series = this.seriesFor(record.route, record.pool);
    let counts = series.requests.get(record.method);
    if (!counts) {
      // Unknown methods share one 'OTHER' row, so clients cannot invent series.
      const label = methodLabel(record.method);
      counts = this.countsFor(series, label);
      if (label === record.method) series.requests.set(record.method, counts);
    }
    counts[classIndex(record.status)]!++;
    const tries = record.tries.length;
    // A WebSocket session lasts as long as the conversation: it is no request latency.
    if (record.upgraded) series.webSockets++;
    else {
      series.duration.observe(record.durationMs / 1000);
      if (tries > 0) series.upstreamDuration.observe(record.upstreamMs / 1000);
    }
    if (tries > 1) series.retries += tries - 1;
    series.bytesIn += record.bytesIn;
    series.bytesOut += record.bytesOut;
  }

  rejected(route: string, reason: string): void {
    this.rejections.inc({ route: nameLabel(route), reason });
  }

  private countsFor(series: RouteSeries, method: string): number[] {
    let counts = series.requests.get(method);
    if (!counts) {
      counts = [0, 0, 0, 0, 0, 0];
      series.requests.set(method, counts);
    }
    return counts;
  }

  private upstreamCellsFor(pool: string, label: string): HistogramCells {
    let cells = this.upstreamCells.get(pool);
    if (!cells) {
      cells = this.upstreamDuration.cells({ upstream: label });
      this.upstreamCells.set(pool, cells);
    }
    return cells;
  }

  private seriesFor(route: string, pool: string): RouteSeries {
    let byPool = this.byRoute.get(route);
    if (!byPool) {
      byPool = new Map();
      this.byRoute.set(route, byPool);
    }
    let series = byPool.get(pool);
    if (series) return series;
    const labels = { route: nameLabel(route), upstream: nameLabel(pool) };
    series = {
      ...labels,
      requests: new Map(),
      duration: this.duration.cells(labels),
      upstreamDuration: this.upstreamCellsFor(pool, labels.upstream),
      bytesIn: 0,
      bytesOut: 0,
      retries: 0,
      webSockets: 0,
    };
    byPool.set(pool, series);
    this.all.push(series);
    return series;
  }
}
