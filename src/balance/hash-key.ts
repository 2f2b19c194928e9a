// The value `balance: hash` hashes, read from the request as the pool's hash_key says:
// `ip` (client address, nginx's $remote_addr), `uri` (path and query as sent, $request_uri),
// `path` (path without the query), `header:NAME`, `cookie:NAME`, `arg:NAME` (query argument,
// undecoded like nginx's $arg_NAME). undefined when the request has no such value: the pool
// then balances that request by round robin.
import type { IncomingHttpHeaders } from 'node:http';

export interface HashKeyRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export type HashKeyReader = (req: HashKeyRequest, clientIp: string) => string | undefined;

/** Compiles a hash_key once (at config time) into a reader for the hot path. */
export function hashKeyReader(key: string): HashKeyReader {
  if (key === 'ip') return (_req, clientIp) => clientIp;
  if (key === 'uri') return (req) => req.url;
  if (key === 'path') return (req) => pathOf(req.url);
  const colon = key.indexOf(':');
  const kind = colon < 0 ? key : key.slice(0, colon);
  const name = key.slice(colon + 1);
  const lower = name.toLowerCase();
  switch (kind) {
    case 'header':
      return (req) => headerValue(req.headers[lower]);
    case 'cookie':
      return (req) => cookieValue(req.headers.cookie, name);
    case 'arg':
      return (req) => argValue(req.url, lower);
    default:
      throw Object.assign(new Error(`unknown hash_key "${key}"`), { code: 'WHARF_HASH_KEY' });
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === '' ? undefined : text;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

function argValue(url: string, lowerName: string): string | undefined {
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  for (const pair of url.slice(query + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    // nginx matches argument names case-insensitively.
    if (key.toLowerCase() === lowerName) return eq < 0 ? undefined : pair.slice(eq + 1) || undefined;
  }
  return undefined;
}
