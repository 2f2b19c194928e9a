// One request/response pair as it passes through the edge: the facts handlers fill in, the
// onDone callbacks guards register, and the AccessRecord produced when it ends.
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { AccessRecord, UpstreamTry } from './access-record.js';
import type { AnyResponse } from './responses.js';
import type { GuardRequest } from '../guard/guard.js';

export type AnyRequest = IncomingMessage | Http2ServerRequest;

export class Exchange implements GuardRequest {
  readonly startedAt = Date.now();
  private readonly startedHr = performance.now();
  route = '';
  pool = '';
  reason = '';
  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  upstreamMs = 0;
  upgraded = false;
  tries: UpstreamTry[] | undefined;
  private doneCallbacks: (() => void)[] | undefined;
  private finished = false;

  constructor(
    readonly req: AnyRequest,
    readonly res: AnyResponse,
    readonly clientIp: string,
    readonly host: string,
    /** Normalized path without the query string. */
    readonly path: string,
    readonly proto: 'http' | 'https',
  ) {}

  get method(): string {
    return this.req.method ?? 'GET';
  }

  get headers(): AnyRequest['headers'] {
    return this.req.headers;
  }

  onDone(callback: () => void): void {
    if (this.finished) callback();
    else (this.doneCallbacks ??= []).push(callback);
  }

  addTry(entry: UpstreamTry): void {
    (this.tries ??= []).push(entry);
  }

  /** Runs the onDone callbacks once and returns the access record. */
  finish(): AccessRecord {
    this.finished = true;
    const callbacks = this.doneCallbacks;
    this.doneCallbacks = undefined;
    if (callbacks) for (const callback of callbacks) callback();
    const req = this.req;
    return {
      startedAt: this.startedAt,
      durationMs: performance.now() - this.startedHr,
      clientIp: this.clientIp,
      method: this.method,
      url: req.url ?? '/',
      httpVersion: req.httpVersion,
      host: this.host,
      status: this.status || (this.res.headersSent ? this.res.statusCode : 499),
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      referer: (req.headers.referer as string | undefined) ?? '',
      userAgent: (req.headers['user-agent'] as string | undefined) ?? '',
      route: this.route,
      pool: this.pool,
      tries: this.tries ?? [],
      reason: this.reason,
      upstreamMs: this.upstreamMs,
      upgraded: this.upgraded,
    };
  }
}
