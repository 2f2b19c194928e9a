// Header rewriting between client and upstream: hop-by-hop removal (RFC 9110 §7.6.1, plus
// whatever the Connection header names) and the X-Forwarded-* / X-Real-IP set nginx users add.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
  // undici manages Expect itself; the client's 100-continue was already answered by the edge.
  'expect',
  'http2-settings',
]);

function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  // Nearly every message says just keep-alive or close: nothing to strip beyond the header itself.
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const tokens = new Set<string>();
  for (const token of text.split(',')) {
    const name = token.trim().toLowerCase();
    if (name && name !== 'close' && name !== 'keep-alive') tokens.add(name);
  }
  return tokens.size ? tokens : undefined;
}

export interface ForwardedFacts {
  readonly clientIp: string;
  readonly proto: 'http' | 'https';
  readonly host: string;
  readonly hostOverride?: string;
}

/** Headers for the upstream request. Pseudo-headers (HTTP/2) and hop-by-hop headers are dropped. */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, facts: ForwardedFacts): Record<string, string | string[]> {
  const named = connectionTokens(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name) || named?.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  const prior = incoming['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${facts.clientIp}` : facts.clientIp;
  out['x-real-ip'] = facts.clientIp;
  out['x-forwarded-proto'] = facts.proto;
  out['x-forwarded-host'] = facts.host;
  out.host = facts.hostOverride ?? facts.host;
  return out;
}

/** Headers for the client response: upstream's, minus hop-by-hop. */
export function clientResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = connectionTokens(upstream.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    const value = upstream[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The path routes are matched against, as nginx matches locations: percent-escapes decoded (so
 * "/%61dmin" cannot slip past the rules of "/admin" to an upstream that decodes it), "." and
 * ".." segments resolved, repeated slashes merged. A broken escape or a NUL byte makes the
 * path invalid: undefined, which the edge answers with 400.
 */
export function normalizePath(path: string): string | undefined {
  let decoded = path;
  if (path.includes('%')) {
    if (BROKEN_ESCAPE.test(path)) return undefined;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      // Escapes that are not UTF-8: decode byte by byte rather than refuse the request.
      decoded = path.replace(ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
    if (decoded.includes('\0')) return undefined;
  }
  if (!decoded.includes('/.') && !decoded.includes('//')) return decoded;
  const out: string[] = [];
  const segments = decoded.split('/');
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
    else if (i === segments.length - 1) out.push('');
  }
  return `/${out.join('/')}`;
}

const BROKEN_ESCAPE = /%(?![0-9a-fA-F]{2})/;
const ESCAPE = /%([0-9a-fA-F]{2})/g;
