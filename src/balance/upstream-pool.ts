// A named pool of peers (whatever its member source delivers: an upstream's servers, an
// app's ready instances, a service's passing instances) with its balancer. Pools live across reloads: a reload reconfigures them in place, so peer state,
// connections and in-flight counts carry over. Backups are a second tier, tried only when no
// primary can take the request (nginx's behaviour).
import type { PoolConfig, ServerConfig } from '../config/model.js';
import type { Balancer, PeerSet, PickContext } from './balancer.js';
import { createBalancer } from './algorithms.js';
import { Peer, PeerTable } from './peer.js';
import { WaitQueue } from './wait-queue.js';
import { RetryBudget } from './retry-budget.js';

export interface Outcome {
  /** false when the attempt failed in a way that counts against the peer (passive health). */
  readonly ok: boolean;
  /** Time to the response head, ms. */
  readonly firstByteMs?: number;
  /** Time to the end of the response, ms. */
  readonly totalMs?: number;
}

const NOTHING_TRIED: ReadonlySet<Peer> = new Set();

/** One tier of the pool as the balancer sees it; `now` is set before every pick. */
class Tier implements PeerSet {
  now = 0;
  readonly totalWeight: number;

  constructor(
    readonly all: readonly Peer[],
    readonly available: (peer: Peer) => boolean,
  ) {
    this.totalWeight = all.reduce((sum, peer) => sum + peer.config.weight, 0);
  }
}

export class UpstreamPool {
  private balancer: Balancer;
  private members: readonly Peer[] = [];
  private primaries: Tier;
  private backups: Tier;
  /** nginx's lone-server rule: one primary and no backups is never benched by max_fails. */
  private single = false;
  private readonly waiting = new WaitQueue();
  /** Lives with the pool, so a reload does not refill it. */
  readonly retryBudget: RetryBudget;
  private readonly drainWaiters = new Map<Peer, (() => void)[]>();
  /** The pick in progress: what `available` checks against (no allocation per pick). */
  private pickTried: ReadonlySet<Peer> = NOTHING_TRIED;
  private pickNow = 0;
  private readonly available = (peer: Peer): boolean => !this.pickTried.has(peer) && peer.isUsable(this.pickNow, this.single);

  constructor(
    public config: PoolConfig,
    private readonly table: PeerTable = new PeerTable(),
    servers: readonly ServerConfig[] = [],
    /** ms since the epoch; fail_timeout and slow_start are measured on it (tests pass their own). */
    private readonly now: () => number = Date.now,
  ) {
    this.balancer = createBalancer(config);
    this.retryBudget = new RetryBudget(config.retryBudget);
    this.primaries = new Tier([], this.available);
    this.backups = new Tier([], this.available);
    this.applyMembers(servers, false);
  }

  get name(): string {
    return this.config.name;
  }

  /** Every member, primaries first, then backups, in config order. */
  get peers(): readonly Peer[] {
    return this.members;
  }

  /** Requests waiting in the queue for a peer with free capacity. */
  get queued(): number {
    return this.waiting.length;
  }

  /** A reload's pool settings; members come separately, from the pool's source. */
  configure(config: PoolConfig): void {
    const balanceChanged = config.balance !== this.config.balance || config.hashKey !== this.config.hashKey;
    this.config = config;
    this.retryBudget.configure(config.retryBudget);
    if (balanceChanged) this.balancer = createBalancer(config);
    this.balancer.reset?.(this.members);
    this.serveWaiters();
  }

  /** The full member list now (from the pool's member source); peers are kept by address. */
  setMembers(servers: readonly ServerConfig[]): void {
    this.applyMembers(servers, true);
    this.serveWaiters();
  }

  /** True when some peer is up (not down, draining, unhealthy or benched), busy or not. */
  hasUsablePeer(): boolean {
    const now = this.now();
    return this.members.some((peer) => peer.isUp(now, this.single));
  }

  /** Whether `peer` is up now (not down, draining, unhealthy or benched), busy or not: what status pages show. */
  isPeerUp(peer: Peer): boolean {
    return peer.isUp(this.now(), this.single);
  }

  /** Picks a peer not in `tried` and counts the request against it; undefined when none can take it. */
  select(ctx: PickContext, tried: ReadonlySet<Peer>): Peer | undefined {
    const now = this.now();
    this.pickNow = now;
    this.pickTried = tried;
    let peer: Peer | undefined;
    try {
      if (this.primaries.all.length > 0) {
        this.primaries.now = now;
        peer = this.balancer.pick(this.primaries, ctx);
      }
      if (peer === undefined && this.backups.all.length > 0) {
        this.backups.now = now;
        peer = this.balancer.pick(this.backups, ctx);
      }
    } finally {
      this.pickTried = NOTHING_TRIED;
    }
    peer?.notePicked(now);
    return peer;
  }

