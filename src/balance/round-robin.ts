// nginx's smooth weighted round robin (ngx_http_upstream_get_peer): every pick adds each
// available peer's effective weight to its current weight, takes the largest (the first on a
// tie), and subtracts the total from the winner. Weights 5,1,1 give a a b a c a a. A peer's
// effective weight drops after failures (Peer.recordFailure) and climbs back by one each time
// a pick considers it, exactly as in nginx; slow_start scales it while the peer ramps up.
import type { Balancer, PeerSet } from './balancer.js';
import type { Peer } from './peer.js';

/** Smooth weighted pick among available peers; `among` narrows the candidates further. */
export function smoothWeightedPick(set: PeerSet, among?: (peer: Peer) => boolean): Peer | undefined {
  let best: Peer | undefined;
  let total = 0;
  for (const peer of set.all) {
    if (!set.available(peer) || (among !== undefined && !among(peer))) continue;
    const weight = peer.effectiveWeight * peer.rampAt(set.now);
    peer.currentWeight += weight;
    total += weight;
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
