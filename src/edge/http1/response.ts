// One HTTP/1.1 response written by the lean listener: http.ServerResponse's members that the
// edge uses (setHeader, writeHead, write, end, destroy, 'drain'/'finish'/'close'), framed by
// hand: Content-Length when known, chunked otherwise (close-delimited for HTTP/1.0), no body
// for HEAD/204/304, and a Connection header that says what the connection will do next.
import { Stream } from 'node:stream';
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Http1Request } from './request.js';
import { composeHead } from './response-head.js';

/** What a response needs from its connection. */
export interface ResponseOwner {
  readonly socket: Socket;
  /** Whether new answers must close their connection (shutdown in progress). */
  readonly closing: boolean;
  readonly keepAliveSeconds: number;
  /** The current IMF-fixdate, refreshed at most once a second. */
  date(): string;
  /** The response was ended; `keepAlive` says whether the connection may carry another request. */
  responseEnded(res: Http1Response, keepAlive: boolean): void;
}

/** Up to this much is joined into one buffer per write; more is written piece by piece. */
const OUTBOX_BYTES = 16 * 1024;

export class Http1Response extends Stream {
  statusCode = 200;
  statusMessage = '';
  /** True once the head is fixed (writeHead called), as with http.ServerResponse. */
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  readonly socket: Socket;
  private fields: Record<string, OutgoingHttpHeader> = Object.create(null) as Record<string, OutgoingHttpHeader>;
  /** Flat name, value... pairs given to writeHead, names as spelled; they win over setHeader's. */
  private pairs: readonly string[] | undefined;
  private head = '';
  /** The head has gone to the socket. */
  headWritten = false;
  private chunked = false;
  private bodyless: boolean;
  private keepAlive = false;
  private closed = false;
  private outbox: (string | Buffer)[] = [];
  private queuedBytes = 0;
  flushScheduled = false;

  constructor(
    private readonly owner: ResponseOwner,
    readonly req: Http1Request,
  ) {
    super();
    this.socket = owner.socket;
    this.bodyless = req.method === 'HEAD';
  }

  get writable(): boolean {
    return !this.writableEnded && !this.destroyed;
  }

  setHeader(name: string, value: OutgoingHttpHeader): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot set headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    this.fields[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): OutgoingHttpHeader | undefined {
    return this.fields[name.toLowerCase()];
  }

  hasHeader(name: string): boolean {
    return this.fields[name.toLowerCase()] !== undefined;
  }

