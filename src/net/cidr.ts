// IP and CIDR parsing for access rules and trusted proxies. IPv4-mapped IPv6 addresses
// (::ffff:1.2.3.4, what a dual-stack socket reports) are treated as the IPv4 address.
import { BlockList, isIP } from 'node:net';

export interface Cidr { readonly family: 'ipv4' | 'ipv6'; readonly address: string; readonly prefix: number }

export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const unmapped = unmapIpv4(address);
  const version = isIP(unmapped);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d+$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { family: version === 4 ? 'ipv4' : 'ipv6', address: unmapped, prefix };
}

export function unmapIpv4(address: string): string {
  return address.length > 7 && address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** A set of networks answering "does this client address belong?". */
export class AddressSet {
  private readonly list = new BlockList();
  private empty = true;

  constructor(cidrs: Iterable<Cidr | string>) {
    for (const item of cidrs) {
      const cidr = typeof item === 'string' ? parseCidr(item) : item;
      if (!cidr) throw new Error(`invalid address or CIDR: ${String(item)}`);
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
      this.empty = false;
    }
  }

  has(address: string): boolean {
    if (this.empty) return false;
    const plain = unmapIpv4(address);
    const version = isIP(plain);
    if (version === 0) return false;
    return this.list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  }
}
