// One try of a proxied request on one peer: undici's handler for it, streaming the response
// head and body to the client, and the outcome (success, retry, or the error to answer).
//
// It implements undici's raw handler hooks (onConnect/onHeaders/onData/onComplete/onError),
// which undici's HTTP/1 client calls directly. The newer controller hooks go through a
// wrapper that parses every response head into an object first; wharf only needs the raw
// pairs, so the raw hooks save that object and the wrapper (about 4 µs a request).
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { UpgradeResponse } from './upgrade-response.js';
import type { Peer } from '../balance/peer.js';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import type { Exchange } from './exchange.js';
import { clientResponseHead } from './headers.js';
import { writeHeadList } from './responses.js';
import type { ResponseSink, SinkFactory } from './response-sink.js';
import type { StreamMeter } from '../observe/heap-trim.js';
import { cutResponse, RETRYABLE_STATUS, upstreamFailureOf, type UpstreamErrorKind } from './upstream-errors.js';

export type Failure = { readonly status: number; readonly reason: string };
/** What failed: the catalog's kinds, or an upstream answer of 502/503/504. */
export type RetryKind = UpstreamErrorKind | 'status';

/** The request an attempt belongs to: where outcomes go and retries come from. */
export interface AttemptOwner {
  readonly ex: Exchange;
  readonly pool: UpstreamPool;
  readonly sink: SinkFactory;
  readonly meter: StreamMeter | undefined;
  /** True once the client has its answer (or left). */
  done: boolean;
  canRetry(kind: RetryKind): boolean;
  /** Tries the next peer, `reason` being why this one failed. */
  retry(reason: string): void;
  recordFailure(failure: Failure): void;
  fail(failure: Failure): void;
}

export class Attempt implements Dispatcher.DispatchHandler {
  private abortUpstream: ((error?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private paused = false;
  private readonly startedAt = performance.now();
  private firstByteMs: number | undefined;
  private sink: ResponseSink | undefined;
  private retrying = false;
  private settled = false;
  private status = 0;
  private expectedBytes = -1;
  private receivedBytes = 0;

  constructor(
    private readonly request: AttemptOwner,
    private readonly peer: Peer,
  ) {}

  abort(reason: string): void {
    this.abortUpstream?.(Object.assign(new Error(reason), { code: 'WHARF_CLIENT_ABORTED' }));
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeUpstream?.();
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.request.done) abort(new Error('client closed the connection'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.firstByteMs = performance.now() - this.startedAt;
    this.status = statusCode;
    const { ex } = this.request;
    if (RETRYABLE_STATUS.has(statusCode) && this.request.canRetry('status')) {
      this.retrying = true;
      const reason = `upstream_status_${statusCode}`;
      this.settle(false, `status ${statusCode}`, reason);
      this.abortUpstream?.(new Error(`upstream answered ${statusCode}; trying the next one`));
      this.request.retry(reason);
      return false;
    }
    // 1xx heads other than 101 are informational; undici goes on to the final one.
    if (statusCode < 200) return true;
    ex.status = statusCode;
    ex.upstreamMs = this.firstByteMs;
    const head = clientResponseHead(rawHeaders);
    this.expectedBytes = head.contentLength;
    this.resumeUpstream = resume;
    this.sink = this.request.sink(ex.res);
    writeHeadList(ex.res, statusCode, head.headers);
    return !this.paused;
  }

  /** The upstream switched protocols (101): from here on the two sockets are simply piped. */
  onUpgrade(statusCode: number, rawHeaders: Buffer[] | string[] | null, socket: Duplex): void {
    this.firstByteMs = performance.now() - this.startedAt;
    this.status = statusCode;
    const { ex } = this.request;
    this.request.done = true;
    ex.status = statusCode;
    ex.upstreamMs = this.firstByteMs;
    ex.upgraded = true;
    // The peer stays counted in flight (least_conn) until the tunnel closes.
    (ex.res as UpgradeResponse).switchProtocols(rawHeaders ?? [], socket, () => this.settle(true, ''));
  }

  onData(chunk: Buffer): boolean {
    if (this.retrying) return false;
    this.request.ex.bytesOut += chunk.length;
    this.receivedBytes += chunk.length;
    this.request.meter?.streamed(chunk.length);
    if (!this.sink!.write(chunk)) {
      // The client (or the throttle) is behind: undici stops reading until it catches up.
      this.paused = true;
      this.sink!.once('drain', () => this.resume());
    }
    return !this.paused;
  }

  onComplete(): void {
    if (this.retrying) return;
    const { ex } = this.request;
    this.request.done = true;
    this.settle(!RETRYABLE_STATUS.has(this.status), '');
    if (ex.req.readableEnded === false && !ex.req.complete) ex.req.resume();
    this.sink!.end();
  }

  onError(error: Error): void {
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
    const failure = upstreamFailureOf(code);
    if (this.sink && this.receivedBytes === this.expectedBytes) {
      // The whole body arrived; undici only noticed the peer closing its idle keep-alive socket
      // while a slow client (or limit_rate) kept the response paused. Finish normally.
      request.done = true;
      this.settle(true, '');
      this.sink.end();
      return;
    }
    if (this.sink) {
      // Headers already went to the client: cut the response so it cannot pass for a whole one.
      this.settle(false, code || error.message);
      request.done = true;
      request.ex.reason = failure.reason;
      cutResponse(request.ex.res);
      return;
    }
    request.recordFailure(failure);
    const retry = request.canRetry(failure.kind);
    this.settle(false, code || error.message, retry ? failure.reason : undefined);
    if (retry) request.retry(failure.reason);
    else request.fail(failure);
  }

  /** `retry`: why the request goes on to another server after this try (logged with the try). */
  private settle(ok: boolean, error: string, retry?: string): void {
    if (this.settled) return;
    this.settled = true;
    const totalMs = performance.now() - this.startedAt;
    this.request.pool.release(this.peer, { ok, firstByteMs: this.firstByteMs, totalMs });
    this.request.ex.addTry({ peer: this.peer.address, status: this.status, error: error || undefined, ms: Math.round(totalMs), retry });
  }
}
