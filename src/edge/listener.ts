// One listening socket: plain HTTP/1.1, or TLS offering HTTP/2 and HTTP/1.1 by ALPN.
// Owns its sockets so a shutdown can stop accepting, let in-flight work finish, then close
// what is left (keep-alive, HTTP/2 sessions, upgraded WebSockets).
import { type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureServer, type Http2SecureServer, type Http2Session, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { Server as NetServer, Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { ListenConfig } from '../config/model.js';
import type { Logger } from '../observe/logger.js';
import { formatAddress } from '../net/address.js';
import { CertificateStore } from './tls.js';
import type { EdgeHandler } from './edge-handler.js';
import { rawErrorResponse } from './responses.js';
import { Http1Server } from './http1/server.js';
import type { Http1Request } from './http1/request.js';
import { http1Mode } from './http1/mode.js';
import { createNodeHttp1Server } from './http1/node-server.js';
import { AcceptHandles } from '../net/accept-handles.js';

export interface ListenerSettings {
  readonly clientHeaderMs: number;
  readonly keepaliveMs: number;
  readonly maxHeaderSize: number;
  readonly http2MaxConcurrentStreams: number;
}

type NodeServer = HttpServer | Http2SecureServer;

const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  ERR_HTTP_HEADERS_TIMEOUT: 408,
};

export function listenerKey(config: ListenConfig): string {
  return `${formatAddress(config)}${config.tls ? '+tls' : ''}${config.http2 ? '+h2' : ''}`;
}

export class Listener {
  readonly key: string;
  /**
   * Plain HTTP runs on wharf's own HTTP/1.1 layer, or on node:http when that layer cannot run
   * (see http1/mode.ts); TLS (and HTTP/2) on Node's servers.
   */
  private readonly server: NodeServer | Http1Server;
  private closing = false;
  private readonly certs: CertificateStore | undefined;
  private readonly sessions = new Set<Http2Session>();
  private readonly upgraded = new Set<Duplex>();
  private connections = 0;
  private accepting: AcceptHandles | undefined;

  constructor(
    readonly config: ListenConfig,
    private readonly edge: EdgeHandler,
    settings: ListenerSettings,
    private readonly logger: Logger,
    private readonly onClientError: (status: number, code: string, remoteAddress: string) => void,
    /** Handles polling the listening socket, each accepting one connection per event-loop turn. */
    private readonly acceptHandles = 1,
  ) {
    this.key = listenerKey(config);
    const proto = config.tls ? 'https' : 'http';
    // As configured (port 0 stays 0): routes name their listeners this way.
    const address = formatAddress(config);
    const onRequest = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => edge.handleRequest(req, res, proto, address);
    const http1 = {
      headersTimeout: settings.clientHeaderMs,
      // Bodies have their own idle timeout (client_body); a whole-request cap would cut big uploads.
      requestTimeout: 0,
      keepAliveTimeout: settings.keepaliveMs,
      maxHeaderSize: settings.maxHeaderSize,
      connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(settings.clientHeaderMs / 4))),
      noDelay: true,
    };
    if (config.tls) {
      this.certs = new CertificateStore(config.tls, logger);
      const certs = this.certs;
      // A client that connects and never finishes the handshake is cut like one that never sends headers.
      const tls = { ...certs.defaultPair, SNICallback: certs.sni, minVersion: 'TLSv1.2' as const, handshakeTimeout: settings.clientHeaderMs };
      this.server = config.http2
        ? createSecureServer({ ...tls, allowHTTP1: true, maxSessionMemory: 32, settings: h2Settings(settings) }, onRequest as never)
        : createHttpsServer({ ...tls, ...http1 }, onRequest as never);
      if (config.http2) {
        // HTTP/1.1 clients of an HTTP/2 listener are served by Node's HTTP/1 code, which reads its
        // settings from these server properties (the constructor options do not reach it).
        Object.assign(this.server, {
          headersTimeout: http1.headersTimeout,
          keepAliveTimeout: http1.keepAliveTimeout,
          requestTimeout: 0,
          connectionsCheckingInterval: http1.connectionsCheckingInterval,
          maxHeaderSize: http1.maxHeaderSize,
          requireHostHeader: true,
        });
        this.server.on('session', (session: Http2Session) => {
          this.sessions.add(session);
          session.once('close', () => this.sessions.delete(session));
        });
        // An HTTP/2 connection with no stream activity for the keep-alive time is closed (GOAWAY).
        this.server.setTimeout(settings.keepaliveMs);
        this.server.on('timeout', (session: Http2Session | undefined) => session?.close());
      }
      certs.onChange(() => (this.server as TlsServer).setSecureContext({ ...certs.defaultPair, minVersion: 'TLSv1.2' }));
    } else if (http1Mode(logger) === 'lean') {
      this.server = new Http1Server(settings, {
        request: (req, res) => edge.handleRequest(req, res, proto, address),
        upgrade: (req, socket, head) => this.upgrade(req, socket, head, proto),
        clientError: (error, socket, answer) => this.clientError(error, socket, answer),
      });
    } else {
      this.server = createNodeHttp1Server(
        settings,
        {
          request: (req, res) => edge.handleRequest(req, res, proto, address),
          upgrade: (req, socket, head) => this.upgrade(req, socket, head, proto),
          clientError: (error, socket, answer) => this.clientError(error, socket, answer),
        },
        () => this.closing,
      );
    }
    const server = this.nodeServer;
    if (config.tls) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head, proto));
      server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => this.clientError(error, socket as Socket, true));
    }
    server.on('connection', (socket: Socket) => {
      this.connections++;
      socket.once('close', () => this.connections--);
    });
  }

  /** Client TCP connections open on this listener. */
  get openConnections(): number {
    return this.connections;
  }

  /** Upgraded (WebSocket) connections open on this listener. */
  get openWebSockets(): number {
    return this.upgraded.size;
  }

  /** Config reload: timeouts and header limits apply to connections accepted from now on. */
  updateSettings(settings: ListenerSettings): void {
    if (this.server instanceof Http1Server) {
      this.server.updateSettings(settings);
      return;
    }
    Object.assign(this.server, {
      headersTimeout: settings.clientHeaderMs,
      keepAliveTimeout: settings.keepaliveMs,
      maxHeaderSize: settings.maxHeaderSize,
    });
    if (this.config.tls && this.config.http2) {
      const server = this.server as Http2SecureServer;
      server.setTimeout(settings.keepaliveMs);
      server.updateSettings(h2Settings(settings));
    }
  }

  get port(): number {
    const address = this.nodeServer.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get host(): string {
    return this.config.host;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(Object.assign(new Error(`cannot listen on ${formatAddress(this.config)}: ${error.message}`), { code: 'WHARF_LISTEN_FAILED' }));
      const server = this.nodeServer;
      server.once('error', onError);
      this.server.listen({ host: this.config.host, port: this.config.port, backlog: 1024 }, () => {
        server.off('error', onError);
        server.on('error', (error) => this.logger.error({ err: error.message, listen: this.key }, 'listener error'));
        resolve();
      });
    });
    if (this.acceptHandles <= 1) return;
    try {
      const accepting = await AcceptHandles.add(this.nodeServer, this.acceptHandles - 1);
      // Closed while the copies were being made: they must not keep the port listening.
      if (this.closing) await accepting.close();
      else this.accepting = accepting;
    } catch (error) {
      // Serving is unaffected; only a burst of new connections waits longer to be accepted.
      const { message, code } = error as Error & { code?: string };
      this.logger.warn({ listen: this.key, err: message, code }, 'accepting through one handle');
    }
  }

  /** Config reload: new certificate files take effect for new handshakes. */
  updateCertificates(config: ListenConfig): void {
    if (this.certs && config.tls) this.certs.replace(config.tls);
  }

  /**
   * Stops accepting at once; once no request is in flight (or the deadline passes) cuts what is
   * left: by then the remaining connections are idle keep-alive ones with nothing to finish.
   */
  async close(deadline: Promise<void>): Promise<void> {
    this.closing = true;
    const closed = Promise.all([new Promise<void>((resolve) => this.server.close(() => resolve())), this.accepting?.close()]);
    this.closeIdle();
    for (const session of this.sessions) session.close();
    await Promise.race([this.edge.idle(), deadline]);
    if (this.server instanceof Http1Server) this.server.closeAllConnections();
    else (this.server as HttpServer).closeAllConnections?.();
    for (const session of this.sessions) session.destroy();
    for (const socket of this.upgraded) socket.destroy();
    this.certs?.close();
    await closed;
  }

  /** The socket-level server: what listens, has an address, and reports connections. */
  private get nodeServer(): NodeServer | NetServer {
    return this.server instanceof Http1Server ? this.server.server : this.server;
  }

  private closeIdle(): void {
    if (this.server instanceof Http1Server) this.server.closeIdleConnections();
    else (this.server as HttpServer).closeIdleConnections?.();
  }

  private upgrade(req: IncomingMessage | Http1Request, socket: Duplex, head: Buffer, proto: 'http' | 'https'): void {
    this.upgraded.add(socket);
    socket.once('close', () => this.upgraded.delete(socket));
    this.edge.handleUpgrade(req, socket, head, proto, formatAddress(this.config));
  }

  /** `answer`: nothing else is being written on the socket, so the error status can be sent. */
  private clientError(error: Error & { code?: string }, socket: Socket, answer: boolean): void {
    const code = error.code ?? 'ERR';
    // TLS failures (handshake timeout, bad hello) happen before there is HTTP to answer with;
    // writing to a socket that never finished its handshake would wait for it forever.
    if (code === 'ECONNRESET' || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = CLIENT_ERROR_STATUS[code] ?? 400;
    this.onClientError(status, code, socket.remoteAddress ?? '');
    if (!answer) return;
    socket.end(rawErrorResponse(status));
    socket.destroySoon?.();
  }
}

/** What an HTTP/2 session announces: a bounded stream count (Node's default is 2^32-1), the header list size. */
function h2Settings(settings: ListenerSettings) {
  return { maxHeaderListSize: settings.maxHeaderSize, maxConcurrentStreams: settings.http2MaxConcurrentStreams };
}
