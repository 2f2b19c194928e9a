// One upstream server as the balancer sees it. State lives here, keyed by address, so it
// survives config reloads (a pool's PeerTable hands back the same Peer for the same address).
// Time fields are ms since the epoch; nginx keeps the same fields in whole seconds.
import type { ServerConfig } from '../config/model.js';

/** Below this share of its weight a slow-starting peer still gets the odd request. */
const SLOW_START_FLOOR = 0.05;
/** A latency average not refreshed for this long counts half as much (least_time re-probes). */
const LATENCY_HALF_LIFE_MS = 10_000;

export class Peer {
  config: ServerConfig;
  /** Requests currently dispatched to this peer. */
  inFlight = 0;
  /** Passive health, nginx semantics: failures counted within fail_timeout. */
  fails = 0;
  /** nginx's `checked`: last failure, or the first pick after fail_timeout passed. */
  checkedAt = 0;
  /** nginx's `accessed`: when the last failure happened. */
  accessedAt = 0;
  /** Active health: flipped only through UpstreamPool.markHealth (the prober). */
  healthy = true;
  /** Taken out of rotation (draining instance); its in-flight requests still finish. */
  draining = false;
  /** Smooth weighted round robin state (nginx's current_weight / effective_weight). */
  currentWeight = 0;
  effectiveWeight: number;
  /** Exponentially weighted latency average in ms (least_time); 0 = no sample yet. */
  latencyMs = 0;
  latencySampledAt = 0;
  /** When the peer (re)joined or recovered, for slow_start; 0 = not ramping. */
  recoveredAt = 0;
  totalRequests = 0;
  totalFailures = 0;

  constructor(
    readonly address: string,
    config: ServerConfig,
  ) {
    this.config = config;
    this.effectiveWeight = config.weight;
  }

  get origin(): string {
    return `http://${this.address}`;
  }

  /** Benched by passive health: max_fails failures, the last one within fail_timeout. */
  isBenched(now: number): boolean {
    const { maxFails, failTimeoutMs } = this.config;
    return maxFails > 0 && this.fails >= maxFails && now - this.checkedAt <= failTimeoutMs;
  }

  /**
   * Could take traffic, capacity aside. `single` is nginx's lone-server rule: the only server
   * of a group without backups is never benched by max_fails.
   */
  isUp(now: number, single = false): boolean {
    if (this.config.down || this.config.weight <= 0 || this.draining || !this.healthy) return false;
    return single || !this.isBenched(now);
  }

  hasCapacity(): boolean {
    const { maxConns } = this.config;
    return maxConns <= 0 || this.inFlight < maxConns;
  }

  isUsable(now: number, single = false): boolean {
    return this.isUp(now, single) && this.hasCapacity();
  }

  /** Share of its weight a recovering peer gets under slow_start (1 when not ramping). */
  rampAt(now: number): number {
    const { slowStartMs } = this.config;
    if (slowStartMs <= 0 || this.recoveredAt === 0) return 1;
    const share = (now - this.recoveredAt) / slowStartMs;
    if (share >= 1) {
      this.recoveredAt = 0;
      return 1;
    }
    return share < SLOW_START_FLOOR ? SLOW_START_FLOOR : share;
  }

  /** The weight algorithms compare: nominal weight scaled by the slow_start ramp. */
  weightAt(now: number): number {
    return this.config.weight * this.rampAt(now);
  }

  /** nginx starts a new fail_timeout window on the first pick after the old one ended. */
  notePicked(now: number): void {
    this.inFlight++;
    if (now - this.checkedAt > this.config.failTimeoutMs) this.checkedAt = now;
  }

  recordSuccess(now: number): void {
    this.totalRequests++;
    if (this.accessedAt < this.checkedAt) {
      const { maxFails } = this.config;
      if (maxFails > 0 && this.fails >= maxFails) this.recoveredAt = now;
      this.fails = 0;
    }
  }

  recordFailure(now: number): void {
    this.totalRequests++;
    this.totalFailures++;
    this.fails++;
    this.accessedAt = now;
    this.checkedAt = now;
    const { maxFails, weight } = this.config;
    // nginx lowers the effective weight by weight/max_fails per failure; each later pick
    // that considers the peer raises it by one again (see smoothWeightedPick).
    if (maxFails > 0) this.effectiveWeight -= Math.floor(weight / maxFails);
    if (this.effectiveWeight < 0) this.effectiveWeight = 0;
  }

  observeLatency(ms: number, now: number): void {
    // 0.3 weight on the newest sample: recent enough to react within a few requests.
    this.latencyMs = this.latencyMs === 0 ? Math.max(ms, 0.001) : this.latencyMs * 0.7 + ms * 0.3;
    this.latencySampledAt = now;
  }

  /** The latency average, fading while no sample arrives so a once-slow peer is tried again. */
  latencyAt(now: number): number {
    if (this.latencyMs === 0) return 0;
    const age = now - this.latencySampledAt;
    return age <= LATENCY_HALF_LIFE_MS ? this.latencyMs : this.latencyMs * 0.5 ** (age / LATENCY_HALF_LIFE_MS - 1);
  }
}

/** One pool's peers by address; the pool lives across reloads, and so does this table. */
export class PeerTable {
  private readonly peers = new Map<string, Peer>();

  get(config: ServerConfig): Peer {
    const existing = this.peers.get(config.address);
    if (existing) {
      if (existing.config.weight !== config.weight) existing.effectiveWeight = config.weight;
      existing.config = config;
      return existing;
    }
    const peer = new Peer(config.address, config);
    this.peers.set(config.address, peer);
    return peer;
  }

  find(address: string): Peer | undefined {
    return this.peers.get(address);
  }

  forget(address: string): void {
    this.peers.delete(address);
  }
}
