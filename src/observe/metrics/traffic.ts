// Metrics fed by finished exchanges (AccessRecord) and guard rejections. The hot path looks up
// one cached set of label children per (route, upstream) and does a few increments; prom-client
// does the formatting only when /metrics is scraped.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AccessRecord } from '../../edge/access-record.js';
import { methodLabel, nameLabel, statusClass } from './labels.js';

/** Seconds; from a cache hit (sub-millisecond) to a slow upstream. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/** The children of one (route, upstream) pair, created on first use. */
interface RouteSeries {
  readonly route: string;
  readonly upstream: string;
  readonly requests: Map<string, CounterChild>;
  readonly duration: HistogramChild;
  readonly upstreamDuration: HistogramChild;
  readonly bytesIn: CounterChild;
  readonly bytesOut: CounterChild;
  retries?: CounterChild;
  webSockets?: CounterChild;
}

export class TrafficMetrics {
  private readonly requests: Counter<'route' | 'upstream' | 'method' | 'code'>;
  private readonly duration: Histogram<'route' | 'upstream'>;
  private readonly upstreamDuration: Histogram<'route' | 'upstream'>;
  private readonly bytesIn: Counter<'route' | 'upstream'>;
  private readonly bytesOut: Counter<'route' | 'upstream'>;
  private readonly retries: Counter<'route' | 'upstream'>;
  private readonly webSockets: Counter<'route' | 'upstream'>;
  private readonly rejections: Counter<'route' | 'reason'>;
  private readonly series = new Map<string, RouteSeries>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'wharf_http_requests_total',
      help: 'Requests answered by the edge, by route, upstream, method and status class (code="2xx"...).',
      labelNames: ['route', 'upstream', 'method', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'wharf_http_request_duration_seconds',
      help: 'Time from the request arriving at the edge to the last byte of the answer.',
      labelNames: ['route', 'upstream'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'wharf_upstream_response_duration_seconds',
      help: 'Time spent waiting on upstream servers for proxied requests (all tries).',
      labelNames: ['route', 'upstream'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.bytesIn = new Counter({ name: 'wharf_http_received_bytes_total', help: 'Request body bytes received from clients.', labelNames: ['route', 'upstream'], registers });
    this.bytesOut = new Counter({ name: 'wharf_http_sent_bytes_total', help: 'Response body bytes sent to clients.', labelNames: ['route', 'upstream'], registers });
    this.retries = new Counter({ name: 'wharf_upstream_retries_total', help: 'Further upstream tries after a failed first one.', labelNames: ['route', 'upstream'], registers });
    this.webSockets = new Counter({ name: 'wharf_websocket_sessions_total', help: 'WebSocket (Upgrade) sessions proxied to an end.', labelNames: ['route', 'upstream'], registers });
    this.rejections = new Counter({ name: 'wharf_guard_rejections_total', help: 'Requests refused by a route guard, by route and reason.', labelNames: ['route', 'reason'], registers });
  }

  record(record: AccessRecord): void {
    const series = this.seriesFor(record.route, record.pool);
    const key = record.method + statusClass(record.status);
    let requests = series.requests.get(key);
    if (!requests) {
      requests = this.requests.labels(series.route, series.upstream, methodLabel(record.method), statusClass(record.status));
      series.requests.set(key, requests);
    }
    requests.inc();
    const tries = record.tries.length;
    // A WebSocket session lasts as long as the conversation: it is no request latency.
    if (!record.upgraded) {
      series.duration.observe(record.durationMs / 1000);
      if (tries > 0) series.upstreamDuration.observe(record.upstreamMs / 1000);
    }
    if (tries > 1) (series.retries ??= this.retries.labels(series.route, series.upstream)).inc(tries - 1);
    if (record.upgraded) (series.webSockets ??= this.webSockets.labels(series.route, series.upstream)).inc();
    series.bytesIn.inc(record.bytesIn);
    series.bytesOut.inc(record.bytesOut);
  }

  rejected(route: string, reason: string): void {
    this.rejections.inc({ route: nameLabel(route), reason });
  }

  private seriesFor(route: string, pool: string): RouteSeries {
    const key = `${route}\n${pool}`;
    let series = this.series.get(key);
    if (series) return series;
    const routeLabel = nameLabel(route);
    const upstream = nameLabel(pool);
    series = {
      route: routeLabel,
      upstream,
      requests: new Map(),
      duration: this.duration.labels(routeLabel, upstream),
      upstreamDuration: this.upstreamDuration.labels(routeLabel, upstream),
      bytesIn: this.bytesIn.labels(routeLabel, upstream),
      bytesOut: this.bytesOut.labels(routeLabel, upstream),
    };
    this.series.set(key, series);
    return series;
  }
}
