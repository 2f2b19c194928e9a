// least_time (nginx Plus): the peer with the lowest latency average (to the response head, or
// to its end with `least_time: last_byte`), scaled by its in-flight requests and divided by
// its weight. Peers without a sample yet score as 1 ms so they get tried; exact ties go by
// smooth weighted round robin. The average fades while a peer gets no traffic, so a peer that
// was slow once is probed again later (Peer.latencyAt).
import type { Balancer, PeerSet } from './balancer.js';
import type { Peer } from './peer.js';
import { smoothWeightedPick } from './round-robin.js';

export class LeastTimeBalancer implements Balancer {
  pick(set: PeerSet): Peer | undefined {
    const { now } = set;
    let best: Peer | undefined;
    let bestScore = Infinity;
    let many = false;
    for (const peer of set.all) {
      if (!set.available(peer)) continue;
      const score = scoreOf(peer, now);
      if (score < bestScore) {
        best = peer;
        bestScore = score;
        many = false;
      } else if (score === bestScore) {
        many = true;
      }
    }
    if (!many) return best;
    return smoothWeightedPick(set, (peer) => scoreOf(peer, now) === bestScore);
  }
}

function scoreOf(peer: Peer, now: number): number {
  return ((peer.latencyAt(now) + 1) * (peer.inFlight + 1)) / peer.weightAt(now);
}
