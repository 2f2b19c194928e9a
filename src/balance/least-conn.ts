// nginx's least_conn: the available peer with the fewest in-flight requests relative to its
// weight (compared by cross-multiplying, as nginx does); several such peers are decided by
// smooth weighted round robin among them, so an idle pool behaves like round_robin.
import type { Balancer, PeerSet } from './balancer.js';
import type { Peer } from './peer.js';
import { smoothWeightedPick } from './round-robin.js';

export class LeastConnBalancer implements Balancer {
  pick(set: PeerSet): Peer | undefined {
    const { now } = set;
    let best: Peer | undefined;
    let bestWeight = 0;
    let many = false;
    for (const peer of set.all) {
      if (!set.available(peer)) continue;
      const weight = peer.weightAt(now);
      if (best === undefined || peer.inFlight * bestWeight < best.inFlight * weight) {
        best = peer;
        bestWeight = weight;
        many = false;
      } else if (peer.inFlight * bestWeight === best.inFlight * weight) {
        many = true;
      }
    }
    // A clear winner leaves the round-robin state alone, as in nginx.
    if (best === undefined || !many) return best;
    const least = best;
    return smoothWeightedPick(set, (peer) => peer.inFlight * bestWeight === least.inFlight * peer.weightAt(now));
  }
}
