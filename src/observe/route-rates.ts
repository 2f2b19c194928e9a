// Live per-route numbers for the status API, the event stream, the dashboard and the error-rate
// alert: requests per second, share of 5xx answers and p99 latency over a short sliding window,
// plus a per-second history of the totals for the dashboard's charts. Prometheus has the
// long-term series; this is what "right now" looks like without a query language.
import { quantileOf } from './latency-buckets.js';
import { SecondRing } from './second-ring.js';

export interface RateSample {
  /** Requests per second over the window. */
  readonly rps: number;
  /** Share (0..1) of 5xx answers over the window; 0 without requests. */
  readonly errorRate: number;
  /** 99th percentile of the total request time over the window, ms; null without requests. */
  readonly p99Ms: number | null;
  /** Requests counted in the window. */
  readonly requests: number;
}

export interface RateHistory {
  /** ms since epoch of the first point; points are one second apart. */
  readonly start: number;
  readonly step: number;
  readonly rps: number[];
  /** 5xx answers per second. */
  readonly errors: number[];
  readonly p99Ms: (number | null)[];
}

export interface RouteRatesOptions {
  /** The sliding window of the live numbers, seconds (default 10). */
  readonly windowSeconds?: number;
  /** How many seconds of totals the history keeps (default 300). */
  readonly historySeconds?: number;
  readonly now?: () => number;
}

const EMPTY: RateSample = Object.freeze({ rps: 0, errorRate: 0, p99Ms: null, requests: 0 });

export class RouteRates {
  readonly windowSeconds: number;
  private readonly historySeconds: number;
  private readonly routes = new Map<string, SecondRing>();
  private readonly totalRing: SecondRing;
  private readonly now: () => number;
  /** The first second counted: history never reaches back before it. */
  private readonly firstSecond: number;

  constructor(options: RouteRatesOptions = {}) {
    this.windowSeconds = Math.max(1, options.windowSeconds ?? 10);
    this.historySeconds = Math.max(this.windowSeconds, options.historySeconds ?? 300);
    this.now = options.now ?? Date.now;
    this.totalRing = new SecondRing(this.historySeconds + 1);
    this.firstSecond = Math.floor(this.now() / 1000);
  }

  /** Counts one finished request; `route` '' (no route matched) counts in the totals only. */
  record(route: string, status: number, durationMs: number): void {
    const second = Math.floor(this.now() / 1000);
    const isError = status >= 500 && status < 600;
    this.totalRing.add(second, isError, durationMs);
    if (route === '') return;
    let ring = this.routes.get(route);
    if (!ring) {
      ring = new SecondRing(this.windowSeconds + 1);
      this.routes.set(route, ring);
    }
    ring.add(second, isError, durationMs);
  }

  route(name: string): RateSample {
    const ring = this.routes.get(name);
    return ring ? this.sample(ring) : EMPTY;
  }

  totals(): RateSample {
    return this.sample(this.totalRing);
  }

  /** Every route seen so far, by name. */
  all(): Map<string, RateSample> {
    const out = new Map<string, RateSample>();
    for (const [name, ring] of this.routes) out.set(name, this.sample(ring));
    return out;
  }

  /** Drops routes no longer configured (after a reload). */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of this.routes.keys()) if (!keep.has(name)) this.routes.delete(name);
  }

  /** The totals of each completed second since counting began, oldest first, up to `seconds` of them. */
  history(seconds = this.historySeconds): RateHistory {
    const current = Math.floor(this.now() / 1000);
    const count = Math.min(seconds, this.historySeconds);
    const first = Math.max(current - count, this.firstSecond);
    const rps: number[] = [];
    const errors: number[] = [];
    const p99Ms: (number | null)[] = [];
    for (let second = first; second < current; second++) {
      const point = this.totalRing.at(second, 0.99);
      rps.push(point.requests);
      errors.push(point.errors);
      p99Ms.push(point.quantileMs);
    }
    return { start: first * 1000, step: 1000, rps, errors, p99Ms };
  }

  private sample(ring: SecondRing): RateSample {
    const now = this.now();
    const current = Math.floor(now / 1000);
    const window = this.windowSeconds;
    // The current second is partial: count the time it has run so the rate does not sag.
    const covered = window - 1 + Math.max(0.05, (now - current * 1000) / 1000);
    const totals = ring.sum(current - window + 1, current);
    if (totals.requests === 0) return EMPTY;
    return {
      rps: Math.round((totals.requests / covered) * 100) / 100,
      errorRate: Math.round((totals.errors / totals.requests) * 10000) / 10000,
      p99Ms: quantileOf(ring.latency, totals.offsets, 0.99),
      requests: totals.requests,
    };
  }
}
