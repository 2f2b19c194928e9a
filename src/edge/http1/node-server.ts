// The node:http server behind plain listeners when the lean layer cannot (or is told not to) run
// (see mode.ts). It is configured and wired to behave as the lean layer does where the edge or
// a client can tell the difference:
// - timeouts: client_header through headersTimeout, checked as often as the lean sweep runs;
//   keep-alive through keepAliveTimeout; no whole-request timeout (bodies have client_body);
// - a request without Host reaches the edge, which answers it with its own logged 400;
// - `Expect: 100-continue` is answered when the body is first read, not on arrival, and other
//   expectations are passed on rather than refused with 417;
// - CONNECT goes where an Upgrade goes (the edge refuses it with 400), rather than being cut;
// - a malformed request is reported once per connection, and answered after the valid
//   requests pipelined ahead of it, in order, as nginx does;
// - once the listener is closing, every answer not yet started says `Connection: close`.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { sweepInterval, type Http1Settings } from './server.js';

export interface NodeHttp1Handlers {
  readonly request: (req: IncomingMessage, res: ServerResponse) => void;
  readonly upgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void;
  /** As Http1Handlers.clientError: answer on `socket` (and close), or only record it. */
  readonly clientError: (error: Error & { code?: string }, socket: Socket, answer: boolean) => void;
}

type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };
type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * node:http reports a connection whose parser failed again on each later read; only the first
 * report is acted on (each later one would queue another deferred answer).
 */
const reported = new WeakSet<Socket>();

export function createNodeHttp1Server(settings: Http1Settings, handlers: NodeHttp1Handlers, closing: () => boolean): Server {
  const server = createServer(
    {
      headersTimeout: settings.clientHeaderMs,
      requestTimeout: 0,
      keepAliveTimeout: settings.keepaliveMs,
      maxHeaderSize: settings.maxHeaderSize,
      connectionsCheckingInterval: sweepInterval(settings),
      requireHostHeader: false,
      noDelay: true,
      ServerResponse: closingAwareResponse(closing),
    },
    handlers.request,
  );
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    // As the lean layer (and nginx): 100 Continue only once something reads the body, so a
    // request refused on its headers (413 by Content-Length, a guard) never invites the body.
    req.once('resume', () => {
      if (!res.headersSent && !req.complete && res.writable) res.writeContinue();
    });
    handlers.request(req, res);
  });
  server.on('checkExpectation', handlers.request);
  server.on('upgrade', handlers.upgrade);
  server.on('connect', handlers.upgrade);
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => clientErrorInOrder(error, socket as HttpSocket, handlers));
  return server;
}

/**
 * The response class of one listener: its head says `Connection: close` once the listener is
 * closing (the lean layer's `closing`), so keep-alive clients let go of a listener being removed.
 */
function closingAwareResponse(closing: () => boolean): typeof ServerResponse {
  const writeHead = ServerResponse.prototype.writeHead as unknown as WriteHead;
  class PlainResponse extends ServerResponse {}
  Object.defineProperty(PlainResponse.prototype, 'writeHead', {
    configurable: true,
    writable: true,
    value: function writeHeadClosing(this: ServerResponse, ...args: unknown[]): ServerResponse {
      if (closing()) this.shouldKeepAlive = false;
      return writeHead.apply(this, args);
    },
  });
  return PlainResponse as typeof ServerResponse;
}

/**
 * A malformed request (or a head that timed out) on `socket`: answered at once when nothing is
 * being answered; after the in-flight answers when it was pipelined behind complete requests;
 * as the answer of the request whose own body is broken if that answer has not started, and
 * otherwise only recorded, with the connection cut (its request can no longer complete).
 */
function clientErrorInOrder(error: Error & { code?: string }, socket: HttpSocket, handlers: NodeHttp1Handlers): void {
  if (reported.has(socket)) return;
  reported.add(socket);
  answerWhenDue(error, socket, handlers);
}

function answerWhenDue(error: Error & { code?: string }, socket: HttpSocket, handlers: NodeHttp1Handlers): void {
  if (socket.destroyed) return;
  const inFlight = socket._httpMessage;
  if (inFlight && !inFlight.writableFinished && !inFlight.destroyed) {
    if (inFlight.req.complete) {
      // Node moves the next pipelined response onto the socket as this one finishes.
      inFlight.once('close', () => setImmediate(answerWhenDue, error, socket, handlers));
      return;
    }
    if (inFlight.headersSent) {
      handlers.clientError(error, socket, false);
      socket.destroy();
      return;
    }
  }
  handlers.clientError(error, socket, true);
}
