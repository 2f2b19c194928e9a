// Fires when a route's share of 5xx answers, over the live window of RouteRates, stays above
// `alerts.error_rate.threshold` for `alerts.error_rate.for`. A route without requests in the
// window has no error rate, and so no incident.
import type { RouteRates } from '../route-rates.js';
import type { AlertRule, Condition } from './rule.js';

export interface ErrorRateSettings {
  readonly threshold: number;
  readonly forMs: number;
}

export class ErrorRateRule implements AlertRule {
  readonly name = 'route_error_rate';

  constructor(
    private readonly rates: RouteRates,
    private readonly settings: () => ErrorRateSettings | undefined,
  ) {}

  holdMs(): number {
    return this.settings()?.forMs ?? 0;
  }

  evaluate(): Condition[] {
    const settings = this.settings();
    if (!settings) return [];
    const out: Condition[] = [];
    for (const [route, sample] of this.rates.all()) {
      if (sample.requests === 0 || sample.errorRate <= settings.threshold) continue;
      out.push({
        key: route,
        summary: `route ${route}: ${(sample.errorRate * 100).toFixed(1)}% of requests failed with 5xx over the last ${this.rates.windowSeconds}s (threshold ${(settings.threshold * 100).toFixed(1)}%)`,
        labels: { route, error_rate: String(sample.errorRate), threshold: String(settings.threshold) },
      });
    }
    return out;
  }
}
