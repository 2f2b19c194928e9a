// Reverse proxy to a pool: pick a peer, stream the request to it through undici, stream the
// response back with back-pressure, and try another peer (never one already tried) when
// that is safe: connect errors always, resets and 502/503/504 only for idempotent requests
// whose body was not sent.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { PoolConfig } from '../config/model.js';
import type { Peer } from '../balance/peer.js';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import type { PickContext } from '../balance/balancer.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { hasBody, RequestBody } from './request-body.js';
import { sendText } from './responses.js';
import type { Exchange } from './exchange.js';
import type { DispatcherTable } from './dispatchers.js';
import type { ResponseSink, SinkFactory } from './response-sink.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const RETRY_STATUS = new Set([502, 503, 504]);
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

export interface ProxyRouteOptions {
  readonly pool: UpstreamPool;
  readonly dispatchers: DispatcherTable;
  /** Route prefix removed from the upstream path (strip_prefix), or '' to keep it. */
  readonly stripPrefix: string;
  readonly maxBody: number;
  readonly clientBodyTimeoutMs: number;
  readonly sink: SinkFactory;
  readonly hashValue?: (ex: Exchange) => string | undefined;
}

export class ProxyRoute {
  constructor(private readonly options: ProxyRouteOptions) {}

  handle(ex: Exchange): void {
    const { pool } = this.options;
    ex.pool = pool.name;
    const request = new ProxiedRequest(ex, this.options, pool.config);
    // Node announces an HTTP/1 request as soon as its head is parsed, before it has looked at
    // body bytes that came in the same read. Waiting one turn lets a broken body (a bad chunk
    // size) fail the connection first, so such a request is never forwarded at all.
    if (request.hasBody && ex.req.httpVersionMajor === 1) setImmediate(startUnlessBroken, request);
    else request.start();
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

type Failure = { readonly status: number; readonly reason: string };

class ProxiedRequest {
  private readonly tried = new Set<Peer>();
  private readonly body: RequestBody | null;
  private readonly headers: Record<string, string | string[]>;
  private readonly path: string;
  private readonly deadline: number;
  private readonly ctx: PickContext;
  private current: Attempt | undefined;
  private lastFailure: Failure | undefined;
  done = false;

  constructor(
    readonly ex: Exchange,
    readonly options: ProxyRouteOptions,
    readonly config: PoolConfig,
  ) {
    const req = ex.req;
    this.body = hasBody(req) ? new RequestBody(req, options.maxBody) : null;
    this.headers = upstreamRequestHeaders(req.headers, {
      clientIp: ex.clientIp,
      proto: ex.proto,
      host: (req.headers.host ?? req.headers[':authority'] ?? ex.host) as string,
      hostOverride: config.hostHeader,
    });
    const url = req.url ?? '/';
    this.path = options.stripPrefix && url.startsWith(options.stripPrefix) ? url.slice(options.stripPrefix.length) || '/' : url;
    if (this.path.charCodeAt(0) !== 47) this.path = `/${this.path}`;
    this.deadline = config.retryTimeoutMs > 0 ? Date.now() + config.retryTimeoutMs : Infinity;
    this.ctx = { clientIp: ex.clientIp, hashValue: options.hashValue?.(ex) };
    if (this.body && options.clientBodyTimeoutMs > 0) {
      // Idle time between body reads. On HTTP/2 this is the stream's own timer (the socket is
      // the whole session's); with no 'timeout' listener Node ends the stream or connection.
      req.setTimeout(options.clientBodyTimeoutMs);
      req.once('end', () => req.setTimeout(0));
    }
    ex.onDone(() => {
      if (!this.done) this.current?.abort('client closed the connection');
      this.done = true;
      if (this.body) ex.bytesIn = this.body.bytes;
    });
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
    const pool = this.options.pool;
    const peer = pool.select(this.ctx, this.tried);
    if (peer) return this.send(peer);
    if (this.config.queue && !this.done) {
      // Every server that is up is at max_conns: wait for a slot in the bounded queue.
      const abort = new AbortController();
      this.ex.onDone(() => abort.abort());
      void pool.selectOrWait(this.ctx, this.tried, abort.signal).then((queued) => {
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
    this.tried.add(peer);
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
      },
      attempt,
    );
  }

  /** Decides whether a failed attempt can be retried on another peer. */
  canRetry(kind: 'connect' | 'reset' | 'status'): boolean {
    if (this.done || this.ex.res.destroyed) return false;
    if (this.tried.size > this.config.retries || Date.now() >= this.deadline) return false;
    const bodySent = this.body?.started ?? false;
    if (kind === 'connect') return !bodySent;
    return IDEMPOTENT.has(this.ex.method) && !bodySent;
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

/** nginx's mapping: a timeout (connecting or reading) is 504, any other upstream failure 502. */
function failureOf(code: string, connect: boolean): Failure {
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { status: 504, reason: 'upstream_timeout' };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { status: 504, reason: 'upstream_connect_timeout' };
  return { status: 502, reason: connect ? 'upstream_connect_error' : 'upstream_reset' };
}

class Attempt implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private readonly startedAt = performance.now();
  private firstByteMs: number | undefined;
  private sink: ResponseSink | undefined;
  private retrying = false;
  private settled = false;
  private status = 0;
  private expectedBytes = -1;
  private receivedBytes = 0;

  constructor(
    private readonly request: ProxiedRequest,
    private readonly peer: Peer,
  ) {}

  abort(reason: string): void {
    this.controller?.abort(Object.assign(new Error(reason), { code: 'WHARF_CLIENT_ABORTED' }));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.request.done) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.firstByteMs = performance.now() - this.startedAt;
    this.status = statusCode;
    const { ex } = this.request;
    if (RETRY_STATUS.has(statusCode) && this.request.canRetry('status')) {
      this.retrying = true;
      this.settle(false, `status ${statusCode}`);
      controller.abort(new Error(`upstream answered ${statusCode}; trying the next one`));
      this.request.start();
      return;
    }
    ex.status = statusCode;
    ex.upstreamMs = this.firstByteMs;
    const length = headers['content-length'];
    if (typeof length === 'string') this.expectedBytes = Number(length);
    this.sink = this.request.options.sink(ex.res, controller);
    const res = ex.res as import('node:http').ServerResponse;
    res.writeHead(statusCode, clientResponseHeaders(headers));
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.retrying) return;
    this.request.ex.bytesOut += chunk.length;
    this.receivedBytes += chunk.length;
    this.sink!.write(chunk);
  }

  onResponseEnd(): void {
    if (this.retrying) return;
    const { ex } = this.request;
    this.request.done = true;
    this.settle(!RETRY_STATUS.has(this.status), '');
    if (this.request.ex.req.readableEnded === false && !this.request.ex.req.complete) ex.req.resume();
    this.sink!.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.retrying) return;
    const request = this.request;
    const code = (error as { code?: string }).code ?? '';
    if (code === 'WHARF_CLIENT_ABORTED' || request.done) {
      this.settle(true, 'client_aborted');
      request.ex.reason ||= 'client_aborted';
      request.ex.res.destroy();
      return;
    }
    if (code === 'WHARF_BODY_TOO_LARGE') {
      this.settle(true, 'body_too_large');
      request.fail({ status: 413, reason: 'body_too_large' });
      return;
    }
    const connect = CONNECT_ERRORS.has(code);
    const failure = failureOf(code, connect);
    if (this.sink && this.receivedBytes === this.expectedBytes) {
      // The whole body arrived; undici only noticed the peer closing its idle keep-alive socket
      // while a slow client (or limit_rate) kept the response paused. Finish normally.
      this.request.done = true;
      this.settle(true, '');
      this.sink.end();
      return;
    }
    this.settle(false, `${code || error.message}`);
    if (this.sink) {
      // Headers already went to the client: all we can do is cut the connection.
      request.done = true;
      request.ex.reason = failure.reason;
      request.ex.res.destroy();
      return;
    }
    request.recordFailure(failure);
    if (request.canRetry(connect ? 'connect' : 'reset')) request.start();
    else request.fail(failure);
  }

  private settle(ok: boolean, error: string): void {
    if (this.settled) return;
    this.settled = true;
    const totalMs = performance.now() - this.startedAt;
    this.request.options.pool.release(this.peer, { ok, firstByteMs: this.firstByteMs, totalMs });
    this.request.ex.addTry({ peer: this.peer.address, status: this.status, error: error || undefined, ms: Math.round(totalMs) });
  }
}
