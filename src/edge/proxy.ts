// Reverse proxy to a pool: pick a peer, stream the request to it through undici, stream the
// response back with back-pressure, and try another peer (never one already tried) when
// that is safe: connect errors always, resets and 502/503/504 only for idempotent requests
// whose body was not sent.
import type { Dispatcher } from 'undici';
import type { PoolConfig } from '../config/model.js';
import type { Peer } from '../balance/peer.js';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import type { TrafficSplit } from '../balance/traffic-split.js';
import type { PickContext } from '../balance/balancer.js';
import { upstreamRequestHeaders } from './headers.js';
import { hasBody, RequestBody } from './request-body.js';
import { sendText } from './responses.js';
import type { Exchange } from './exchange.js';
import type { DispatcherTable } from './dispatchers.js';
import type { SinkFactory } from './response-sink.js';
import type { StreamMeter } from '../observe/heap-trim.js';
import { Attempt, type AttemptOwner, type Failure, type RetryKind } from './proxy-attempt.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export interface ProxyRouteOptions {
  readonly pool: UpstreamPool;
  readonly split?: TrafficSplit;
  readonly dispatchers: DispatcherTable;
  /** Route prefix removed from the upstream path (strip_prefix), or '' to keep it. */
  readonly stripPrefix: string;
  readonly maxBody: number;
  readonly clientBodyTimeoutMs: number;
  readonly sink: SinkFactory;
  readonly hashValue?: (ex: Exchange) => string | undefined;
  readonly retryLog?: RetryLog;
  /** Told the size of every body chunk forwarded, either way (see observe/heap-trim.ts). */
  readonly meter?: StreamMeter;
}

/** Where retries are told (wharf's log); the access log has them in each try's `retry`. */
export interface RetryLog {
  /** The request goes on to another server; `reason` is why the last one failed. */
  retried(ex: Exchange, reason: string): void;
  /** A sent request that could have been retried was not: the pool's retry budget is spent. */
  denied(ex: Exchange, reason: string): void;
}

export class ProxyRoute {
  constructor(private readonly options: ProxyRouteOptions) {}

  handle(ex: Exchange): void {
    const request = new ProxiedRequest(ex, this.options, this.poolFor(ex));
    // Node announces an HTTP/1 request as soon as its head is parsed, before it has looked at
    // body bytes that came in the same read. Waiting one turn lets a broken body (a bad chunk
    // size) fail the connection first, so such a request is never forwarded at all.
    if (request.hasBody && ex.req.httpVersionMajor === 1) setImmediate(startUnlessBroken, request);
    else request.start();
  }

  /** An Upgrade request (WebSocket) whose `ex.res` is an UpgradeResponse: the same path, no body. */
  upgrade(ex: Exchange, protocol: string): void {
    new ProxiedRequest(ex, this.options, this.poolFor(ex), protocol).start();
  }

  /** The route's pool, or its canary when the split chose that. */
  private poolFor(ex: Exchange): UpstreamPool {
    const pool = this.options.split ? this.options.split.choose(this.options.pool, ex) : this.options.pool;
    ex.pool = pool.name;
    return pool;
  }
}

function startUnlessBroken(request: ProxiedRequest): void {
  const socket = request.ex.req.socket;
  // The listener answers parse errors with a 400 and ends the socket.
  if (request.done || socket.destroyed || socket.writableEnded) {
    request.abandon();
    return;
  }
  request.start();
}

const NOTHING_TRIED: ReadonlySet<Peer> = new Set();

/** Also the balancer's pick context: one object less per request. */
class ProxiedRequest implements AttemptOwner, PickContext {
  /** Peers already tried; made on the first retry (most requests need one peer). */
  private triedPeers: Set<Peer> | undefined;
  private firstPeer: Peer | undefined;
  readonly clientIp: string;
  readonly hashValue: string | undefined;
  private readonly body: RequestBody | null;
  private readonly headers: string[];
  private readonly path: string;
  private readonly deadline: number;
  private current: Attempt | undefined;
  private lastFailure: Failure | undefined;
  done = false;

