// WebSocket upgrades pass through the edge: the handshake reaches the upstream with the
// forwarding headers, and frames flow both ways until either side closes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { interopRequired, startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { makeCert, opensslAvailable } from './certs.js';

describe('WebSocket pass-through', () => {
  let backend: Backend;
  let wss: WebSocketServer;
  const handshakes: IncomingMessage[] = [];
  const closedOnServer: number[] = [];
  let w: RunningWharf;

  before(async () => {
    backend = await startBackend('ws');
    wss = new WebSocketServer({ server: backend.server });
    wss.on('connection', (socket, req) => {
      handshakes.push(req);
      socket.send(JSON.stringify({ hello: req.url }));
      socket.on('message', (data, isBinary) => socket.send(isBinary ? data : `echo:${String(data)}`, { binary: isBinary }));
      socket.on('close', (code) => closedOnServer.push(code));
    });
    w = await startWharf(`${LOOPBACK}access_log_format: json
upstreams:
  ws: { servers: [${backend.address}] }
routes:
  - path: /ws
    proxy: ws
`);
  });

  after(async () => {
    await w?.stop();
    for (const client of wss?.clients ?? []) client.terminate();
    wss?.close();
    await backend?.close();
  });

  function connectWs(path: string): Promise<{ ws: WebSocket; messages: (string | Buffer)[]; next: () => Promise<string | Buffer> }> {
    const ws = new WebSocket(`${w.baseUrl.replace('http', 'ws')}${path}`, { headers: { 'x-forwarded-for': '198.51.100.9' } });
    const messages: (string | Buffer)[] = [];
    const waiters: ((m: string | Buffer) => void)[] = [];
    ws.on('message', (data: Buffer, isBinary) => {
      const message = isBinary ? data : data.toString();
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else messages.push(message);
    });
    const next = () => {
      const queued = messages.shift();
      return queued !== undefined ? Promise.resolve(queued) : new Promise<string | Buffer>((resolve) => waiters.push(resolve));
    };
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, messages, next }));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
  }

  test('text and binary frames flow both ways', async () => {
    const { ws, next } = await connectWs('/ws/chat?room=1');
    assert.deepEqual(JSON.parse(String(await next())), { hello: '/ws/chat?room=1' });
    ws.send('ping');
    assert.equal(await next(), 'echo:ping');
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    big.writeUInt32BE(0xdeadbeef, big.length - 4);
    ws.send(big);
    const back = (await next()) as Buffer;
    assert.ok(Buffer.isBuffer(back));
    assert.equal(back.length, big.length);
    assert.ok(back.equals(big));
    for (let i = 0; i < 50; i++) ws.send(`m${i}`);
    for (let i = 0; i < 50; i++) assert.equal(await next(), `echo:m${i}`);
    const closing = Promise.all([once(ws, 'close')]);
    ws.close(1000, 'bye');
    await closing;
    for (let i = 0; i < 50 && closedOnServer.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(closedOnServer, [1000]);
  });

  test('the upstream handshake carries the forwarding headers', async () => {
    const { ws } = await connectWs('/ws/headers');
    const req = handshakes.at(-1)!;
    assert.equal(req.url, '/ws/headers');
    assert.equal(req.headers['x-forwarded-for'], '198.51.100.9, 127.0.0.1');
    assert.equal(req.headers['x-real-ip'], '127.0.0.1');
    assert.equal(req.headers['x-forwarded-proto'], 'http');
    assert.equal(req.headers.host, new URL(w.baseUrl).host);
    assert.equal(String(req.headers.upgrade).toLowerCase(), 'websocket');
    ws.close();
    await once(ws, 'close');
  });

  test('the upstream closing ends the client connection, and the upgrade is logged as 101', async () => {
    const { ws, next } = await connectWs('/ws/server-close');
    await next();
    const serverSide = [...wss.clients].at(-1)!;
    const closed = once(ws, 'close');
    serverSide.close(4001, 'done');
    const [code] = (await closed) as [number];
    assert.equal(code, 4001);
    let line: { status: number; upgraded?: boolean; url: string } | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = w.accessLines.map((l) => JSON.parse(l) as { status: number; upgraded?: boolean; url: string }).find((l) => l.url === '/ws/server-close');
      if (!line) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(line?.status, 101);
    assert.equal(line?.upgraded, true);
  });

  test('an upgrade to a path without a route is refused with 404', async () => {
    await assert.rejects(connectWs('/elsewhere'), /404/);
  });
});

describe('WebSocket pass-through: refusals, TLS, early close', () => {
  let backend: Backend;
  let wss: WebSocketServer;
  let dir: string;
  let w: RunningWharf;
  let refusedPort: number;
  const tls = opensslAvailable();

  before(async () => {
    backend = await startBackend('ws2', (req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('no websockets for you');
    });
    wss = new WebSocketServer({ noServer: true });
    backend.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url?.startsWith('/ws/forbidden')) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nforbidden\r\n0\r\n\r\n');
        return;
      }
      const delay = req.url?.startsWith('/ws/slow') ? 500 : 0;
      setTimeout(() => {
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(`tls-echo:${String(data)}`)));
      }, delay);
    });
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    dir = mkdtempSync(join(tmpdir(), 'wharf-ws-'));
    const cert = tls ? makeCert(dir, 'ws', ['ws.test']) : undefined;
    w = await startWharf(
      `listen:
  - 127.0.0.1:0
${cert ? `  - address: 127.0.0.1:0\n    tls: { cert: ${cert.cert}, key: ${cert.key} }\n` : ''}control: { address: 127.0.0.1:0 }
access_log_format: json
timeouts: { shutdown: 10s }
upstreams:
  ws2: { servers: [${backend.address}] }
  gone: { servers: [127.0.0.1:${refusedPort}] }
routes:
  - { path: /gone, proxy: gone }
  - { path: /, proxy: ws2 }
`,
      { dir },
    );
  });

  after(async () => {
    await w?.stop();
    wss?.close();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function refusal(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { rejectUnauthorized: false });
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
  }

  test('an upstream that declines the upgrade: its status and body reach the client intact', async () => {
    const { status, body } = await refusal(`${w.urls[0]!.replace('http', 'ws')}/ws/forbidden`);
    assert.equal(status, 403);
    assert.equal(body, 'forbidden');
  });

  test('an upstream that refuses the connection: 502', async () => {
    const { status } = await refusal(`${w.urls[0]!.replace('http', 'ws')}/gone/ws`);
    assert.equal(status, 502);
  });

  test('wss:// through the TLS listener', { skip: !tls && !interopRequired() ? 'openssl CLI not installed' : false }, async () => {
    const ws = new WebSocket(`${w.urls[1]!.replace('https', 'wss')}/ws/secure`, { rejectUnauthorized: false });
    await once(ws, 'open');
    const reply = once(ws, 'message');
    ws.send('over-tls');
    assert.equal(String(((await reply) as [Buffer])[0]), 'tls-echo:over-tls');
    ws.close();
    await once(ws, 'close');
  });

  test('a client that leaves before the upstream answers does not hold up shutdown', async () => {
    const socket = createConnection(Number(new URL(w.urls[0]!).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /ws/slow HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 700));
    const started = Date.now();
    await w.stop();
    assert.ok(Date.now() - started < 5000, `shutdown waited ${Date.now() - started} ms for a connection that was gone`);
  });
});
