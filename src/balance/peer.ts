// One upstream server as the balancer sees it. State lives here, keyed by address, so it
// survives config reloads (the PeerTable hands back the same Peer for the same address).
import type { ServerConfig } from '../config/model.js';

export class Peer {
  config: ServerConfig;
  /** Requests currently dispatched to this peer. */
  inFlight = 0;
  /** Passive health, nginx semantics: failures counted within fail_timeout. */
  fails = 0;
  /** When the last failure was recorded (ms since epoch); nginx's `checked`. */
  checkedAt = 0;
  /** When the peer was last picked and failed; nginx's `accessed`. */
  accessedAt = 0;
  /** Active health: flipped only by the health prober. */
  healthy = true;
  /** Taken out of rotation (draining instance); its in-flight requests still finish. */
  draining = false;
  /** Smooth weighted round robin state. */
  currentWeight = 0;
  effectiveWeight: number;
  /** Exponentially weighted latency average in ms (least_time). */
  latencyMs = 0;
  /** Time the peer (re)joined, for slow_start. */
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

  /** Not down, not draining, healthy, and not benched by max_fails within fail_timeout. */
  isUsable(now: number): boolean {
    if (this.config.down || this.draining || !this.healthy) return false;
    const { maxFails, failTimeoutMs, maxConns } = this.config;
    if (maxFails > 0 && this.fails >= maxFails && now - this.checkedAt <= failTimeoutMs) return false;
    if (maxConns > 0 && this.inFlight >= maxConns) return false;
    return true;
  }

  recordSuccess(): void {
    this.totalRequests++;
    if (this.accessedAt < this.checkedAt) this.fails = 0;
    if (this.effectiveWeight < this.config.weight) this.effectiveWeight = this.config.weight;
  }

  recordFailure(now: number): void {
    this.totalRequests++;
    this.totalFailures++;
    this.fails++;
    this.accessedAt = now;
    this.checkedAt = now;
    const { maxFails, weight } = this.config;
    if (maxFails > 0) {
      this.effectiveWeight -= Math.floor(weight / maxFails);
      if (this.effectiveWeight < 0) this.effectiveWeight = 0;
    }
  }

  observeLatency(ms: number): void {
    // 0.3 weight on the newest sample: recent enough to react within a few requests.
    this.latencyMs = this.latencyMs === 0 ? ms : this.latencyMs * 0.7 + ms * 0.3;
  }
}

/** Peers by address, shared by every runtime so state survives reloads. */
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
