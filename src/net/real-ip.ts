// The real client address behind trusted proxies, nginx's realip module with
// real_ip_recursive on: only when the connecting peer is trusted is X-Forwarded-For read,
// right to left, skipping hops that are themselves trusted; the first untrusted hop is the
// client. A garbage hop ends the walk at the last good address, so a client can never
// inject an address through a hop wharf does not trust.
import { isIP } from 'node:net';
import { unmapIpv4, type AddressSet } from './cidr.js';

/** "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]:443" or "2001:db8::1" -> the bare address. */
function hopAddress(raw: string): string {
  let hop = raw.trim();
  if (hop.startsWith('[')) {
    const close = hop.indexOf(']');
    hop = close < 0 ? '' : hop.slice(1, close);
  } else {
    const colon = hop.indexOf(':');
    if (colon > 0 && colon === hop.lastIndexOf(':')) hop = hop.slice(0, colon);
  }
  return isIP(hop) === 0 ? '' : unmapIpv4(hop);
}

/**
 * The address guards, logs, ip_hash and X-Real-IP use. IPv4-mapped IPv6 peers
 * (::ffff:a.b.c.d) come back as plain IPv4.
 */
export function resolveClientIp(remoteAddress: string, forwardedFor: string | undefined, trusted: AddressSet): string {
  const peer = unmapIpv4(remoteAddress);
  if (!forwardedFor || !trusted.has(peer)) return peer;
  let client = peer;
  let end = forwardedFor.length;
  while (end > 0) {
    const comma = forwardedFor.lastIndexOf(',', end - 1);
    const raw = forwardedFor.slice(comma + 1, end);
    end = comma;
    if (raw.trim() === '') continue;
    const hop = hopAddress(raw);
    if (hop === '') break;
    client = hop;
    if (!trusted.has(hop)) break;
  }
  return client;
}