  removeHeader(name: string): void {
    if (this.headersSent) throw Object.assign(new Error('Cannot remove headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    delete this.fields[name.toLowerCase()];
  }

  getHeaders(): OutgoingHttpHeaders {
    return { ...this.fields };
  }

  getHeaderNames(): string[] {
    return Object.keys(this.fields);
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders | readonly string[] | string, more?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent to the client'), { code: 'ERR_HTTP_HEADERS_SENT' });
    if (typeof headers === 'string') {
      this.statusMessage = headers;
      headers = more;
    }
    this.statusCode = status;
    if (Array.isArray(headers)) {
      this.pairs = headers as readonly string[];
      // Fields set earlier (setHeader) give way to the same names here; usually there are none.
      if (hasFields(this.fields)) for (let i = 0; i < this.pairs.length; i += 2) delete this.fields[this.pairs[i]!.toLowerCase()];
    } else if (headers) {
      const named = headers as OutgoingHttpHeaders;
      for (const name in named) if (named[name] !== undefined) this.fields[name.toLowerCase()] = named[name]!;
    }
    const req = this.req;
    const head = composeHead({
      status,
      statusMessage: this.statusMessage,
      fields: this.fields,
      pairs: this.pairs,
      headRequest: this.bodyless,
      keepAliveWanted: req.shouldKeepAlive && !this.owner.closing,
      http10: req.httpVersionMinor < 1,
      keepAliveSeconds: this.owner.keepAliveSeconds,
      date: () => this.owner.date(),
    });
    this.head = head.text;
    this.chunked = head.chunked;
    this.bodyless = head.bodyless;
    this.keepAlive = head.keepAlive;
    this.headersSent = true;
    return this;
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void): boolean {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    if (this.writableEnded || this.destroyed || this.socket.writableEnded) {
      if (callback) process.nextTick(callback, Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' }));
      return false;
    }
    if (!this.headersSent) this.writeHead(this.statusCode);
    return this.send(chunk, encoding, callback);
  }

  end(data?: string | Uint8Array | (() => void), encodingOrCallback?: BufferEncoding | (() => void), done?: () => void): this {
    let chunk: string | Uint8Array | undefined;
    let encoding: BufferEncoding | undefined;
    let callback = done;
    if (typeof data === 'function') callback = data;
    else chunk = data;
    if (typeof encodingOrCallback === 'function') callback = encodingOrCallback;
    else encoding = encodingOrCallback;
    if (this.writableEnded || this.destroyed) return this;
    if (this.socket.writableEnded) {
      // The connection already said its last word (a 400 for a malformed request behind this one).
      this.writableEnded = true;
      this.destroyed = true;
      return this;
    }
    if (!this.headersSent) {
      // The whole body is known: give it a length instead of chunking it.
      if (this.fields['content-length'] === undefined && this.fields['transfer-encoding'] === undefined) {
        this.fields['content-length'] = chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.byteLength;
      }
      this.writeHead(this.statusCode);
    }
    if (chunk !== undefined) this.send(chunk, encoding);
    else this.queueHead();
    if (this.chunked && !this.bodyless) this.queue('0\r\n\r\n', 5);
    this.flush();
    this.writableEnded = true;
    // Like http.ServerResponse: 'finish' once the last bytes are handed to the socket, then 'close'.
    process.nextTick(() => this.finished(callback));
    this.owner.responseEnded(this, this.keepAlive);
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.socket.destroy(error);
    return this;
  }

  /** The connection closed: a response still open ends here, as http.ServerResponse's does. */
  connectionClosed(): void {
    this.destroyed ||= !this.writableFinished;
    this.emitClose();
  }

  // Stream.pipe() and stream.pipeline() call these on a legacy writable destination.
  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  /**
   * Body bytes are gathered (with the head and chunk framing) until the end of the tick or the
   * response's end, then leave as one socket write: a small proxied answer is one write, not
   * three or four.
   */
  private send(chunk: string | Uint8Array, encoding?: BufferEncoding, callback?: (error?: Error | null) => void): boolean {
    this.queueHead();
    const body = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.bodyless && body.length > 0) {
      if (this.chunked) {
        const size = `${body.length.toString(16)}\r\n`;
        this.queue(size, size.length);
        this.queue(body, body.length);
        this.queue('\r\n', 2);
      } else this.queue(body, body.length);
    }
    let ok: boolean;
    if (callback || this.queuedBytes >= OUTBOX_BYTES) ok = this.flush();
    else {
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        process.nextTick(flushResponse, this);
      }
      // The piece waits for the tick's end, but a socket that is already full must still stop
      // the writer: the proxy only pauses its upstream on `false`.
      ok = !this.socket.writableNeedDrain;
    }
    if (callback) process.nextTick(callback);
    return ok;
  }

  private queueHead(): void {
    if (this.headWritten) return;
    this.headWritten = true;
    this.queue(this.head, this.head.length);
  }

  /** `piece`: a latin1 string (head, chunk framing) or body bytes. */
  private queue(piece: string | Buffer, bytes: number): void {
    this.outbox.push(piece);
    this.queuedBytes += bytes;
  }

  /** Writes what is queued; returns false when the socket wants the writer to wait for 'drain'. */
  flush(): boolean {
    this.flushScheduled = false;
    const pieces = this.outbox;
    if (pieces.length === 0) return !this.socket.writableNeedDrain;
    const bytes = this.queuedBytes;
    this.outbox = [];
    this.queuedBytes = 0;
    const socket = this.socket;
    if (socket.destroyed) return false;
    if (pieces.length === 1) {
      const piece = pieces[0]!;
      return typeof piece === 'string' ? socket.write(piece, 'latin1') : socket.write(piece);
    }
    if (bytes <= OUTBOX_BYTES) {
      const joined = Buffer.allocUnsafe(bytes);
      let at = 0;
      for (const piece of pieces) at += typeof piece === 'string' ? joined.write(piece, at, 'latin1') : piece.copy(joined, at);
      return socket.write(joined);
    }
    socket.cork();
    let ok = true;
    for (const piece of pieces) ok = typeof piece === 'string' ? socket.write(piece, 'latin1') : socket.write(piece);
    socket.uncork();
    return ok;
  }

  private finished(callback?: () => void): void {
    if (!this.closed && !this.socket.destroyed) {
      this.writableFinished = true;
      this.emit('finish');
      callback?.();
    }
    this.emitClose();
  }

  private emitClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

function hasFields(fields: Record<string, OutgoingHttpHeader>): boolean {
  for (const _ in fields) return true;
  return false;
}

function flushResponse(res: Http1Response): void {
  if (res.flushScheduled) res.flush();
}
