// limit_conn through a running wharf: concurrent slow requests, aborts that must not leak
// slots, and WebSockets holding a slot while open.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { rawExchange, startStack, type Stack } from './e2e-support.js';

describe('limit_conn through wharf', () => {
  let stack: Stack;
  let wss: WebSocketServer;
  const held: ServerResponse[] = [];

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (url.includes('/hold')) {
      held.push(res);
      // Requests wharf gave up on (client aborts) leave the list when their connection goes.
      res.once('close', () => {
        const index = held.indexOf(res);
        if (index >= 0) held.splice(index, 1);
      });
      return;
    }
    if (url.includes('/reset')) {
      req.socket.destroy();
      return;
    }
    if (url.includes('/late')) {
      setTimeout(() => res.end('late'), Number(new URL(url, 'http://x').searchParams.get('ms') ?? 5));
      return;
    }
    res.end('ok');
  };
  const release = () => {
    for (const res of held.splice(0)) res.end('released');
  };

  before(async () => {
    stack = await startStack(`  - path: /c
    proxy: backend
    limit_conn: { per_ip: 3, total: 3 }
  - path: /slow-read
    proxy: backend
    limit_conn: { per_ip: 2 }
  - path: /ws
    proxy: backend
    limit_conn: { per_ip: 1 }`, { top: 'timeouts: { upstream_read: 300ms }\n', handler });
    wss = new WebSocketServer({ server: stack.backend.server });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  });
  after(async () => {
    release();
    wss?.close();
    await stack?.close();
  });

  /**
   * Holds `limit` concurrent requests at the upstream; undefined once all got there, or the
   * statuses of those refused. Exchanges wharf has not finished cleaning up may still hold
   * slots for a moment on a loaded machine, so callers retry within a deadline: a leaked
   * slot never comes back.
   */
  async function holdAll(path: string, limit: number): Promise<Promise<{ status: number }>[] | undefined> {
    const pending = Array.from({ length: limit }, () => stack.get(`${path}/hold`));
    let refused = false;
    for (const reply of pending) void reply.then((r) => (refused ||= r.status !== 200));
    const deadline = Date.now() + 5000;
    while (held.length < limit && !refused && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (held.length >= limit && !refused) return pending;
    release();
    await Promise.all(pending);
    return undefined;
  }

  /** N+1 concurrent held requests: exactly one 503, then every slot comes back. */
  async function assertSlots(path: string, limit: number, settleMs = 0): Promise<void> {
    const deadline = Date.now() + settleMs;
    let pending = await holdAll(path, limit);
    while (pending === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      pending = await holdAll(path, limit);
    }
    assert.ok(pending, `${limit} concurrent requests were admitted and reached the upstream`);
    assert.equal(held.length, limit);
    const extra = await stack.get(`${path}/hold`);
    assert.equal(extra.status, 503);
    release();
    const replies = await Promise.all(pending);
    assert.deepEqual(replies.map((r) => r.status), Array(limit).fill(200));
  }

  test('N+1 concurrent slow requests give exactly one 503', async () => {
    await assertSlots('/c', 3);
  });

  test('after 10,000 requests ending every way (client aborts, upstream errors, timeouts), no slot is leaked', async () => {
    const { baseUrl } = stack.wharf;
    const ends = ['/c/hold', '/c/reset', '/c/late?ms=1', '/c/late?ms=1000', '/c/ok'];
    let next = 0;
    const worker = async () => {
      while (next < 10_000) {
        const i = next++;
        const path = ends[i % ends.length]!;
        const { socket, response } = rawExchange(baseUrl, `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
        // Abort at different moments: before, during and after the upstream answers.
        const abortAfter = i % 4 === 0 ? 0 : i % 4 === 1 ? 2 : 15;
        if (abortAfter === 0) socket.destroy();
        else setTimeout(() => socket.destroy(), abortAfter);
        await response;
        if (i % 50 === 0) release();
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    // Let aborted upstream requests and 300 ms read timeouts finish on the wharf side: wait
    // until no held request has shown up for 500 ms (bounded).
    const deadline = Date.now() + 5000;
    let quietSince = Date.now();
    while (Date.now() - quietSince < 500 && Date.now() < deadline) {
      if (held.length > 0) quietSince = Date.now();
      release();
      await new Promise((r) => setTimeout(r, 20));
    }
    await assertSlots('/c', 3, 10_000);
  });

  test('a client reading slowly holds its slot until the response is done', async () => {
    const first = rawExchange(stack.wharf.baseUrl, 'GET /slow-read/hold HTTP/1.1\r\nHost: t\r\n\r\n');
    const second = rawExchange(stack.wharf.baseUrl, 'GET /slow-read/hold HTTP/1.1\r\nHost: t\r\n\r\n');
    const deadline = Date.now() + 3000;
    while (held.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await stack.get('/slow-read/x')).status, 503);
    first.socket.destroy();
    second.socket.destroy();
    release();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await stack.get('/slow-read/x')).status, 200);
  });

  test('an open WebSocket holds a slot until it closes', async () => {
    const url = `${stack.wharf.baseUrl.replace('http', 'ws')}/ws/socket`;
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send('ping');
    const echoed = await new Promise<string>((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())));
    assert.equal(echoed, 'ping');
    assert.equal((await stack.get('/ws/x')).status, 503, 'the open WebSocket counts');
    const refused = new WebSocket(url);
    const refusal = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => resolve(101));
      refused.once('error', () => resolve(-1));
    });
    refused.terminate();
    assert.equal(refusal, 503, 'a second WebSocket is refused');
    socket.close();
    await new Promise((resolve) => socket.once('close', resolve));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await stack.get('/ws/x')).status, 200, 'closing the WebSocket frees the slot');
  });
});
