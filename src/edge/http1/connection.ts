// One client connection on the lean listener: feeds socket bytes to llhttp, turns each parsed
// head into a request/response pair, answers them one at a time in order (pipelined requests
// wait their turn), and hands the socket over on Upgrade. Timeouts are not per-connection
// timers: the server's sweep reads `phase` and `since` (see Http1Server).
import type { Socket } from 'node:net';
import { createRequestParser, methodName, type ParserError, type RequestParser } from './llhttp.js';
import { Http1Request, type RequestOwner } from './request.js';
import { Http1Response, type ResponseOwner } from './response.js';

export interface ConnectionHost {
  readonly maxHeaderSize: number;
  readonly keepAliveSeconds: number;
  readonly closing: boolean;
  date(): string;
  onRequest(req: Http1Request, res: Http1Response): void;
  onUpgrade(req: Http1Request, socket: Socket, head: Buffer): void;
  /** A malformed request; `answer`: no response is under way, so the error can be the reply. */
  onParseError(error: ParserError, socket: Socket, answer: boolean): void;
  /** The connection is no longer HTTP (upgraded) or is gone. */
  release(connection: Http1Connection): void;
}

/** `head`: reading a request head (header timeout); `busy`: a request is in progress; `idle`: keep-alive. */
export type Phase = 'head' | 'busy' | 'idle';

