// The observability part as one object for the composition root: Prometheus metrics, live
// route rates, the event stream and alerts, fed by finished exchanges and the event bus.
import { Registry } from 'prom-client';
import type { Snapshot } from '../config/model.js';
import type { AccessRecord } from '../edge/access-record.js';
import type { AppStatus } from '../supervise/status.js';
import type { EventBus } from './events.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import type { PoolSource } from './metrics/pools.js';
import { RouteRates } from './route-rates.js';
import { RejectionTally } from './rejection-tally.js';
import { EventStream } from './sse.js';
import { Alerter } from './alerts/alerter.js';
import { WebhookSender, type WebhookOptions } from './alerts/webhook.js';
import { InstanceTracker } from './alerts/instance-tracker.js';
import { InstanceFatalRule } from './alerts/instance-fatal.js';
import { UpstreamUnavailableRule } from './alerts/upstream-unavailable.js';
import { ErrorRateRule } from './alerts/error-rate.js';

export interface ObservabilityDeps {
  readonly events: EventBus;
  readonly pools: PoolSource;
  readonly supervisor: { status(): readonly AppStatus[] };
  readonly logger: Logger;
  /** The snapshot being served (its hash and alert settings are read live). */
  snapshot(): Snapshot;
  activeRequests?(): number;
  openConnections?(): number;
  openWebSockets?(): number;
  /** A registry to fill (default: a new one). */
  readonly registry?: Registry;
  readonly webhook?: WebhookOptions;
  /** How long an upstream must have no healthy peer before its alert fires (default 1 s). */
  readonly upstreamAlertHoldMs?: number;
}

export class Observability {
  readonly registry: Registry;
  readonly metrics: Metrics;
  readonly rates = new RouteRates();
  readonly stream: EventStream;
  readonly alerter: Alerter;
  readonly webhooks: WebhookSender;
  /** Off: finished exchanges are not counted (the metrics benchmark compares both). */
  enabled = true;
  private readonly rejections: RejectionTally;
  private readonly instances: InstanceTracker;

  constructor(private readonly deps: ObservabilityDeps) {
    this.registry = deps.registry ?? new Registry();
    this.metrics = new Metrics(this.registry, {
      pools: deps.pools,
      events: deps.events,
      apps: () => deps.supervisor.status(),
      configHash: () => deps.snapshot().hash,
      ...(deps.activeRequests && { activeRequests: deps.activeRequests }),
      ...(deps.openConnections && { openConnections: deps.openConnections }),
      ...(deps.openWebSockets && { openWebSockets: deps.openWebSockets }),
    });
    this.rejections = new RejectionTally(deps.events);
    this.stream = new EventStream({ events: deps.events, rates: this.rates, rejections: this.rejections });
    this.instances = new InstanceTracker(deps.events);
    this.webhooks = new WebhookSender(deps.logger, deps.webhook);
    this.alerter = new Alerter({
      events: deps.events,
      logger: deps.logger,
      sender: this.webhooks,
      rules: [
        new InstanceFatalRule(this.instances),
        new UpstreamUnavailableRule(deps.pools, this.instances, deps.upstreamAlertHoldMs),
        new ErrorRateRule(this.rates, () => deps.snapshot().alerts?.errorRate),
      ],
    });
    this.configure(deps.snapshot());
  }

  /** Every finished exchange. Upgraded (WebSocket) sessions count as requests, not as latency. */
  record(record: AccessRecord): void {
    if (!this.enabled) return;
    this.metrics.record(record);
    if (!record.upgraded) this.rates.record(record.route, record.status, record.durationMs);
  }

  /** After a reload: new alert settings; rates of removed routes are dropped. */
  configure(snapshot: Snapshot): void {
    this.alerter.configure(snapshot.alerts);
    this.rates.retain(snapshot.routes.map((route) => route.name));
  }

  stop(): void {
    this.alerter.stop();
    this.stream.close();
    this.metrics.stop();
    this.rejections.stop();
    this.instances.stop();
  }
}
