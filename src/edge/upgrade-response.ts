// The response side of an HTTP/1.1 Upgrade request (WebSocket), so upgrades take the same proxy
// path as requests (peer choice, failover, timeouts, hash keys): until the upstream switches
// protocols this is a response written by hand on the client socket (an answer wharf gives
// itself, or the upstream's refusal relayed with `Connection: close`); once it answers 101 the
// two sockets are piped both ways. 'close' is emitted once, when the exchange is over: the
// client socket closed before a switch, or both sockets closed after it.
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { statusText } from './responses.js';

/** Framing of the upstream's answer does not apply: the body goes out unframed, ended by the close. */
const NOT_RELAYED = new Set(['connection', 'keep-alive', 'transfer-encoding']);

export class UpgradeResponse extends EventEmitter {
  statusCode = 0;
  headersSent = false;
  writableFinished = false;
  private switched = false;
  private closed = false;

  constructor(
    readonly socket: Duplex,
    /** Bytes the client sent after its upgrade request: the first bytes of the new protocol. */
    private readonly clientHead: Buffer,
  ) {
    super();
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      if (!this.switched) this.close();
    });
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  get writableEnded(): boolean {
    return this.writableFinished;
  }

  /** Headers are written in one go by writeHead; nothing is held to merge into. */
  setHeader(): this {
    return this;
  }

  getHeader(): undefined {
    return undefined;
  }

  getHeaderNames(): string[] {
    return [];
  }

  writeHead(status: number, headers: readonly string[] | OutgoingHttpHeaders = []): this {
    this.statusCode = status;
    this.headersSent = true;
    let head = `HTTP/1.1 ${status} ${statusText(status)}\r\n`;
    const add = (name: string, value: unknown) => {
      if (!NOT_RELAYED.has(name.toLowerCase())) head += `${name}: ${String(value)}\r\n`;
    };
    if (Array.isArray(headers)) for (let i = 0; i < headers.length; i += 2) add(headers[i]!, headers[i + 1]);
    else for (const [name, value] of Object.entries(headers)) for (const one of Array.isArray(value) ? value : [value]) add(name, one);
    this.socket.write(`${head}Connection: close\r\n\r\n`, 'latin1');
    return this;
  }

  write(chunk: Buffer | string): boolean {
    return this.socket.write(chunk);
  }

  end(chunk?: Buffer | string): this {
    this.writableFinished = true;
    if (chunk !== undefined) this.socket.end(chunk);
    else this.socket.end();
    return this;
  }

  destroy(): this {
    this.socket.destroy();
    return this;
  }

  /**
   * The upstream answered 101 on `upstream`: relay its head, then pipe both ways until both
   * sides closed; `ended` runs then, before 'close'.
   */
  switchProtocols(rawHeaders: readonly (Buffer | string)[], upstream: Duplex, ended: () => void): void {
    this.switched = true;
    this.statusCode = 101;
    this.headersSent = true;
    const client = this.socket;
    let open = 2;
    const closed = () => {
      if (--open > 0) return;
      ended();
      this.close();
    };
    upstream.once('close', closed);
    upstream.on('error', () => client.destroy());
    upstream.on('end', () => client.end());
    if (client.destroyed) {
      closed();
      upstream.destroy();
      return;
    }
    client.once('close', closed);
    client.on('end', () => upstream.end());
    client.on('error', () => upstream.destroy());
    let head = 'HTTP/1.1 101 Switching Protocols\r\n';
    for (let i = 0; i < rawHeaders.length; i += 2) head += `${latin1(rawHeaders[i]!)}: ${latin1(rawHeaders[i + 1]!)}\r\n`;
    client.write(`${head}\r\n`, 'latin1');
    if (this.clientHead.length) upstream.write(this.clientHead);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

const latin1 = (text: Buffer | string): string => (typeof text === 'string' ? text : text.toString('latin1'));
