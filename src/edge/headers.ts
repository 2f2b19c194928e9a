// Header rewriting between client and upstream: hop-by-hop removal (RFC 9110 §7.6.1, plus
// whatever the Connection header names) and the X-Forwarded-* / X-Real-IP set nginx users add.
import type { OutgoingHttpHeaders } from 'node:http';

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

/**
 * Headers for the upstream request, from the client's raw lines (names as the client spelled
 * them, repeats kept, as nginx forwards them) as a flat name, value... list. Pseudo-headers
 * (HTTP/2), hop-by-hop headers and those the client's Connection names are dropped;
 * X-Forwarded-For is appended to, the other forwarding headers and Host are wharf's.
 */
export function upstreamRequestHeaders(raw: readonly string[], facts: ForwardedFacts): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      const tokens = connectionTokens(raw[i + 1]);
      if (tokens) named = named ? new Set([...named, ...tokens]) : tokens;
    }
  }
  const out: string[] = [];
  let forwardedFor: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || REPLACED.has(lower) || named?.has(lower)) continue;
    // "Transfer_Encoding" is no header of ours, but a backend that reads "_" as "-" (CGI-style
    // servers) would frame the body by it: nginx drops such names too (underscores_in_headers off).
    if (lower.includes('_') && FRAMING_IN_DISGUISE.has(lower.replace(/_/g, '-'))) continue;
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? raw[i + 1]! : `${forwardedFor}, ${raw[i + 1]!}`;
      continue;
    }
    out.push(name, raw[i + 1]!);
  }
  const ip = facts.clientIp;
  out.push(
    'x-forwarded-for', forwardedFor ? `${forwardedFor}, ${ip}` : ip,
    'x-real-ip', ip,
    'x-forwarded-proto', facts.proto,
    'x-forwarded-host', facts.host,
    'host', facts.hostOverride ?? facts.host,
  );
  return out;
}

const FRAMING_IN_DISGUISE = new Set([...HOP_BY_HOP, 'content-length', 'host']);

/** Request headers whose client values are replaced by wharf's own. */
const REPLACED = new Set(['host', 'x-real-ip', 'x-forwarded-proto', 'x-forwarded-host']);

/**
 * A request header's value read straight from the raw lines (`name` lower-case), repeats
 * joined with ", " as http.IncomingMessage joins them; undefined when absent. Reading the raw
 * lines spares building the whole headers object on the proxy's path.
 */
export function rawHeader(raw: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const candidate = raw[i]!;
    if (candidate.length !== name.length || candidate.toLowerCase() !== name) continue;
    value = value === undefined ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
  }
  return value;
}

/** The upstream's response head as the client gets it. */
export interface ClientResponseHead {
  /** Flat name, value, name, value... list: the upstream's names (case kept) and repeats. */
  readonly headers: string[];
  /** The upstream's Content-Length, or -1. */
  readonly contentLength: number;
}

/**
 * Headers for the client response, straight from undici's raw pairs: upstream's, minus
 * hop-by-hop and whatever its Connection header names. Bytes are read and written as latin1,
 * so values pass through unchanged.
 */
export function clientResponseHead(raw: readonly Buffer[]): ClientResponseHead {
  const headers: string[] = [];
  let named: Set<string> | undefined;
  let contentLength = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = latin1(raw[i]!);
    const lower = name.toLowerCase();
    const value = latin1(raw[i + 1]!);
    if (lower === 'connection') {
      const tokens = connectionTokens(value);
      if (tokens) named = named ? new Set([...named, ...tokens]) : tokens;
      continue;
    }
    if (HOP_BY_HOP.has(lower)) continue;
    if (lower === 'content-length') contentLength = Number(value);
    headers.push(name, value);
  }
  if (!named) return { headers, contentLength };
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!named.has(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
  return { headers: kept, contentLength };
}

/**
 * Buffer#latin1Slice is what Buffer#toString('latin1') ends in, minus the argument handling
 * and a subarray per call; it has been on Buffer.prototype since Node 0.x.
 */
const latin1 = (bytes: Buffer): string => (bytes as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(0, bytes.length);

/** A flat header list as an object, repeats as arrays (for responses that already hold headers). */
export function headerObject(flat: readonly string[]): OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const prior = out[name];
    const value = flat[i + 1]!;
    out[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

/**
 * The path routes are matched against, as nginx matches locations: percent-escapes decoded (so
 * "/%61dmin" cannot slip past the rules of "/admin" to an upstream that decodes it), "." and
 * ".." segments resolved, repeated slashes merged. A ";" ends a segment for matching (path
 * parameters, also when sent as %3B): servlet-style backends read "/admin;x" as "/admin", so its
 * route must guard it. A broken escape, a NUL byte or a ".." above the root makes the path
 * invalid: undefined, which the edge answers with 400 (as nginx does).
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
  if (!decoded.includes('/.') && !decoded.includes('//') && !decoded.includes(';')) return decoded;
  const out: string[] = [];
  const segments = decoded.split('/');
  for (let i = 1; i < segments.length; i++) {
    let segment = segments[i]!;
    const parameters = segment.indexOf(';');
    if (parameters >= 0) segment = segment.slice(0, parameters);
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (i === segments.length - 1) out.push('');
    } else if (segment !== '.' && segment !== '') out.push(segment);
    else if (i === segments.length - 1) out.push('');
  }
  return `/${out.join('/')}`;
}

const BROKEN_ESCAPE = /%(?![0-9a-fA-F]{2})/;
const ESCAPE = /%([0-9a-fA-F]{2})/g;
