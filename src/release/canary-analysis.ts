// The numbers a canary step is judged by: for each side (the new release, the stable one),
// requests, errors (5xx, which includes wharf's own 502/504 for connection failures) and the
// 99th percentile of their durations, over the current step only.
import type { SideNumbers } from './rollout-status.js';

/** Enough samples for a p99 over a step; beyond it, a uniform reservoir keeps memory fixed. */
const RESERVOIR = 4096;

export class SideWindow {
  private requests = 0;
  private errors = 0;
  private readonly durations: number[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  record(status: number, durationMs: number): void {
    this.requests++;
    if (status >= 500) this.errors++;
    if (this.durations.length < RESERVOIR) this.durations.push(durationMs);
    else {
      const slot = Math.floor(this.random() * this.requests);
      if (slot < RESERVOIR) this.durations[slot] = durationMs;
    }
  }

  numbers(): SideNumbers {
    return { requests: this.requests, error_rate: this.requests ? this.errors / this.requests : 0, p99_ms: percentile(this.durations, 0.99) };
  }
}

export function percentile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export interface AnalysisLimits {
  readonly maxErrorRate: number;
  readonly maxP99Ratio: number;
  readonly minRequests: number;
}

export type Verdict = { readonly kind: 'healthy' } | { readonly kind: 'waiting' } | { readonly kind: 'failing'; readonly reason: string };

/**
 * Judges the new release against the stable one. Errors are judged as soon as the new side
 * has min_requests (a bad release should lose its traffic fast); latency needs min_requests
 * on both sides, since a p99 of a handful of requests says nothing.
 */
export function judge(canary: SideNumbers, stable: SideNumbers, limits: AnalysisLimits): Verdict {
  if (canary.requests < limits.minRequests) return { kind: 'waiting' };
  if (canary.error_rate > limits.maxErrorRate) {
    return { kind: 'failing', reason: `error rate ${(canary.error_rate * 100).toFixed(1)}% over ${canary.requests} requests is above max_error_rate ${(limits.maxErrorRate * 100).toFixed(1)}%` };
  }
  if (stable.requests >= limits.minRequests && canary.p99_ms !== null && stable.p99_ms !== null && canary.p99_ms > limits.maxP99Ratio * Math.max(stable.p99_ms, 1)) {
    return { kind: 'failing', reason: `p99 ${canary.p99_ms.toFixed(1)} ms is above ${limits.maxP99Ratio} x the stable release's ${stable.p99_ms.toFixed(1)} ms` };
  }
  return { kind: 'healthy' };
}
