// The contract every balancing algorithm implements. An algorithm sees the full peer list
// (ip_hash and hash index into it) and only asks `available(peer)`; health, draining,
// max_fails and the request's already-tried peers are hidden behind that one question.
import type { Peer } from './peer.js';
import type { PoolConfig } from '../config/model.js';

export interface PickContext {
  /** The real client IP (after trusted-proxy resolution). */
  readonly clientIp: string;
  /** Value of the pool's hash_key for this request (balance: hash). */
  readonly hashValue?: string;
}

export interface PeerSet {
  readonly all: readonly Peer[];
  available(peer: Peer): boolean;
}

export interface Balancer {
  pick(set: PeerSet, ctx: PickContext): Peer | undefined;
  /** Called when the peer list changes (reload, instances joining or leaving). */
  reset?(peers: readonly Peer[]): void;
}

export type BalancerFactory = (config: PoolConfig) => Balancer;
