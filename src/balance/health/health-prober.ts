// Active health checks (`health:` on an upstream): each watched pool is checked every
// `interval`, its peers' checks spread evenly over the interval so they never all fire at
// once. `fails` consecutive failures take a peer out (UpstreamPool.markHealth -> no traffic),
// `passes` consecutive passes bring it back; every change is logged and published as a
// 'health' event. Members are re-read every round, since app pools change them at any time.
import type { HealthConfig, UpstreamConfig } from '../../config/model.js';
import type { EventBus } from '../../observe/events.js';
import type { Logger } from '../../observe/logger.js';
import { parseAddress } from '../../net/address.js';
import { critical, type CheckResult } from '../../checks/check-result.js';
import { healthCheck, type TargetCheck } from '../../checks/health-check.js';
import { Streak } from '../../checks/streak.js';
import type { Peer } from '../peer.js';
import type { UpstreamPool } from '../upstream-pool.js';

export interface HealthProberDeps {
  readonly events: EventBus;
  readonly logger: Logger;
}

interface PeerRecord {
  /** Judged against the peer's current verdict (Peer.healthy), which only this prober flips. */
  streak: Streak;
  checking: boolean;
}

class PoolWatch {
  private readonly records = new Map<string, PeerRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private round: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly checkTarget: TargetCheck;
  readonly hostHeader: string | undefined;

  constructor(
    readonly pool: UpstreamPool,
    readonly health: HealthConfig,
    private readonly deps: HealthProberDeps,
  ) {
    this.checkTarget = healthCheck(health);
    this.hostHeader = pool.config.hostHeader;
  }

  start(): void {
    this.runRound();
    this.round = setInterval(() => this.runRound(), this.health.intervalMs);
    this.round.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.round) clearInterval(this.round);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private runRound(): void {
    const peers = this.pool.peers.filter((peer) => !peer.config.down);
    const current = new Set(peers.map((peer) => peer.address));
    for (const address of this.records.keys()) if (!current.has(address)) this.records.delete(address);
    const step = peers.length > 0 ? this.health.intervalMs / peers.length : 0;
    peers.forEach((peer, index) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.check(peer);
      }, Math.floor(step * index));
      timer.unref();
      this.timers.add(timer);
    });
  }

  private async check(peer: Peer): Promise<void> {
    if (this.stopped || !this.pool.peers.includes(peer)) return;
    let record = this.records.get(peer.address);
    if (!record || record.streak.healthy !== peer.healthy) {
      // A new peer, or one whose verdict was reset (it rejoined the pool): streaks start over.
      record = { streak: new Streak(this.health, peer.healthy), checking: record?.checking ?? false };
      this.records.set(peer.address, record);
    }
    // A check slower than the interval is not stacked with another one.
    if (record.checking) return;
    record.checking = true;
    let result: CheckResult;
    try {
      result = await this.probe(peer);
    } catch (error) {
      result = critical((error as Error).message);
    } finally {
      record.checking = false;
    }
    if (this.stopped || !this.pool.peers.includes(peer)) return;
    if (record.streak.record(result.status === 'passing')) this.flip(peer, record.streak.healthy, result.output);
  }

  private probe(peer: Peer): Promise<CheckResult> {
    const target = parseAddress(peer.address, '127.0.0.1');
    if (!target) return Promise.resolve(critical(`unusable address ${peer.address}`));
    return this.checkTarget({ ...target, hostHeader: this.hostHeader ?? peer.address });
  }

  private flip(peer: Peer, healthy: boolean, reason: string): void {
    if (!this.pool.markHealth(peer, healthy)) return;
    const fields = { pool: this.pool.name, peer: peer.address, reason };
    if (healthy) this.deps.logger.info(fields, 'upstream peer passed health checks; back in rotation');
    else this.deps.logger.warn(fields, 'upstream peer failed health checks; out of rotation');
    this.deps.events.emit('health', { pool: this.pool.name, peer: peer.address, healthy, reason });
  }
}

export class HealthProber {
  private readonly watches = new Map<string, PoolWatch>();

  constructor(private readonly deps: HealthProberDeps) {}

  /** Starts (or re-configures, or with no `health` stops) active checks of a pool. */
  watch(pool: UpstreamPool, health: HealthConfig | undefined): void {
    const existing = this.watches.get(pool.name);
    if (!health) {
      if (existing) this.unwatch(pool.name);
      return;
    }
    if (existing && existing.pool === pool && sameHealth(existing.health, health) && existing.hostHeader === pool.config.hostHeader) return;
    if (existing) existing.stop();
    const watch = new PoolWatch(pool, health, this.deps);
    this.watches.set(pool.name, watch);
    watch.start();
  }

  /**
   * Checks exactly the pools in `pools` whose upstream asks for it. App pools are never probed:
   * their instances' readiness and liveness come from the supervisor.
   */
  watchAll(pools: Iterable<UpstreamPool>, upstreams: ReadonlyMap<string, UpstreamConfig>): void {
    const names: string[] = [];
    for (const pool of pools) {
      this.watch(pool, upstreams.get(pool.name)?.health);
      names.push(pool.name);
    }
    this.retain(names);
  }

  /** Stops checking a pool; its peers count as healthy again (nothing judges them any more). */
  unwatch(poolName: string): void {
    const watch = this.watches.get(poolName);
    if (!watch) return;
    watch.stop();
    this.watches.delete(poolName);
    for (const peer of watch.pool.peers) watch.pool.markHealth(peer, true);
  }

  /** Stops watching pools whose names are not in `names` (pools a reload removed). */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of [...this.watches.keys()]) if (!keep.has(name)) this.unwatch(name);
  }

  stopAll(): void {
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }
}

function sameHealth(a: HealthConfig, b: HealthConfig): boolean {
  return (
    a.type === b.type &&
    a.path === b.path &&
    a.intervalMs === b.intervalMs &&
    a.timeoutMs === b.timeoutMs &&
    a.fails === b.fails &&
    a.passes === b.passes &&
    a.statusMin === b.statusMin &&
    a.statusMax === b.statusMax &&
    a.body === b.body
  );
}
