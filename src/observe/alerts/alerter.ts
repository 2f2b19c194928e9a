// Turns rule conditions into incidents: a condition that holds for its rule's hold time fires
// once (webhook POST + 'alert' event + log line); when it clears, the incident resolves once.
// Rules are evaluated every second, and at once after instance or health changes.
import type { Snapshot } from '../../config/model.js';
import type { AlertEvent, EventBus } from '../events.js';
import type { Logger } from '../logger.js';
import type { AlertRule, Condition } from './rule.js';
import type { WebhookSender } from './webhook.js';

export type AlertsConfig = NonNullable<Snapshot['alerts']>;

export interface AlerterDeps {
  readonly rules: readonly AlertRule[];
  readonly events: EventBus;
  readonly logger: Logger;
  readonly sender: WebhookSender;
  /** Default 1000 ms. */
  readonly intervalMs?: number;
}

/** The JSON body every webhook receives. */
export interface AlertPayload {
  readonly source: 'wharf';
  readonly status: 'firing' | 'resolved';
  readonly alert: string;
  readonly key: string;
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
  /** ISO 8601. */
  readonly startsAt: string;
  readonly endsAt?: string;
}

export class Alerter {
  private config: AlertsConfig | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  /** Conditions seen but not yet held long enough: id -> first seen (ms). */
  private readonly pending = new Map<string, number>();
  private readonly active = new Map<string, AlertEvent>();
  private readonly onChange = () => {
    if (this.timer && !this.soon) this.soon = setImmediate(() => this.evaluate());
  };

  constructor(private readonly deps: AlerterDeps) {}

  /** The alerts the config asks for; undefined turns alerting off (no messages for open incidents). */
  configure(config: AlertsConfig | undefined): void {
    this.config = config;
    if (!config) {
      this.stop();
      this.pending.clear();
      this.active.clear();
      return;
    }
    if (this.timer) return;
    this.timer = setInterval(() => this.evaluate(), this.deps.intervalMs ?? 1000);
    this.timer.unref();
    this.deps.events.on('instance', this.onChange);
    this.deps.events.on('health', this.onChange);
  }

  /** Incidents open right now. */
  incidents(): AlertEvent[] {
    return [...this.active.values()];
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.soon) clearImmediate(this.soon);
    this.soon = undefined;
    this.deps.events.off('instance', this.onChange);
    this.deps.events.off('health', this.onChange);
  }

  evaluate(now = Date.now()): void {
    this.soon = undefined;
    if (!this.config) return;
    for (const rule of this.deps.rules) {
      const current = new Set<string>();
      for (const condition of rule.evaluate(now)) {
        const id = `${rule.name}\n${condition.key}`;
        current.add(id);
        if (this.active.has(id)) continue;
        const since = this.pending.get(id) ?? now;
        if (now - since >= rule.holdMs()) {
          this.pending.delete(id);
          this.fire(id, rule, condition, since);
        } else {
          this.pending.set(id, since);
        }
      }
      const prefix = `${rule.name}\n`;
      for (const id of this.pending.keys()) if (id.startsWith(prefix) && !current.has(id)) this.pending.delete(id);
      for (const [id, incident] of this.active) if (id.startsWith(prefix) && !current.has(id)) this.resolve(id, incident, now);
    }
  }

  private fire(id: string, rule: AlertRule, condition: Condition, since: number): void {
    const event: AlertEvent = { status: 'firing', alert: rule.name, key: condition.key, summary: condition.summary, labels: condition.labels, startsAt: since };
    this.active.set(id, event);
    this.deps.logger.warn({ alert: rule.name, key: condition.key, labels: condition.labels }, `alert firing: ${condition.summary}`);
    this.publish(event);
  }

  private resolve(id: string, incident: AlertEvent, now: number): void {
    this.active.delete(id);
    const event: AlertEvent = { ...incident, status: 'resolved', endsAt: now };
    this.deps.logger.info({ alert: incident.alert, key: incident.key }, `alert resolved: ${incident.summary}`);
    this.publish(event);
  }

  private publish(event: AlertEvent): void {
    this.deps.events.emit('alert', event);
    const payload: AlertPayload = {
      source: 'wharf',
      status: event.status,
      alert: event.alert,
      key: event.key,
      summary: event.summary,
      labels: event.labels,
      startsAt: new Date(event.startsAt).toISOString(),
      ...(event.endsAt !== undefined && { endsAt: new Date(event.endsAt).toISOString() }),
    };
    if (this.config && this.config.webhooks.length > 0) this.deps.sender.send(this.config.webhooks, payload);
  }
}
