// A named pool of peers (an upstream's servers or an app's ready instances) with its
// balancer. Pools live across reloads: a reload reconfigures them in place, so peer state,
// connections and in-flight counts carry over.
import type { PoolConfig, ServerConfig } from '../config/model.js';
import type { Balancer, PeerSet, PickContext } from './balancer.js';
import { createBalancer } from './algorithms.js';
import type { Peer, PeerTable } from './peer.js';

export interface Outcome {
  readonly ok: boolean;
  /** Time to the response head, ms. */
  readonly firstByteMs?: number;
  /** Time to the end of the response, ms. */
  readonly totalMs?: number;
}

export class UpstreamPool {
  private balancer: Balancer;
  private primaries: Peer[] = [];
  private backups: Peer[] = [];
  private readonly drainWaiters = new Map<Peer, (() => void)[]>();

  constructor(
    public config: PoolConfig,
    private readonly table: PeerTable,
    servers: readonly ServerConfig[] = [],
  ) {
    this.balancer = createBalancer(config);
    this.setMembers(servers);
  }

  get name(): string {
    return this.config.name;
  }

  get peers(): readonly Peer[] {
    return [...this.primaries, ...this.backups];
  }

  configure(config: PoolConfig, servers?: readonly ServerConfig[]): void {
    const balanceChanged = config.balance !== this.config.balance || config.hashKey !== this.config.hashKey;
    this.config = config;
    if (balanceChanged) this.balancer = createBalancer(config);
    if (servers) this.setMembers(servers);
    else this.balancer.reset?.(this.peers);
  }

  setMembers(servers: readonly ServerConfig[]): void {
    const peers = servers.map((s) => this.table.get(s));
    const now = Date.now();
    for (const peer of peers) if (!this.peers.includes(peer)) peer.recoveredAt = now;
    this.primaries = peers.filter((p) => !p.config.backup);
    this.backups = peers.filter((p) => p.config.backup);
    this.balancer.reset?.(this.peers);
  }

  /** True when some peer could take a request now (ignoring per-request tried sets). */
  hasUsablePeer(): boolean {
    const now = Date.now();
    return this.peers.some((p) => p.isUsable(now));
  }

  select(ctx: PickContext, tried: ReadonlySet<Peer>): Peer | undefined {
    const now = Date.now();
    const available = (peer: Peer) => !tried.has(peer) && peer.isUsable(now);
    const peer =
      this.balancer.pick(this.setOf(this.primaries, available), ctx) ??
      (this.backups.length ? this.balancer.pick(this.setOf(this.backups, available), ctx) : undefined);
    if (peer) peer.inFlight++;
    return peer;
  }

  release(peer: Peer, outcome: Outcome): void {
    peer.inFlight--;
    if (outcome.ok) peer.recordSuccess();
    else peer.recordFailure(Date.now());
    const latency = this.config.leastTime === 'last_byte' ? outcome.totalMs : outcome.firstByteMs;
    if (latency !== undefined) peer.observeLatency(latency);
    if (peer.inFlight === 0 && this.drainWaiters.has(peer)) {
      const waiters = this.drainWaiters.get(peer)!;
      this.drainWaiters.delete(peer);
      for (const wake of waiters) wake();
    }
  }

  /** Stops new picks of the peer at `address` and resolves once its in-flight requests end. */
  drain(address: string): Promise<void> {
    const peer = this.peers.find((p) => p.address === address) ?? this.table.find(address);
    if (!peer) return Promise.resolve();
    peer.draining = true;
    if (peer.inFlight <= 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.set(peer, [...(this.drainWaiters.get(peer) ?? []), resolve]));
  }

  private setOf(all: readonly Peer[], available: (peer: Peer) => boolean): PeerSet {
    return { all, available };
  }
}
