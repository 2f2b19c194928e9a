// nginx's smooth weighted round robin (ngx_http_upstream_get_peer): every pick adds each
// available peer's effective weight to its current weight, takes the largest, and subtracts
// the total from the winner. Weights 5,1,1 give a a b a c a a.
import type { Balancer, PeerSet } from './balancer.js';
import type { Peer } from './peer.js';

export function smoothWeightedPick(set: PeerSet): Peer | undefined {
  let best: Peer | undefined;
  let total = 0;
  for (const peer of set.all) {
    if (!set.available(peer)) continue;
    peer.currentWeight += peer.effectiveWeight;
    total += peer.effectiveWeight;
    if (peer.effectiveWeight < peer.config.weight) peer.effectiveWeight++;
    if (best === undefined || peer.currentWeight > best.currentWeight) best = peer;
  }
  if (best) best.currentWeight -= total;
  return best;
}

export class RoundRobinBalancer implements Balancer {
  pick(set: PeerSet): Peer | undefined {
    return smoothWeightedPick(set);
  }
}
