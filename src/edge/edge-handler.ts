// The entry point of every request and upgrade on every listener: resolve the client,
// match a route, run its guards, hand it to the route's handler, and log it when it ends.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Http1Request } from './http1/request.js';
import type { AccessSink } from './access-record.js';
import { Exchange, type AnyRequest } from './exchange.js';
import { hostOf, type Router } from './router.js';
import type { CompiledRoute, Runtime } from './runtime.js';
import { normalizePath, rawHeader } from './headers.js';
import { sendText, type AnyResponse } from './responses.js';
import { UpgradeResponse } from './upgrade-response.js';
import { hasBody } from './request-body.js';
import type { Rejection, Verdict } from '../guard/guard.js';
import { runGuards } from '../guard/chain.js';
import { InFlightList } from './in-flight.js';

export interface EdgeHooks {
  /** Every finished exchange (access log, metrics). */
  readonly record: AccessSink;
  /** A guard said no. */
  readonly rejected: (route: string, rejection: Rejection) => void;
}

/** Where a response keeps its exchange, so one shared 'close' listener serves every response. */
const EXCHANGE = Symbol('wharf.exchange');
type TaggedResponse = AnyResponse & { [EXCHANGE]?: Exchange };

export class EdgeHandler {
  /** Requests and upgraded connections in progress. */
  private readonly active = new InFlightList<Exchange>();
  private idleWaiters: (() => void)[] = [];
  private drainingValue = false;
  /** `on` with a shared function rather than `once` with a closure: no wrapper per request. */
  private readonly onResponseClose: (this: TaggedResponse) => void;

  constructor(
    public runtime: Runtime,
    private readonly hooks: EdgeHooks,
  ) {
    const edge = this;
    this.onResponseClose = function onResponseClose(this: TaggedResponse) {
      const ex = this[EXCHANGE];
      if (ex) edge.end(ex);
    };
  }

  get activeRequests(): number {
    return this.active.size;
  }

  get draining(): boolean {
    return this.drainingValue;
  }

  /**
   * Shutdown: every HTTP/1.1 answer from now on says `Connection: close`, including those of
   * requests already in flight, so keep-alive clients let go instead of holding the drain open.
   */
  set draining(value: boolean) {
    this.drainingValue = value;
    if (!value) return;
    for (const ex of this.active) {
      const res = ex.res as AnyResponse | undefined;
      if (res && ex.req.httpVersionMajor === 1 && !res.headersSent) res.setHeader('connection', 'close');
    }
  }

  /** Resolves when no request or upgraded connection is in flight. */
  idle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** `listener`: the configured address (host:port) the request came in on; it picks the routes. */
  readonly handleRequest = (req: AnyRequest, res: AnyResponse, proto: 'http' | 'https', listener = ''): void => {
    const runtime = this.runtime;
    const ex = this.begin(req, res, runtime, proto);
    if (this.drainingValue && req.httpVersionMajor === 1) res.setHeader('connection', 'close');
    (res as TaggedResponse)[EXCHANGE] = ex;
    (res as NodeJS.EventEmitter).on('close', this.onResponseClose);
    if (res instanceof ServerResponse && !res.socket) this.watchQueued(res, ex);
    if (req.socket?.destroyed) {
      // The connection died before this (pipelined) request's turn: nothing to answer, nothing to forward.
      ex.reason = 'client_aborted';
      this.end(ex);
      return;
    }
    if (ex.status === 400) {
      ex.bytesOut = sendText(res, 400, req.httpVersionMajor === 1 ? { connection: 'close' } : undefined);
      return;
    }
    if (req.method === 'TRACE') {
      // nginx refuses TRACE on every location: echoing a request back exposes its cookies.
      ex.status = 405;
      ex.reason = 'method_not_allowed';
      ex.bytesOut = sendText(res, 405);
      return;
    }
    const route = this.route(ex, runtime.routerFor(listener));
    if (!route) {
      ex.reason = 'no_route';
      ex.status = 404;
      ex.bytesOut = sendText(res, 404);
      return;
    }
    this.admit(ex, route);
  };

  readonly handleUpgrade = (req: IncomingMessage | Http1Request, socket: Duplex, head: Buffer, proto: 'http' | 'https', listener = ''): void => {
    const runtime = this.runtime;
    const res = new UpgradeResponse(socket, head);
    const ex = this.begin(req, res, runtime, proto);
    (res as TaggedResponse)[EXCHANGE] = ex;
    res.on('close', this.onResponseClose);
    if (ex.status === 400) {
      ex.bytesOut = sendText(res, 400);
      return;
    }
    const route = this.route(ex, runtime.routerFor(listener));
    if (!route?.proxy) {
      ex.status = 404;
      ex.reason = 'no_route';
      ex.bytesOut = sendText(res, 404);
      return;
    }
    const protocol = rawHeader(req.rawHeaders, 'upgrade') ?? 'websocket';
    const proceed = (verdict: Verdict) => {
      if (verdict) this.reject(ex, route, verdict);
      else if (!res.destroyed) route.proxy!.upgrade(ex, protocol);
    };
    void Promise.resolve(runGuards(route.guards, ex)).then(proceed, () => socket.destroy());
  };

