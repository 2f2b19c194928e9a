// The lean HTTP/1.1 server behind plain-HTTP listeners: net sockets, llhttp, hand-framed
// responses (see connection.ts). Header and keep-alive timeouts are enforced the way Node's
// http.Server does it, by one sweep over the connections rather than a timer per request.
import { createServer, type Server, type Socket } from 'node:net';
import { Http1Connection, type ConnectionHost } from './connection.js';
import type { ParserError } from './llhttp.js';
import type { Http1Request } from './request.js';
import type { Http1Response } from './response.js';

export interface Http1Settings {
  readonly clientHeaderMs: number;
  readonly keepaliveMs: number;
  readonly maxHeaderSize: number;
}

export interface Http1Handlers {
  readonly request: (req: Http1Request, res: Http1Response) => void;
  readonly upgrade: (req: Http1Request, socket: Socket, head: Buffer) => void;
  /** A malformed or timed-out request: answer it on `socket` (and close), or only record it. */
  readonly clientError: (error: Error & { code?: string }, socket: Socket, answer: boolean) => void;
}

export class Http1Server implements ConnectionHost {
  readonly server: Server;
  closing = false;
  private readonly connections = new Set<Http1Connection>();
  private settings: Http1Settings;
  private sweeper: NodeJS.Timeout | undefined;
  private dateText = '';
  private dateAt = 0;

  constructor(
    settings: Http1Settings,
    private readonly handlers: Http1Handlers,
  ) {
    this.settings = settings;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get maxHeaderSize(): number {
    return this.settings.maxHeaderSize;
  }

  get keepAliveSeconds(): number {
    return Math.floor(this.settings.keepaliveMs / 1000);
  }

  /** Applies to the next sweep, and to connections accepted from now on (header size). */
  updateSettings(settings: Http1Settings): void {
    this.settings = settings;
    if (this.sweeper) this.startSweeping();
  }

  date(): string {
    const now = Date.now();
    if (now - this.dateAt >= 1000) {
      this.dateAt = now - (now % 1000);
      this.dateText = new Date(now).toUTCString();
    }
    return this.dateText;
  }

  onRequest(req: Http1Request, res: Http1Response): void {
    this.handlers.request(req, res);
  }

  onUpgrade(req: Http1Request, socket: Socket, head: Buffer): void {
    this.handlers.upgrade(req, socket, head);
  }

  onParseError(error: ParserError, socket: Socket, answer: boolean): void {
    this.handlers.clientError(error, socket, answer);
  }

  release(connection: Http1Connection): void {
    this.connections.delete(connection);
  }

  listen(options: { host: string; port: number; backlog: number }, ready: () => void): void {
    this.server.listen(options, ready);
    this.startSweeping();
  }

  /** Stops accepting; answers still under way finish, after which their connections close. */
  close(done: () => void): void {
    this.closing = true;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.server.close(() => done());
  }

  closeIdleConnections(): void {
    for (const connection of this.connections) connection.closeIfIdle();
  }

  closeAllConnections(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.connections.add(new Http1Connection(socket, this));
  }

  private startSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = setInterval(() => this.sweep(), sweepInterval(this.settings)).unref();
  }

  private sweep(): void {
    const now = performance.now();
    const { clientHeaderMs, keepaliveMs } = this.settings;
    for (const connection of this.connections) {
      const age = now - connection.since;
      if (connection.phase === 'head' && clientHeaderMs > 0 && age > clientHeaderMs) {
        this.connections.delete(connection);
        this.handlers.clientError(Object.assign(new Error('request header timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), connection.socket, true);
      } else if (connection.phase === 'idle' && age > keepaliveMs) {
        connection.socket.destroy();
      }
    }
  }
}

/**
 * How often the sweep runs: often enough that an idle keep-alive connection closes within about
 * a tenth of `keepalive` after it (nginx closes at keepalive_timeout), and a slow head within a
 * quarter of `client_header`; never more often than every 25 ms, never less than every 5 s.
 */
export function sweepInterval(settings: Http1Settings): number {
  const wanted = Math.min(settings.clientHeaderMs / 4, settings.keepaliveMs / 10);
  return Math.max(25, Math.min(5000, Math.floor(wanted)));
}
