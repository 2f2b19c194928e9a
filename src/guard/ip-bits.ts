// Textual IP addresses to 32-bit words, for access rules on the hot path. Parsing writes into
// a caller-owned buffer so matching a client allocates nothing for IPv4. IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d, what dual-stack sockets report) come out as IPv4, the way nginx
// matches them against IPv4 rules.

/** 0 = not an address, 4 = IPv4 in out[0], 6 = IPv6 in out[0..3] (most significant first). */
export type IpFamily = 0 | 4 | 6;

const DOT = 46;
const COLON = 58;

function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else {
      return -1;
    }
  }
  if (digits === 0 || parts !== 3) return -1;
  return value * 256 + part;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseIpv6(text: string, out: Uint32Array): IpFamily {
  const zone = text.indexOf('%');
  const end = zone < 0 ? text.length : zone;
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return 0;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let j = i;
    let value = 0;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (c === COLON || c === DOT) break;
      const h = hexValue(c);
      if (h < 0) return 0;
      value = value * 16 + h;
      j++;
    }
    if (j < end && text.charCodeAt(j) === DOT) {
      // Embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) fills the last two groups.
      const v4 = parseIpv4(text, i, end);
      if (v4 < 0 || count > 6) return 0;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      break;
    }
    if (j === i || j - i > 4 || count === 8) return 0;
    groups[count++] = value;
    if (j === end) break;
    if (text.charCodeAt(j + 1) === COLON) {
      if (gap >= 0) return 0;
      gap = count;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return 0;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return 0;
  const missing = 8 - count;
  for (let w = 0; w < 4; w++) {
    const hi = expanded(groups, gap, missing, 2 * w);
    const lo = expanded(groups, gap, missing, 2 * w + 1);
    out[w] = hi * 65536 + lo;
  }
  if (out[0] === 0 && out[1] === 0 && out[2] === 0xffff) {
    out[0] = out[3]!;
    return 4;
  }
  return 6;
}

/** Group `index` of the full eight, with the `::` gap filled by zeros. */
function expanded(groups: number[], gap: number, missing: number, index: number): number {
  if (gap < 0 || index < gap) return groups[index]!;
  if (index < gap + missing) return 0;
  return groups[index - missing]!;
}

export function parseIpInto(text: string, out: Uint32Array): IpFamily {
  if (text.indexOf(':') < 0) {
    const v4 = parseIpv4(text, 0, text.length);
    if (v4 < 0) return 0;
    out[0] = v4;
    return 4;
  }
  return parseIpv6(text, out);
}

/** One network: address words masked by prefix, ready for `(ip & mask) === net` per word. */
export interface Network {
  readonly family: 4 | 6;
  readonly net: Uint32Array;
  readonly mask: Uint32Array;
}

function maskWord(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** "10.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104" or a bare address. */
export function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const words = new Uint32Array(4);
  const family = parseIpInto(addressText, words);
  if (family === 0) return undefined;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  let prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
  // A mapped address written in IPv6 form carries an IPv6 prefix; bring it back to IPv4 bits.
  if (family === 4 && addressText.includes(':') && prefixText !== undefined) {
    if (prefix < 96) return undefined;
    prefix -= 96;
  }
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  const wordCount = family === 4 ? 1 : 4;
  const net = new Uint32Array(wordCount);
  const mask = new Uint32Array(wordCount);
  for (let w = 0; w < wordCount; w++) {
    mask[w] = maskWord(prefix - 32 * w);
    net[w] = (words[w]! & mask[w]!) >>> 0;
  }
  return { family, net, mask };
}

/** Whether an address parsed by parseIpInto (family, words) lies in the network. */
export function inNetwork(network: Network, family: IpFamily, words: Uint32Array): boolean {
  if (network.family !== family) return false;
  const { net, mask } = network;
  if (((words[0]! & mask[0]!) >>> 0) !== net[0]) return false;
  if (family === 4) return true;
  return (
    ((words[1]! & mask[1]!) >>> 0) === net[1] &&
    ((words[2]! & mask[2]!) >>> 0) === net[2] &&
    ((words[3]! & mask[3]!) >>> 0) === net[3]
  );
}