  /**
   * Like select, but when every peer that is up is at max_conns and the pool has a `queue`,
   * waits (first come, first served) up to the queue's timeout for one to free up. Resolves
   * undefined when the queue is full, the wait times out, `signal` aborts, or no peer is up.
   */
  selectOrWait(ctx: PickContext, tried: ReadonlySet<Peer>, signal?: AbortSignal): Promise<Peer | undefined> {
    if (this.waiting.length === 0) {
      const peer = this.select(ctx, tried);
      if (peer) return Promise.resolve(peer);
    }
    const queue = this.config.queue;
    if (!queue || queue.size <= 0 || this.waiting.length >= queue.size || !this.couldServe(tried) || signal?.aborted) {
      return Promise.resolve(this.waiting.length === 0 ? undefined : this.select(ctx, tried));
    }
    const promise = this.waiting.enqueue(ctx, tried, queue.timeoutMs, signal);
    this.serveWaiters();
    return promise;
  }

  release(peer: Peer, outcome: Outcome): void {
    if (peer.inFlight > 0) peer.inFlight--;
    const now = this.now();
    if (this.single && this.members[0] === peer) {
      // nginx keeps no failure state for a lone server: there is nowhere else to send traffic.
      peer.totalRequests++;
      if (!outcome.ok) peer.totalFailures++;
    } else if (outcome.ok) peer.recordSuccess(now);
    else peer.recordFailure(now);
    if (outcome.ok) {
      const latency = this.config.leastTime === 'last_byte' ? outcome.totalMs : outcome.firstByteMs;
      if (latency !== undefined) peer.observeLatency(latency, now);
    }
    if (peer.inFlight === 0) this.settleIdle(peer);
    this.serveWaiters();
  }

  /** Active health verdicts (from the prober): an unhealthy peer gets no new requests. */
  markHealth(peer: Peer, healthy: boolean): boolean {
    if (peer.healthy === healthy) return false;
    peer.healthy = healthy;
    if (healthy && peer.config.slowStartMs > 0) peer.recoveredAt = this.now();
    this.serveWaiters();
    return true;
  }

  /** Stops new picks of the peer at `address` and resolves once its in-flight requests end. */
  drain(address: string): Promise<void> {
    const peer = this.members.find((p) => p.address === address) ?? this.table.find(address);
    if (!peer) return Promise.resolve();
    peer.draining = true;
    this.serveWaiters();
    if (peer.inFlight <= 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.set(peer, [...(this.drainWaiters.get(peer) ?? []), resolve]));
  }

  private applyMembers(servers: readonly ServerConfig[], joining: boolean): void {
    const before = new Set(this.members);
    const now = this.now();
    const seen = new Set<string>();
    const peers: Peer[] = [];
    for (const server of servers) {
      if (seen.has(server.address)) continue;
      seen.add(server.address);
      const peer = this.table.get(server);
      if (!before.has(peer)) {
        // A (re)joining member starts fresh: not draining, healthy until checked.
        peer.draining = false;
        peer.healthy = true;
        if (joining && server.slowStartMs > 0) peer.recoveredAt = now;
      }
      peers.push(peer);
    }
    const primaries = peers.filter((p) => !p.config.backup);
    const backups = peers.filter((p) => p.config.backup);
    this.members = [...primaries, ...backups];
    this.single = primaries.length === 1 && backups.length === 0;
    this.primaries = new Tier(primaries, this.available);
    this.backups = new Tier(backups, this.available);
    for (const peer of before) if (!seen.has(peer.address) && peer.inFlight === 0) this.settleIdle(peer);
    this.balancer.reset?.(this.members);
  }

  /** A peer with nothing in flight: wake drain() callers; forget it if it left the pool. */
  private settleIdle(peer: Peer): void {
    const waiters = this.drainWaiters.get(peer);
    if (waiters) {
      this.drainWaiters.delete(peer);
      for (const wake of waiters) wake();
    }
    if (!this.members.includes(peer) && this.table.find(peer.address) === peer) this.table.forget(peer.address);
  }

  /** Could waiting help: is some peer up that this request has not tried yet? */
  private couldServe(tried: ReadonlySet<Peer>): boolean {
    const now = this.now();
    return this.members.some((peer) => !tried.has(peer) && peer.isUp(now, this.single));
  }

  private serveWaiters(): void {
    if (this.waiting.length === 0) return;
    for (const waiter of this.waiting.snapshot()) {
      const peer = this.select(waiter.ctx, waiter.tried);
      if (peer) waiter.settle(peer);
      else if (!this.couldServe(waiter.tried)) waiter.settle(undefined);
      // Nothing free even for a request that tried nothing: later waiters cannot do better.
      else if (waiter.tried.size === 0) break;
    }
  }
}
