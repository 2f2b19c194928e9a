// The contract every balancing algorithm implements. An algorithm sees the full peer list
// (ip_hash and hash index into it) and only asks `available(peer)`; health, draining,
// max_fails, max_conns and the request's already-tried peers are hidden behind that one question.
import type { Peer } from './peer.js';
import type { PoolConfig } from '../config/model.js';

export interface PickContext {
  /** The real client IP (after trusted-proxy resolution). */
  readonly clientIp: string;
  /** Value of the pool's hash_key for this request (balance: hash); see hash-key.ts. */
  readonly hashValue?: string;
}

export interface PeerSet {
  /** Every member of this tier (primaries, or backups), in config order, available or not. */
  readonly all: readonly Peer[];
  /** Sum of the members' nominal weights (ip_hash walks it). */
  readonly totalWeight: number;
  /** The clock of this pick, ms since the epoch. */
  readonly now: number;
  available(peer: Peer): boolean;
}

export interface Balancer {
  pick(set: PeerSet, ctx: PickContext): Peer | undefined;
  /** Called when the peer list changes (reload, instances joining or leaving). */
  reset?(peers: readonly Peer[]): void;
}

export type BalancerFactory = (config: PoolConfig) => Balancer;
