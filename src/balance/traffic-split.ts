// The weighted split between an app's stable pool and its canary pool (Traefik's weighted
// round robin over services, for two): the balancer still picks a peer inside whichever pool
// the split chose. Without a pin the shares are exact (an accumulator, not a coin toss);
// with a pin (a header or cookie value) a client hashes to a fixed point in [0, 1), so it
// stays on one release while the weight holds and moves to the canary once for good as the
// weight grows past its point.
import type { UpstreamPool } from './upstream-pool.js';

export interface SplitPin {
  /** The pin's value for this request, or undefined when the request carries none. */
  (request: PinSource): string | undefined;
}

export interface PinSource {
  header(name: string): string | undefined;
}

interface Split {
  readonly canary: UpstreamPool;
  weight: number;
  readonly pin?: SplitPin;
  credit: number;
}

export class TrafficSplit {
  private readonly splits = new Map<string, Split>();

  /** Sends `weight` (0..1) of `stable`'s traffic to `canary` from now on. */
  set(stable: string, canary: UpstreamPool, weight: number, pin?: SplitPin): void {
    const existing = this.splits.get(stable);
    if (existing && existing.canary === canary) existing.weight = weight;
    else this.splits.set(stable, { canary, weight, pin, credit: 0 });
  }

  weightOf(stable: string): number {
    return this.splits.get(stable)?.weight ?? 0;
  }

  clear(stable: string): void {
    this.splits.delete(stable);
  }

  /** The pool this request goes to. */
  choose(pool: UpstreamPool, request: PinSource): UpstreamPool {
    if (this.splits.size === 0) return pool;
    const split = this.splits.get(pool.name);
    if (!split || split.weight <= 0) return pool;
    if (split.weight >= 1) return split.canary;
    const pinned = split.pin?.(request);
    if (pinned !== undefined) return pointOf(pinned) < split.weight ? split.canary : pool;
    split.credit += split.weight;
    if (split.credit >= 1) {
      split.credit -= 1;
      return split.canary;
    }
    return pool;
  }
}

/** FNV-1a of the value, scaled into [0, 1): stable across processes and restarts. */
export function pointOf(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

/** A pin from the rollout config: a header's value, or a cookie's. */
export function pinOf(rule: { readonly header: string } | { readonly cookie: string } | undefined): SplitPin | undefined {
  if (!rule) return undefined;
  if ('header' in rule) {
    const name = rule.header.toLowerCase();
    return (request) => request.header(name) || undefined;
  }
  const prefix = `${rule.cookie}=`;
  return (request) => {
    const cookies = request.header('cookie');
    if (!cookies) return undefined;
    for (const part of cookies.split(';')) {
      const trimmed = part.trim();
      if (trimmed.startsWith(prefix)) return trimmed.slice(prefix.length) || undefined;
    }
    return undefined;
  };
}