  constructor(
    readonly ex: Exchange,
    readonly options: ProxyRouteOptions,
    /** The route's pool, or its canary when the split chose that. */
    private readonly target: UpstreamPool,
    /** The protocol an Upgrade request asks for (undici sends Connection/Upgrade itself). */
    private readonly upgrade?: string,
  ) {
    const req = ex.req;
    const config = target.config;
    this.body = upgrade === undefined && hasBody(req) ? new RequestBody(req, options.maxBody, options.meter) : null;
    this.headers = upstreamRequestHeaders(req.rawHeaders, {
      clientIp: ex.clientIp,
      proto: ex.proto,
      // An HTTP/1.0 request may name no host: the upstream then gets the pool's name, as nginx's $proxy_host.
      host: ex.hostHeader || ex.host || options.pool.name,
      hostOverride: config.hostHeader,
    });
    const url = req.url ?? '/';
    this.path = options.stripPrefix && url.startsWith(options.stripPrefix) ? url.slice(options.stripPrefix.length) || '/' : url;
    if (this.path.charCodeAt(0) !== 47) this.path = `/${this.path}`;
    this.deadline = config.retryTimeoutMs > 0 ? Date.now() + config.retryTimeoutMs : Infinity;
    this.clientIp = ex.clientIp;
    this.hashValue = options.hashValue?.(ex);
    options.pool.retryBudget.noteRequest();
    if (this.body && options.clientBodyTimeoutMs > 0) {
      // Idle time between body reads. On HTTP/2 this is the stream's own timer (the socket is
      // the whole session's); with no 'timeout' listener Node ends the stream or connection.
      req.setTimeout(options.clientBodyTimeoutMs);
      (req as NodeJS.EventEmitter).once('end', () => req.setTimeout(0));
    }
    ex.onDone(() => {
      if (!this.done) this.current?.abort('client closed the connection');
      this.done = true;
      if (this.body) ex.bytesIn = this.body.bytes;
    });
  }

  /** The one place the set is made: a retry asks for it while picking, then adds to it. */
  private get tried(): ReadonlySet<Peer> {
    if (this.triedPeers) return this.triedPeers;
    return this.firstPeer ? (this.triedPeers = new Set([this.firstPeer])) : NOTHING_TRIED;
  }

  get pool(): UpstreamPool {
    return this.target;
  }

  get config(): PoolConfig {
    return this.target.config;
  }

  get sink(): SinkFactory {
    return this.options.sink;
  }

  get meter(): StreamMeter | undefined {
    return this.options.meter;
  }

  get hasBody(): boolean {
    return this.body !== null;
  }

  /** The client connection failed before anything was sent upstream. */
  abandon(): void {
    if (this.done) return;
    this.done = true;
    this.ex.status = 400;
    this.ex.reason = 'malformed_request';
  }

  start(): void {
    const pool = this.target;
    const peer = pool.select(this, this.tried);
    if (peer) return this.send(peer);
    if (this.config.queue && !this.done) {
      // Every server that is up is at max_conns: wait for a slot in the bounded queue.
      const abort = new AbortController();
      this.ex.onDone(() => abort.abort());
      void pool.selectOrWait(this, this.tried, abort.signal).then((queued) => {
        if (queued && this.done) pool.release(queued, { ok: true });
        else if (queued) this.send(queued);
        else this.noPeer('queue_timeout');
      });
      return;
    }
    this.noPeer('no_healthy_upstream');
  }

  private noPeer(reason: string): void {
    if (this.tried.size === 0) this.fail({ status: 503, reason }, reason === 'queue_timeout' ? 'all upstream servers are busy' : 'no healthy upstream');
    else this.fail(this.lastFailure ?? { status: 502, reason: 'upstream_failed' });
  }

  private send(peer: Peer): void {
    if (!this.firstPeer) this.firstPeer = peer;
    else (this.tried as Set<Peer>).add(peer);
    const attempt = new Attempt(this, peer);
    this.current = attempt;
    const dispatcher = this.options.dispatchers.get(peer.address, this.config);
    dispatcher.dispatch(
      {
        path: this.path,
        method: this.ex.method as Dispatcher.HttpMethod,
        headers: this.headers,
        body: this.body,
        headersTimeout: this.config.readTimeoutMs,
        bodyTimeout: this.config.readTimeoutMs,
        upgrade: this.upgrade,
      },
      attempt,
    );
  }

  /** Decides whether a failed attempt can be retried on another peer. */
  canRetry(kind: RetryKind): boolean {
    if (this.done || this.ex.res.destroyed || Date.now() >= this.deadline) return false;
    if (this.body?.started) return false;
    // Never sent (nginx's proxy_next_upstream error with tries 0): every other server, then
    // the backups, within this one request; `retries` and the budget count only sent requests.
    if (kind === 'connect') return true;
    if (this.tried.size > this.config.retries || !IDEMPOTENT.has(this.ex.method)) return false;
    if (this.options.pool.retryBudget.tryRetry()) return true;
    this.options.retryLog?.denied(this.ex, kind);
    return false;
  }

  retry(reason: string): void {
    this.options.retryLog?.retried(this.ex, reason);
    this.start();
  }

  recordFailure(failure: Failure): void {
    this.lastFailure = failure;
  }

  fail(failure: Failure, body?: string): void {
    if (this.done) return;
    this.done = true;
    this.ex.reason = failure.reason;
    this.ex.status = failure.status;
    this.ex.bytesOut = sendText(this.ex.res, failure.status, undefined, body);
    // The client's unread body would otherwise stall the keep-alive connection.
    if (this.body && !this.body.started) this.ex.req.resume();
  }
}