  /**
   * A response Node's HTTP/1 server queued behind an earlier pipelined one has no socket yet; if
   * the connection dies before its turn it never emits 'close', so its exchange (and whatever it
   * holds: a limit_conn slot, an upstream request) would never end.
   */
  private watchQueued(res: ServerResponse, ex: Exchange): void {
    res.req.socket.once('close', () => {
      if (!res.socket) this.end(ex);
    });
  }

  /** Starts an exchange; one the edge refuses to route (bad target, Host or path) has status 400. */
  private begin(req: AnyRequest, res: AnyResponse | undefined, runtime: Runtime, proto: 'http' | 'https'): Exchange {
    let url = req.url ?? '/';
    // HTTP/2 names the authority in a pseudo-header (and may send Host too); HTTP/1 in Host.
    const hostLines = req.httpVersionMajor === 2 ? undefined : rawHeader(req.rawHeaders, 'host');
    let hostHeader = req.httpVersionMajor === 2 ? ((req.headers[':authority'] ?? req.headers.host) as string | undefined) : hostLines;
    let bad = false;
    if (url.charCodeAt(0) !== 47) {
      // absolute-form (proxy-style) request line: route by the URL's host and path, and the
      // URL's authority replaces Host (RFC 9112 §3.2.2).
      const parsed = absoluteTarget(url);
      if (parsed) {
        hostHeader = parsed.host;
        url = `${parsed.pathname}${parsed.search}`;
        req.url = url;
        if (req.httpVersionMajor === 1) req.headers.host = hostHeader;
      } else bad = true;
    }
    if (req.httpVersionMajor === 1 && !validHost(hostLines, hostHeader, req.httpVersionMinor)) bad = true;
    const q = url.indexOf('?');
    const path = bad ? undefined : normalizePath(q < 0 ? url : url.slice(0, q));
    const clientIp = runtime.clientIp(req.socket?.remoteAddress, rawHeader(req.rawHeaders, 'x-forwarded-for'));
    const ex = new Exchange(req, res as AnyResponse, clientIp, hostOf(hostHeader), path ?? '', proto);
    ex.hostHeader = hostHeader ?? '';
    if (path === undefined) {
      ex.status = 400;
      ex.reason = 'bad_request';
    }
    this.active.add(ex);
    return ex;
  }

  private route(ex: Exchange, router: Router<CompiledRoute>): CompiledRoute | undefined {
    const route = router.match(ex.host, ex.path);
    if (route) ex.route = route.name;
    return route;
  }

  private admit(ex: Exchange, route: CompiledRoute): void {
    const verdict = runGuards(route.guards, ex);
    if (verdict instanceof Promise) {
      verdict.then(
        (settled) => this.proceed(ex, route, settled),
        () => {
          ex.status = 500;
          ex.reason = 'guard_error';
          ex.bytesOut = sendText(ex.res, 500);
        },
      );
    } else this.proceed(ex, route, verdict);
  }

  private proceed(ex: Exchange, route: CompiledRoute, verdict: Verdict): void {
    if (verdict) this.reject(ex, route, verdict);
    else if (!ex.res.destroyed) route.handler.handle(ex);
  }

  private reject(ex: Exchange, route: CompiledRoute, rejection: Rejection): void {
    ex.reason = rejection.reason;
    ex.status = rejection.status;
    this.hooks.rejected(route.name, rejection);
    if (ex.res) {
      // Do not read a body we refused (413 by Content-Length): close instead of draining it.
      const unreadBody = ex.req.httpVersionMajor === 1 && !ex.req.complete && hasBody(ex.req);
      ex.bytesOut = sendText(ex.res, rejection.status, unreadBody ? { ...rejection.headers, connection: 'close' } : rejection.headers);
    }
  }

  private end(ex: Exchange): void {
    if (!this.active.delete(ex)) return;
    const res = ex.res;
    if (ex.bytesOut === 0 && res?.writableFinished && ex.method !== 'HEAD') {
      // Static files are streamed by the file handler itself; a finished response sent its Content-Length.
      const length = res.getHeader('content-length');
      if (length !== undefined) ex.bytesOut = Number(length);
    }
    this.hooks.record(ex.finish());
    if (this.active.size === 0 && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}

/**
 * Exactly one Host header on HTTP/1.1, at most one on 1.0 (RFC 9112 §3.2: none or several is a
 * 400), with no characters a name cannot have. `lines` is every Host line joined with ", ", so
 * a second one shows up as whitespace, which no host name has; `host` is what the request is
 * routed by (the absolute-form target's authority, when there is one).
 */
function validHost(lines: string | undefined, host: string | undefined, minor: number): boolean {
  if (lines === undefined ? minor >= 1 : INVALID_HOST.test(lines)) return false;
  return host === undefined || !INVALID_HOST.test(host);
}

const INVALID_HOST = /[\s/\\@?#]|\.\./;

/** An absolute-form request target, when it is an http(s) URL with a host. */
function absoluteTarget(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host ? parsed : undefined;
  } catch {
    return undefined;
  }
}
