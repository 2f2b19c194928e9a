// Fires when an upstream (or app) has no peer that can take requests, so its routes answer
// 502/503. A pool with members counts when none is up (down, unhealthy, draining or benched);
// an app with no members counts only while its instances keep failing, since a stopped or
// scaled-to-zero app is no incident.
import type { UpstreamPool } from '../../balance/upstream-pool.js';
import type { AlertRule, Condition } from './rule.js';
import type { InstanceTracker } from './instance-tracker.js';

export interface PoolList {
  all(): Iterable<UpstreamPool>;
}

export class UpstreamUnavailableRule implements AlertRule {
  readonly name = 'upstream_unavailable';

  constructor(
    private readonly pools: PoolList,
    private readonly instances: InstanceTracker,
    /** Rides out a rolling restart or a brief bench by max_fails (default 1 s). */
    private readonly hold = 1000,
  ) {}

  holdMs(): number {
    return this.hold;
  }

  evaluate(): Condition[] {
    const out: Condition[] = [];
    for (const pool of this.pools.all()) {
      const down = pool.peers.length > 0 ? !pool.hasUsablePeer() : this.instances.failing(pool.name);
      if (!down) continue;
      out.push({
        key: pool.name,
        summary: `upstream ${pool.name} has no healthy server (${pool.peers.length} configured); its routes answer 502/503`,
        labels: { upstream: pool.name },
      });
    }
    return out;
  }
}
