// `balance: hash` — consistent hashing on the pool's hash_key, built like nginx's
// `hash KEY consistent` (ketama): each server gets 160 points per weight unit on a crc32
// ring, point j being crc32(HOST "\0" PORT, previous point as 4 little-endian bytes); a key
// goes to the first point at or after crc32(key). Adding or removing a server moves only the
// keys that land on its points. An unavailable server passes the key to the next point; after
// 20 such steps, for a lone server or a request without a key, round robin decides.
import { crc32 } from 'node:zlib';
import type { Balancer, PeerSet, PickContext } from './balancer.js';
import type { Peer } from './peer.js';
import { smoothWeightedPick } from './round-robin.js';

const POINTS_PER_WEIGHT = 160;
const MAX_TRIES = 20;

interface Ring {
  readonly hashes: Uint32Array;
  readonly peers: readonly Peer[];
}

export class ConsistentHashBalancer implements Balancer {
  /** Rings per member list: the pool builds a new list whenever members or weights change. */
  private readonly rings = new WeakMap<readonly Peer[], Ring>();

  pick(set: PeerSet, ctx: PickContext): Peer | undefined {
    const key = ctx.hashValue;
    if (set.all.length < 2 || key === undefined || key === '') return smoothWeightedPick(set);
    const ring = this.ringOf(set.all);
    const count = ring.hashes.length;
    if (count === 0) return smoothWeightedPick(set);
    let index = findPoint(ring.hashes, crc32(key) >>> 0);
    for (let tries = 0; tries <= MAX_TRIES; tries++, index++) {
      const peer = ring.peers[index % count]!;
      if (set.available(peer)) {
        // nginx runs a round-robin step over the servers named by the point; for one server
        // that nets out to nothing but the effective weight's climb back.
        if (peer.effectiveWeight < peer.config.weight) peer.effectiveWeight++;
        return peer;
      }
    }
    return smoothWeightedPick(set);
  }

  private ringOf(all: readonly Peer[]): Ring {
    let ring = this.rings.get(all);
    if (!ring) {
      ring = buildRing(all);
      this.rings.set(all, ring);
    }
    return ring;
  }
}

export function buildRing(all: readonly Peer[]): Ring {
  const points: { hash: number; peer: Peer }[] = [];
  const prev = Buffer.alloc(4);
  for (const peer of all) {
    const base = crc32(serverKey(peer.address));
    prev.writeUInt32LE(0, 0);
    const count = peer.config.weight * POINTS_PER_WEIGHT;
    for (let j = 0; j < count; j++) {
      const hash = crc32(prev, base) >>> 0;
      points.push({ hash, peer });
      prev.writeUInt32LE(hash, 0);
    }
  }
  points.sort((a, b) => a.hash - b.hash);
  const hashes: number[] = [];
  const peers: Peer[] = [];
  for (const point of points) {
    if (hashes.length > 0 && hashes[hashes.length - 1] === point.hash) continue;
    hashes.push(point.hash);
    peers.push(point.peer);
  }
  return { hashes: Uint32Array.from(hashes), peers };
}

/** HOST "\0" PORT from the server's address as written (Cache::Memcached::Fast's scheme). */
function serverKey(address: string): Buffer {
  let cut = address.length;
  while (cut > 0) {
    const c = address.charCodeAt(cut - 1);
    if (c < 48 || c > 57) break;
    cut--;
  }
  const hasPort = cut > 0 && address.charCodeAt(cut - 1) === 58;
  const host = hasPort ? address.slice(0, cut - 1) : address;
  const port = hasPort ? address.slice(cut) : '';
  return Buffer.concat([Buffer.from(host), Buffer.from([0]), Buffer.from(port)]);
}

/** Index of the first point whose hash is >= `hash` (may be hashes.length: wraps to 0). */
function findPoint(hashes: Uint32Array, hash: number): number {
  let low = 0;
  let high = hashes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const value = hashes[mid]!;
    if (hash > value) low = mid + 1;
    else if (hash < value) high = mid;
    else return mid;
  }
  return low;
}
