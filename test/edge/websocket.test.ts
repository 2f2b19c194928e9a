// WebSocket upgrades pass through the edge: the handshake reaches the upstream with the
// forwarding headers, and frames flow both ways until either side closes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';

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
