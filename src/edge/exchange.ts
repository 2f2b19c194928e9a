// One request/response pair as it passes through the edge: the facts handlers fill in, the
// onDone callbacks guards register, and the AccessRecord produced when it ends.
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Http1Request } from './http1/request.js';
import type { AccessRecord, UpstreamTry } from './access-record.js';
import type { AnyResponse } from './responses.js';
import type { GuardRequest } from '../guard/guard.js';
import type { InFlightNode } from './in-flight.js';
import { rawHeader } from './headers.js';

export type AnyRequest = IncomingMessage | Http2ServerRequest | Http1Request;

const NO_TRIES: readonly UpstreamTry[] = Object.freeze([]);

/** Also the access record itself: finishing an exchange allocates nothing more for the log and metrics. */
export class Exchange implements GuardRequest, AccessRecord, InFlightNode {
  readonly startedAt = Date.now();
  private readonly startedHr = performance.now();
  durationMs = 0;
  route = '';
  pool = '';
  reason = '';
  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  upstreamMs = 0;
  upgraded = false;
  tries: readonly UpstreamTry[] = NO_TRIES;
  /** The Host (or :authority) the request named, port included; '' without one. */
  hostHeader = '';
  prevInFlight: InFlightNode | undefined = undefined;
  nextInFlight: InFlightNode | undefined = undefined;
  inFlight = false;
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
    this.tries = this.tries === NO_TRIES ? [entry] : [...this.tries, entry];
  }

  get url(): string {
    return this.req.url ?? '/';
  }

  get httpVersion(): string {
    return this.req.httpVersion;
  }

  get referer(): string {
    return rawHeader(this.req.rawHeaders, 'referer') ?? '';
  }

  /** One request header by lower-case name, read from the raw lines (a canary pin). */
  header(name: string): string | undefined {
    return rawHeader(this.req.rawHeaders, name);
  }

  get userAgent(): string {
    return rawHeader(this.req.rawHeaders, 'user-agent') ?? '';
  }

  /** Runs the onDone callbacks once and completes the record. */
  finish(): AccessRecord {
    this.finished = true;
    const callbacks = this.doneCallbacks;
    this.doneCallbacks = undefined;
    if (callbacks) for (const callback of callbacks) callback();
    this.durationMs = performance.now() - this.startedHr;
    if (!this.status) this.status = this.res?.headersSent ? this.res.statusCode : 499;
    return this;
  }
}
