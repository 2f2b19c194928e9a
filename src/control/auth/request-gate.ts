// Every request to the control address passes here before any endpoint sees it. In order:
// the Host must name this control address (stops DNS rebinding), a browser's Origin must be the
// control address's own (stops cross-site pages), then the request needs the token — as a
// bearer header, a Consul token, or a browser session — unless the config made its endpoint
// public. A session alone cannot change anything without a header a cross-site form cannot set.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { PublicControlEndpoint } from '../../config/model.js';
import { SESSION_COOKIE, type SessionStore } from './sessions.js';

export interface GateSettings {
  readonly token: string;
  readonly public: readonly PublicControlEndpoint[];
  readonly hosts: readonly string[];
  /** The configured control host; a name here is accepted in Host too. */
  readonly host: string;
}

export type Credential = 'token' | 'session';
export type GateDecision =
  | { readonly ok: true; readonly via: Credential | 'public' | 'login' }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string };

/** The header the dashboard sends with every change; a cross-site form or simple request cannot. */
export const REQUEST_HEADER = 'x-wharf-request';

const PUBLIC_PATHS: Record<PublicControlEndpoint, readonly string[]> = {
  metrics: ['/metrics'],
  health: ['/healthz'],
};
const LOGIN_PATHS = new Set(['/login', '/logout']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class ControlGate {
  private settings: GateSettings;
  private tokenDigest: Buffer;
  private publicPaths = new Set<string>();

  constructor(settings: GateSettings, private readonly sessions: SessionStore) {
    this.settings = settings;
    this.tokenDigest = digest(settings.token);
    this.configure(settings);
  }

  /** A reload may change the token, the public endpoints or the accepted hosts. */
  configure(settings: GateSettings): void {
    this.settings = settings;
    this.tokenDigest = digest(settings.token);
    this.publicPaths = new Set(settings.public.flatMap((name) => PUBLIC_PATHS[name]));
  }

  check(req: IncomingMessage, url: URL): GateDecision {
    const host = hostnameOf(req.headers.host);
    if (host !== undefined && !this.hostAccepted(host)) {
      return refuse(421, 'WHARF_HOST_REFUSED', `Host "${req.headers.host}" is not this control address; list the name in control.hosts to accept it`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== ownOrigin(req)) {
      return refuse(403, 'WHARF_ORIGIN_REFUSED', `requests from ${origin} are not accepted; the control API answers its own pages only`);
    }
    const method = req.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && this.publicPaths.has(url.pathname)) return { ok: true, via: 'public' };
    if (LOGIN_PATHS.has(url.pathname)) return { ok: true, via: 'login' };
    const via = this.credential(req, url);
    if (!via) {
      return refuse(401, 'WHARF_UNAUTHORIZED', 'a valid control token is required (Authorization: Bearer TOKEN; `wharf` reads it from state_dir/control.token; `wharf dashboard` prints a login link)');
    }
    if (via === 'session' && !SAFE_METHODS.has(method) && req.headers[REQUEST_HEADER] === undefined) {
      return refuse(403, 'WHARF_CSRF', `changes from a browser session need the ${REQUEST_HEADER} header`);
    }
    return { ok: true, via };
  }

  /** Whether the request carries the token itself (not a session): for the Consul API's own listener. */
  tokenPresented(req: IncomingMessage, url: URL): boolean {
    return this.credential(req, url) === 'token';
  }

  tokenMatches(given: string): boolean {
    if (this.settings.token === '') return false;
    return timingSafeEqual(digest(given), this.tokenDigest);
  }

  private credential(req: IncomingMessage, url: URL): Credential | undefined {
    const authorization = req.headers.authorization;
    if (authorization?.startsWith('Bearer ') && this.tokenMatches(authorization.slice(7).trim())) return 'token';
    const consul = req.headers['x-consul-token'];
    if (typeof consul === 'string' && this.tokenMatches(consul)) return 'token';
    // Consul clients may pass ?token=; elsewhere a token in a URL would end up in logs and history.
    const query = url.pathname.startsWith('/v1/') ? url.searchParams.get('token') : null;
    if (query !== null && this.tokenMatches(query)) return 'token';
    const session = cookieOf(req.headers.cookie, SESSION_COOKIE);
    if (session && this.sessions.touch(session)) return 'session';
    return undefined;
  }

  private hostAccepted(host: string): boolean {
    // An IP literal cannot be rebound to another machine; names must be known.
    if (isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost')) return true;
    return host === this.settings.host.toLowerCase() || this.settings.hosts.includes(host);
  }
}

function refuse(status: number, code: string, message: string): GateDecision {
  return { ok: false, status, code, message };
}

/** SHA-256 first, so comparing tokens of different lengths takes the same time. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** "Name:port", "[v6]:port" or "name" -> the lower-case host without brackets and port. */
export function hostnameOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const lower = header.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']') < 0 ? undefined : lower.indexOf(']'));
  const colon = lower.lastIndexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}

function ownOrigin(req: IncomingMessage): string {
  const secure = Boolean((req.socket as { encrypted?: boolean }).encrypted);
  return `${secure ? 'https' : 'http'}://${(req.headers.host ?? '').toLowerCase()}`;
}

export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
