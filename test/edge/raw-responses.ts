// Reading HTTP/1.1 responses off a raw socket with a strict parser, so tests check the framing
// itself (Content-Length, chunked, close-delimited, HEAD, 1xx/204/304) rather than a client
// library's tolerance of it.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { openSocket } from './raw-http.js';

export interface Response { readonly status: number; readonly headers: Record<string, string>; readonly body: Buffer }

/** One response at the start of `buf`, or undefined while more bytes are needed. Throws on bad framing. */
export function parseResponse(buf: Buffer, closed: boolean, bodiless: boolean): { res: Response; used: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})( .*)?$/.exec(statusLine);
  assert.ok(match, `not a status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const status = Number(match[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    assert.ok(colon > 0, `bad header line ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const done = (body: Buffer, used: number) => ({ res: { status, headers, body: Buffer.from(body) }, used });
  let at = end + 4;
  if (bodiless || status < 200 || status === 204 || status === 304) return done(Buffer.alloc(0), at);
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    assert.match(te, /(^|,)\s*chunked$/i);
    assert.equal(headers['content-length'], undefined, 'Content-Length alongside Transfer-Encoding');
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const sizeText = buf.subarray(at, lineEnd).toString('latin1').split(';')[0]!.trim();
      assert.match(sizeText, /^[0-9a-f]+$/i, 'chunk size');
      const size = parseInt(sizeText, 16);
      if (size === 0) {
        for (let line = lineEnd + 2; ;) {
          const next = buf.indexOf('\r\n', line);
          if (next < 0) return undefined;
          if (next === line) return done(Buffer.concat(parts), next + 2);
          line = next + 2;
        }
      }
      if (buf.length < lineEnd + size + 4) return undefined;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      assert.equal(buf.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString('latin1'), '\r\n', 'CRLF after chunk data');
      at = lineEnd + 4 + size;
    }
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    assert.match(length, /^\d+$/);
    const n = Number(length);
    return buf.length >= at + n ? done(buf.subarray(at, at + n), at + n) : undefined;
  }
  return closed ? done(buf.subarray(at), buf.length) : undefined;
}

/** A client connection that reads whole responses, in order, off one socket. */
export class Conn {
  private buf = Buffer.alloc(0);
  closed = false;
  private wake = () => {};

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    for (const event of ['end', 'close', 'error']) socket.on(event, () => this.take());
  }

  private take(chunk?: Buffer): void {
    if (chunk) this.buf = Buffer.concat([this.buf, chunk]);
    else this.closed = true;
    this.wake();
  }

  static async open(port: number): Promise<Conn> {
    return new Conn(await openSocket(port));
  }

  async write(bytes: string | Buffer): Promise<void> {
    if (!this.socket.write(bytes)) await new Promise((resolve) => this.socket.once('drain', resolve));
  }

  private get shown(): string {
    return JSON.stringify(this.buf.toString('latin1').slice(0, 200));
  }

  private async until<T>(check: () => T | undefined, ms: number, what: string): Promise<T> {
    const deadline = Date.now() + ms;
    for (let value = check(); ; value = check()) {
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms; buffered: ${this.shown}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next complete response (`bodiless` for the answer to a HEAD). */
  response(bodiless = false, ms = 5000): Promise<Response> {
    return this.until(() => {
      const parsed = parseResponse(this.buf, this.closed, bodiless);
      if (!parsed && this.closed) throw new Error(`closed before a whole response; buffered: ${this.shown}`);
      if (!parsed) return undefined;
      this.buf = this.buf.subarray(parsed.used);
      return parsed.res;
    }, ms, 'response');
  }

  /** True once the server has closed the connection; false if still open after `ms`. */
  closedWithin(ms: number): Promise<boolean> {
    return this.until(() => (this.closed ? true : undefined), ms, 'close').catch(() => false);
  }

  /** Bytes received but not part of any response read so far. */
  get leftover(): number {
    return this.buf.length;
  }
}
