// Per-second counters in a fixed ring: requests, 5xx answers and a latency histogram for each
// of the last `size` seconds. A slot is recycled lazily when a new second first writes to it,
// so there is no timer and memory never grows.
import { LATENCY_BUCKETS, latencyBucket, quantileOf } from './latency-buckets.js';

export interface SecondTotals {
  readonly requests: number;
  readonly errors: number;
  /** Offsets of the histograms of the seconds summed (for quantileOf). */
  readonly offsets: number[];
}

export class SecondRing {
  private readonly stamps: Float64Array;
  private readonly requests: Uint32Array;
  private readonly errors: Uint32Array;
  readonly latency: Uint32Array;

  constructor(readonly size: number) {
    this.stamps = new Float64Array(size).fill(-1);
    this.requests = new Uint32Array(size);
    this.errors = new Uint32Array(size);
    this.latency = new Uint32Array(size * LATENCY_BUCKETS);
  }

  add(second: number, isError: boolean, durationMs: number): void {
    const slot = this.slotFor(second);
    if (slot < 0) return;
    this.requests[slot]!++;
    if (isError) this.errors[slot]!++;
    this.latency[slot * LATENCY_BUCKETS + latencyBucket(durationMs)]!++;
  }

  /** Sums the seconds from `first` to `last` inclusive (only those still in the ring). */
  sum(first: number, last: number): SecondTotals {
    let requests = 0;
    let errors = 0;
    const offsets: number[] = [];
    for (let second = Math.max(first, last - this.size + 1); second <= last; second++) {
      const slot = second % this.size;
      if (this.stamps[slot] !== second) continue;
      requests += this.requests[slot]!;
      errors += this.errors[slot]!;
      offsets.push(slot * LATENCY_BUCKETS);
    }
    return { requests, errors, offsets };
  }

  /** One second's requests, errors and latency quantile (null without samples). */
  at(second: number, q: number): { requests: number; errors: number; quantileMs: number | null } {
    const slot = second % this.size;
    if (this.stamps[slot] !== second) return { requests: 0, errors: 0, quantileMs: null };
    return { requests: this.requests[slot]!, errors: this.errors[slot]!, quantileMs: quantileOf(this.latency, [slot * LATENCY_BUCKETS], q) };
  }

  private slotFor(second: number): number {
    const slot = second % this.size;
    const stamp = this.stamps[slot]!;
    // A sample older than the slot's second (the clock stepped back) is dropped.
    if (stamp > second) return -1;
    if (stamp !== second) {
      this.stamps[slot] = second;
      this.requests[slot] = 0;
      this.errors[slot] = 0;
      this.latency.fill(0, slot * LATENCY_BUCKETS, (slot + 1) * LATENCY_BUCKETS);
    }
    return slot;
  }
}
