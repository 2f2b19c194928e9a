// One HTTP/1.1 request read by the lean listener: the members of http.IncomingMessage the edge
// uses, and a body that is buffered until someone asks for it. Nothing is read from the
// client for a body nobody wants, which is how back-pressure reaches the socket.
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { headersFromRaw } from './request-headers.js';
import { rawHeader } from '../headers.js';

/** What a request needs from its connection. */
export interface RequestOwner {
  readonly socket: Socket;
  /** The request's body is wanted (or no longer is): the connection may read on, or must wait. */
  readingChanged(): void;
  /** The first read of a body sent with `Expect: 100-continue`. */
  sendContinue(): void;
}

export class Http1Request extends EventEmitter {
  url: string;
  private headersObject: IncomingHttpHeaders | undefined;
  readonly socket: Socket;
  /** The whole body (or no body) has been received. */
  complete = false;
  aborted = false;
  /** Whether the client allows another request on this connection after this one. */
  readonly shouldKeepAlive: boolean;
  private flowing = false;
  private pending: Buffer[] | undefined;
  private endEmitted = false;
  private continueDue: boolean;
  private discard = false;

  constructor(
    private readonly owner: RequestOwner,
    readonly method: string,
    url: string,
    readonly rawHeaders: string[],
    readonly httpVersionMajor: number,
    readonly httpVersionMinor: number,
    keepAlive: boolean,
  ) {
    super();
    this.url = url;
    this.socket = owner.socket;
    this.shouldKeepAlive = keepAlive;
    const expect = rawHeader(rawHeaders, 'expect');
    this.continueDue = httpVersionMinor === 1 && typeof expect === 'string' && expect.toLowerCase() === '100-continue';
  }

  /** Built on first use, as http.IncomingMessage's is: the proxy path reads the raw lines. */
  get headers(): IncomingHttpHeaders {
    return (this.headersObject ??= headersFromRaw(this.rawHeaders));
  }

  get httpVersion(): string {
    return `${this.httpVersionMajor}.${this.httpVersionMinor}`;
  }

  get readableEnded(): boolean {
    return this.endEmitted;
  }

  /** True while body bytes are waiting for a reader: the connection stops reading the socket. */
  get backlogged(): boolean {
    return !this.flowing && this.pending !== undefined;
  }

  pause(): this {
    this.flowing = false;
    return this;
  }

  resume(): this {
    if (this.continueDue && !this.complete) {
      this.continueDue = false;
      this.owner.sendContinue();
    }
    this.flowing = true;
    // A reader that pauses inside its 'data' handler leaves the rest queued.
    while (this.flowing && this.pending !== undefined) {
      const chunk = this.pending.shift()!;
      if (this.pending.length === 0) this.pending = undefined;
      this.deliver(chunk);
    }
    if (this.complete && !this.endEmitted && this.flowing && this.pending === undefined) this.emitEnd();
    this.owner.readingChanged();
    return this;
  }

  /** The rest of the body is not wanted (its response is done): read and drop it. */
  dump(): void {
    this.discard = true;
    this.removeAllListeners('data');
    this.resume();
  }

  /** Idle time allowed between body reads; Node's semantics: with no listener the socket is cut. */
  setTimeout(ms: number): this {
    this.socket.setTimeout(ms);
    return this;
  }

  destroy(): this {
    this.socket.destroy();
    return this;
  }

  /** From the parser: a piece of the body. */
  pushBody(chunk: Buffer): void {
    if (this.discard) return;
    if (this.flowing && this.pending === undefined) this.deliver(chunk);
    else (this.pending ??= []).push(chunk);
  }

  /** From the parser: the body (if any) is complete. */
  pushEnd(): void {
    this.complete = true;
    if (this.flowing && this.pending === undefined) this.emitEnd();
  }

  /** The connection closed before the body was complete. */
  abort(): void {
    if (this.complete || this.aborted) return;
    this.aborted = true;
    this.emit('aborted');
    this.emit('close');
  }

  private deliver(chunk: Buffer): void {
    if (!this.discard) this.emit('data', chunk);
  }

  private emitEnd(): void {
    this.endEmitted = true;
    this.emit('end');
    this.emit('close');
  }
}
