// WebSocket (and any HTTP/1.1 Upgrade) pass-through: the handshake goes to a peer, and once
// it answers 101 the two sockets are piped both ways until either side closes.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import type { Exchange } from './exchange.js';
import { rawErrorResponse } from './responses.js';
import { headerObject, upstreamRequestHeaders } from './headers.js';

export function proxyUpgrade(ex: Exchange, socket: Duplex, head: Buffer, pool: UpstreamPool, connectTimeoutMs: number, finish: () => void): void {
  const req = ex.req as IncomingMessage;
  ex.pool = pool.name;
  const peer = pool.select({ clientIp: ex.clientIp }, new Set());
  if (!peer) {
    ex.status = 503;
    ex.reason = 'no_healthy_upstream';
    socket.end(rawErrorResponse(503));
    finish();
    return;
  }
  // The same rewriting as any proxied request, then the two hop-by-hop headers an upgrade needs.
  const headers = headerObject(
    upstreamRequestHeaders(req.rawHeaders, {
      clientIp: ex.clientIp,
      proto: ex.proto,
      host: ex.hostHeader || ex.host,
      hostOverride: pool.config.hostHeader,
    }),
  );
  headers.connection = 'upgrade';
  if (req.headers.upgrade !== undefined) headers.upgrade = req.headers.upgrade;
  const [host, port] = splitAddress(peer.address);
  const started = performance.now();
  let released = false;
  const release = (ok: boolean) => {
    if (released) return;
    released = true;
    pool.release(peer, { ok, firstByteMs: performance.now() - started });
  };
  let upgraded = false;
  // agent: false — the upgraded socket leaves HTTP for good, so it never belongs in a pool.
  const upstream = httpRequest({ host, port, method: req.method, path: req.url, headers, timeout: connectTimeoutMs, agent: false });
  upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })));
  // A client gone before the upstream answered: drop the handshake, count the exchange as done.
  const onEarlyClose = () => {
    if (upgraded) return;
    upstream.destroy();
    release(true);
    ex.reason ||= 'client_aborted';
    finish();
  };
  socket.once('close', onEarlyClose);
  socket.on('error', () => upstream.destroy());
  upstream.on('upgrade', (res: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
    upgraded = true;
    upstream.setTimeout(0);
    socket.off('close', onEarlyClose);
    ex.status = 101;
    ex.upgraded = true;
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) {
        release(true);
        finish();
      }
    };
    upstreamSocket.once('close', onClose);
    upstreamSocket.on('error', () => socket.destroy());
    upstreamSocket.on('end', () => socket.end());
    if (socket.destroyed) {
      closed++;
      upstreamSocket.destroy();
      return;
    }
    socket.once('close', onClose);
    socket.on('error', () => upstreamSocket.destroy());
    socket.on('end', () => upstreamSocket.end());
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${rawHeaderLines(res, false)}\r\n`);
    if (upstreamHead.length) socket.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    socket.pipe(upstreamSocket);
    upstreamSocket.pipe(socket);
  });
  upstream.on('response', (res) => {
    // The peer declined the upgrade: relay its answer as an ordinary response. Node already
    // removed the body's framing, so it goes out unframed and the connection end marks its end.
    upgraded = true;
    socket.off('close', onEarlyClose);
    ex.status = res.statusCode ?? 502;
    socket.write(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n${rawHeaderLines(res, true)}Connection: close\r\n\r\n`);
    res.pipe(socket);
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      release(true);
      finish();
    };
    res.once('end', end);
    res.once('close', end);
    socket.once('close', () => {
      res.destroy();
      end();
    });
  });
  upstream.on('error', (error) => {
    if (upgraded) return;
    upgraded = true;
    socket.off('close', onEarlyClose);
    release(false);
    const code = (error as { code?: string }).code ?? '';
    ex.status = code === 'ETIMEDOUT' ? 504 : 502;
    ex.reason = code === 'ETIMEDOUT' ? 'upstream_timeout' : code === 'ECONNREFUSED' ? 'upstream_connect_error' : `upstream_error: ${code || error.message}`;
    if (socket.writable) socket.end(rawErrorResponse(ex.status));
    finish();
  });
  upstream.end();
}

const FRAMING = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** The upstream's header lines; `unframed` drops the framing and connection headers. */
function rawHeaderLines(res: IncomingMessage, unframed: boolean): string {
  let out = '';
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!;
    if (unframed && FRAMING.has(name.toLowerCase())) continue;
    out += `${name}: ${res.rawHeaders[i + 1]}\r\n`;
  }
  return out;
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  return [host, Number(address.slice(colon + 1))];
}
