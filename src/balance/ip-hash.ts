// nginx's ip_hash, step for step, so a client lands on the same server under wharf and nginx:
// the key is the first three octets of an IPv4 address or all 16 bytes of an IPv6 one; the
// hash starts at 89 and folds each byte in as (hash * 113 + byte) % 6271; hash % total weight
// walks the server list by weight. An unavailable (or already tried) server hashes again;
// after 20 more tries, or with a single server, the pick falls back to round robin.
import { isIPv4, isIPv6 } from 'node:net';
import { unmapIpv4 } from '../net/cidr.js';
import type { Balancer, PeerSet, PickContext } from './balancer.js';
import type { Peer } from './peer.js';
import { smoothWeightedPick } from './round-robin.js';

const MAX_TRIES = 20;
/** nginx hashes non-IP clients (unix sockets) as 0.0.0. */
const PSEUDO_ADDRESS: readonly number[] = [0, 0, 0];

export class IpHashBalancer implements Balancer {
  pick(set: PeerSet, ctx: PickContext): Peer | undefined {
    const { all, totalWeight } = set;
    if (all.length < 2 || totalWeight <= 0) return smoothWeightedPick(set);
    const key = ipHashKey(ctx.clientIp);
    let hash = 89;
    for (let tries = 0; tries <= MAX_TRIES; tries++) {
      for (const byte of key) hash = (hash * 113 + byte) % 6271;
      let w = hash % totalWeight;
      let index = 0;
      while (w >= all[index]!.config.weight) w -= all[index++]!.config.weight;
      const peer = all[index]!;
      if (set.available(peer)) return peer;
    }
    return smoothWeightedPick(set);
  }
}

/** The bytes nginx hashes for a client address. */
export function ipHashKey(clientIp: string): readonly number[] {
  const ip = unmapIpv4(clientIp);
  if (isIPv4(ip)) return ip.split('.', 3).map(Number);
  if (isIPv6(ip)) return ipv6Bytes(ip);
  return PSEUDO_ADDRESS;
}

function ipv6Bytes(ip: string): number[] {
  const zone = ip.indexOf('%');
  const text = zone >= 0 ? ip.slice(0, zone) : ip;
  const [head = '', tail] = text.split('::');
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(parseInt(group, 16));
      }
    }
    return out;
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const words = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}
