// WebSocket (and any HTTP/1.1 Upgrade) pass-through: the handshake goes to a peer, and once
// it answers 101 the two sockets are piped both ways until either side closes.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import type { Exchange } from './exchange.js';
import { rawErrorResponse } from './responses.js';

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
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = value;
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${String(prior)}, ${ex.clientIp}` : ex.clientIp;
  headers['x-real-ip'] = ex.clientIp;
  headers['x-forwarded-proto'] = ex.proto;
  headers['x-forwarded-host'] = req.headers.host ?? ex.host;
  const [host, port] = splitAddress(peer.address);
  const started = performance.now();
  let released = false;
  const release = (ok: boolean) => {
    if (released) return;
    released = true;
    pool.release(peer, { ok, firstByteMs: performance.now() - started });
  };
  const upstream = httpRequest({ host, port, method: req.method, path: req.url, headers, timeout: connectTimeoutMs });
  upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
  upstream.on('upgrade', (res: IncomingMessage, upstreamSocket: Duplex, upstreamHead: Buffer) => {
    upstream.setTimeout(0);
    ex.status = 101;
    ex.upgraded = true;
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${rawHeaderLines(res)}\r\n`);
    if (upstreamHead.length) socket.write(upstreamHead);
    if (head.length) upstreamSocket.write(head);
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) {
        release(true);
        finish();
      }
    };
    upstreamSocket.on('close', onClose);
    socket.on('close', onClose);
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('error', () => upstreamSocket.destroy());
    upstreamSocket.on('end', () => socket.end());
    socket.on('end', () => upstreamSocket.end());
    socket.pipe(upstreamSocket);
    upstreamSocket.pipe(socket);
  });
  upstream.on('response', (res) => {
    // The peer declined the upgrade: relay its answer as an ordinary response.
    ex.status = res.statusCode ?? 502;
    socket.write(`HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n${rawHeaderLines(res)}\r\n`);
    res.pipe(socket);
    res.on('end', () => {
      release(true);
      finish();
    });
  });
  upstream.on('error', (error) => {
    release(false);
    ex.status = 502;
    ex.reason = `upstream_error: ${(error as { code?: string }).code ?? error.message}`;
    if (socket.writable) socket.end(rawErrorResponse(502));
    finish();
  });
  socket.on('error', () => upstream.destroy());
  upstream.end();
}

function rawHeaderLines(res: IncomingMessage): string {
  let out = '';
  for (let i = 0; i < res.rawHeaders.length; i += 2) out += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
  return out;
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  return [host, Number(address.slice(colon + 1))];
}
