// random (nginx's `random two least_conn`): draw two different available peers at random,
// each with probability proportional to its weight, and send the request to the one with
// fewer in-flight requests relative to weight. The busiest peer never wins while another is
// available, without any shared ordering state.
import type { Balancer, PeerSet } from './balancer.js';
import type { Peer } from './peer.js';

export class RandomTwoBalancer implements Balancer {
  constructor(private readonly random: () => number = Math.random) {}

  pick(set: PeerSet): Peer | undefined {
    const { now } = set;
    const candidates: Peer[] = [];
    let total = 0;
    for (const peer of set.all) {
      if (!set.available(peer)) continue;
      candidates.push(peer);
      total += peer.weightAt(now);
    }
    if (candidates.length <= 1) return candidates[0];
    const first = this.draw(candidates, total, now, undefined);
    const second = this.draw(candidates, total - first.weightAt(now), now, first);
    const firstLoad = first.inFlight * second.weightAt(now);
    const secondLoad = second.inFlight * first.weightAt(now);
    return secondLoad < firstLoad ? second : first;
  }

  private draw(candidates: readonly Peer[], total: number, now: number, skip: Peer | undefined): Peer {
    let point = this.random() * total;
    let last = candidates[0]!;
    for (const peer of candidates) {
      if (peer === skip) continue;
      last = peer;
      point -= peer.weightAt(now);
      if (point < 0) return peer;
    }
    return last;
  }
}