export class Http1Connection implements RequestOwner, ResponseOwner {
  phase: Phase = 'head';
  /** When the current phase began (performance.now()). */
  since = performance.now();
  private readonly parser: RequestParser;
  /** The request whose bytes the parser is reading now. */
  private parsing: Http1Request | undefined;
  /** The request being answered, and the ones pipelined behind it. */
  private current: Http1Response | undefined;
  private readonly waiting: [Http1Request, Http1Response][] = [];
  private partialHeaders: string[] = [];
  private partialUrl = '';
  private upgrade: Http1Request | undefined;
  private paused = false;
  private closeAfterCurrent = false;
  /** A malformed request behind pipelined ones, answered once they are. */
  private pendingError: ParserError | undefined;
  private released = false;
  /** True while llhttp runs; a request dispatched meanwhile is `ready` and starts right after. */
  private parsingRead = false;
  private ready: Http1Response | undefined;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.parser = createRequestParser(host.maxHeaderSize, {
      onHeaders: (raw, url) => {
        this.partialHeaders.push(...raw);
        this.partialUrl += url;
      },
      onHeadersComplete: (major, minor, raw, method, url, _status, _message, upgrade, keepAlive) => {
        if (raw === undefined) {
          raw = this.partialHeaders;
          this.partialHeaders = [];
        }
        if (url === undefined) {
          url = this.partialUrl;
          this.partialUrl = '';
        }
        const req = new Http1Request(this, methodName(method) ?? 'GET', url, raw, major, minor, keepAlive);
        this.parsing = req;
        if (upgrade) this.upgrade = req;
        else this.queue(req);
        return 0;
      },
      onBody: (chunk) => {
        this.parsing?.pushBody(chunk);
      },
      onMessageComplete: () => {
        this.parsing?.pushEnd();
        this.parsing = undefined;
      },
    });
    socket.on('data', (data: Buffer) => this.read(data));
    socket.on('drain', () => this.current?.emit('drain'));
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.closed());
  }

  get keepAliveSeconds(): number {
    return this.host.keepAliveSeconds;
  }

  get closing(): boolean {
    return this.host.closing;
  }

  date(): string {
    return this.host.date();
  }

  /** Closes the connection if it is between requests; returns whether it did. */
  closeIfIdle(): boolean {
    if (this.current || this.phase === 'busy') return false;
    this.socket.destroy();
    return true;
  }

  readingChanged(): void {
    this.updateReading();
  }

  sendContinue(): void {
    if (this.socket.writable) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
  }

  responseEnded(res: Http1Response, keepAlive: boolean): void {
    if (res !== this.current) return;
    this.current = undefined;
    const req = res.req;
    if (!keepAlive || this.closeAfterCurrent) {
      this.stopReading();
      this.socket.end();
      return;
    }
    // The rest of a body nobody read is dropped so the next request can be parsed.
    if (!req.complete) req.dump();
    this.next();
  }

  private read(data: Buffer): void {
    if (this.phase === 'idle') this.enter('head');
    this.parsingRead = true;
    const result = this.parser.execute(data);
    this.parsingRead = false;
    const ready = this.ready;
    this.ready = undefined;
    if (typeof result !== 'number') this.failed(result);
    if (ready) this.start(ready);
    if (typeof result !== 'number') return;
    if (this.upgrade) {
      const req = this.upgrade;
      this.upgrade = undefined;
      // The upgrade waits for every earlier pipelined answer to go out first.
      if (this.current || this.waiting.length) {
        this.socket.destroy();
        return;
      }
      this.handOver(req, data.subarray(result));
      return;
    }
    this.updateReading();
  }

  /**
   * Malformed bytes: nothing more is read. A broken body of the request being answered is that
   * request's 400 (or a cut connection, if its answer already started); a broken later request
   * is answered with 400 only after every valid request ahead of it, as nginx does.
   */
  private failed(error: ParserError): void {
    this.stopReading();
    const broken = this.parsing;
    this.parsing = undefined;
    broken?.abort();
    if (broken && this.current?.req === broken) {
      this.closeAfterCurrent = true;
      this.host.onParseError(error, this.socket, !this.current.headWritten);
      return;
    }
    const index = this.waiting.findIndex(([req]) => req === broken);
    if (index >= 0) this.waiting.splice(index, 1);
    if (this.current || this.waiting.length) this.pendingError = error;
    else this.host.onParseError(error, this.socket, true);
  }

  private handOver(req: Http1Request, head: Buffer): void {
    this.stopReading();
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('drain');
    this.socket.removeAllListeners('timeout');
    this.release();
    this.host.onUpgrade(req, this.socket, head);
  }

  private queue(req: Http1Request): void {
    const res = new Http1Response(this, req);
    if (this.current) this.waiting.push([req, res]);
    else this.dispatch(req, res);
  }

  private next(): void {
    const entry = this.waiting.shift();
    if (entry) this.dispatch(entry[0], entry[1]);
    else if (this.pendingError) this.host.onParseError(this.pendingError, this.socket, true);
    else {
      this.enter(this.parsing ? 'head' : 'idle');
      this.updateReading();
    }
  }

  private dispatch(req: Http1Request, res: Http1Response): void {
    this.current = res;
    this.enter('busy');
    this.updateReading();
    // Inside the parser, the handler waits until it returns, so body bytes from the same read
    // (or an error in them) are known before anything is forwarded.
    if (this.parsingRead) this.ready = res;
    else this.start(res);
  }

  private start(res: Http1Response): void {
    if (this.socket.destroyed || this.socket.writableEnded) {
      res.req.abort();
      res.connectionClosed();
    } else this.host.onRequest(res.req, res);
  }

  private enter(phase: Phase): void {
    this.phase = phase;
    this.since = performance.now();
  }

  /** Reads from the socket unless a body is waiting for its reader or requests are queued. */
  private updateReading(): void {
    const hold = this.waiting.length > 0 || (this.parsing?.backlogged ?? false);
    if (hold === this.paused) return;
    this.paused = hold;
    if (hold) this.socket.pause();
    else this.socket.resume();
  }

  private stopReading(): void {
    this.paused = true;
    this.socket.pause();
  }

  private closed(): void {
    this.release();
    this.parsing?.abort();
    const current = this.current;
    if (current) {
      current.req.abort();
      current.connectionClosed();
    }
    for (const [req, res] of this.waiting) {
      req.abort();
      res.connectionClosed();
    }
    this.waiting.length = 0;
    this.parser.free();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.host.release(this);
  }
}
