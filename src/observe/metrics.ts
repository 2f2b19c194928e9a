// Every Prometheus metric wharf exposes, on a registry the caller owns (never prom-client's
// global one, so two wharfs in one process, as in tests, keep apart). Traffic is counted as
// exchanges finish; pools, instances and edge gauges are read when /metrics is scraped.
// wharf's edge is one process, so there is nothing to aggregate across workers.
import { Gauge, type Registry } from 'prom-client';
import type { AccessRecord } from '../edge/access-record.js';
import type { EventBus, RejectEvent, ReloadEvent } from './events.js';
import { TrafficMetrics } from './metrics/traffic.js';
import { registerPoolMetrics, type PoolSource } from './metrics/pools.js';
import { registerInstanceMetrics, type InstanceSource } from './metrics/instances.js';
import { ConfigMetrics } from './metrics/config.js';
import { SelfMetrics } from './metrics/self.js';

export interface MetricsSources extends InstanceSource {
  readonly pools: PoolSource;
  readonly events: EventBus;
  /** sha256 of the config being served. */
  configHash(): string;
  /** Client connections open on every listener, when the edge reports them. */
  openConnections?(): number;
  /** Upgraded (WebSocket) connections open right now, when the edge reports them. */
  openWebSockets?(): number;
  /** Requests (and upgraded sessions) being handled right now. */
  activeRequests?(): number;
}

export class Metrics {
  readonly contentType: string;
  private readonly traffic: TrafficMetrics;
  private readonly config: ConfigMetrics;
  private readonly self: SelfMetrics;
  private readonly onReject = (event: RejectEvent) => this.traffic.rejected(event.route, event.reason);
  private readonly onReload = (event: ReloadEvent) => this.config.reloaded(event.ok);

  constructor(
    readonly registry: Registry,
    private readonly sources: MetricsSources,
  ) {
    this.contentType = registry.contentType;
    this.traffic = new TrafficMetrics(registry);
    this.config = new ConfigMetrics(registry, () => sources.configHash());
    registerPoolMetrics(registry, sources.pools);
    registerInstanceMetrics(registry, sources);
    this.registerEdgeGauges();
    this.self = new SelfMetrics(registry);
    sources.events.on('reject', this.onReject);
    sources.events.on('reload', this.onReload);
  }

  /** Counts one finished exchange (called for every AccessRecord). */
  record(record: AccessRecord): void {
    this.traffic.record(record);
  }

  /** The Prometheus text exposition. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  stop(): void {
    this.self.stop();
    this.sources.events.off('reject', this.onReject);
    this.sources.events.off('reload', this.onReload);
  }

  private registerEdgeGauges(): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: (() => number) | undefined) => {
      if (!read) return;
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    const sources = this.sources;
    gauge('wharf_open_connections', 'Client connections open on the edge listeners.', sources.openConnections && (() => sources.openConnections!()));
    gauge('wharf_open_websockets', 'Upgraded (WebSocket) client connections open right now.', sources.openWebSockets && (() => sources.openWebSockets!()));
    gauge('wharf_active_requests', 'Requests and upgraded sessions being handled right now.', sources.activeRequests && (() => sources.activeRequests!()));
  }
}
