// WebSocket upgrades take the proxy path requests take: a refused server is followed by the
// next one (then the backups), the pool's own timeouts apply to the handshake, and a hash
// key pins a client to one server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { freePort } from '../balance/nginx-harness.js';

async function wsBackend(id: string): Promise<{ backend: Backend; wss: WebSocketServer }> {
  const backend = await startBackend(id, (_req, res) => res.end(id));
  const wss = new WebSocketServer({ server: backend.server });
  wss.on('connection', (socket) => socket.send(id));
  return { backend, wss };
}

/** Opens a WebSocket and resolves with the first message (the backend's id) or the refusal status. */
function firstMessage(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('message', (data: Buffer) => {
      ws.close();
      resolve(data.toString());
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    ws.once('error', reject);
  });
}

describe('WebSocket upgrades share the proxy path', () => {
  const backends: { backend: Backend; wss: WebSocketServer }[] = [];
  let silent: Server;
  let w: RunningWharf;
  let dead = '';

  before(async () => {
    backends.push(await wsBackend('a'), await wsBackend('b'), await wsBackend('c'));
    dead = `127.0.0.1:${await freePort()}`;
    // Accepts the handshake's connection and never answers it.
    silent = createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentAddress = `127.0.0.1:${(silent.address() as { port: number }).port}`;
    const [a, b, c] = backends.map((x) => x.backend.address);
    w = await startWharf(`${LOOPBACK}access_log_format: json
timeouts: { upstream_connect: 30s, upstream_read: 30s }
upstreams:
  refused: { servers: [${dead}, { address: ${c}, backup: true }] }
  hashed: { balance: hash, hash_key: "header:x-user", servers: [${a}, ${b}, ${c}] }
  slow: { servers: [${silentAddress}], read_timeout: 300ms }
routes:
  - { path: /refused, proxy: refused }
  - { path: /hashed, proxy: hashed }
  - { path: /slow, proxy: slow }
`);
  });

  after(async () => {
    await w?.stop();
    for (const { backend, wss } of backends) {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await backend.close();
    }
    silent?.close();
  });

  const wsUrl = (path: string) => `${w.baseUrl.replace('http', 'ws')}${path}`;

  test('a refused server is followed by the backup within the one upgrade', async () => {
    assert.equal(await firstMessage(wsUrl('/refused')), 'c');
    // The line is written when the tunnel has closed on both sides.
    const logged = () => w.accessLines.map((l) => JSON.parse(l)).find((r) => r.url === '/refused' && r.status === 101);
    for (let waited = 0; !logged() && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const line = logged();
    assert.ok(line, 'the upgrade is logged as 101');
    assert.deepEqual(line.tries.map((t: { peer: string }) => t.peer), [dead, backends[2]!.backend.address]);
  });

  test('the hash key pins each user to one server, as for requests', async () => {
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) {
      const byRequest = await (await fetch(`${w.baseUrl}/hashed`, { headers: { 'x-user': user } })).text();
      for (let i = 0; i < 3; i++) assert.equal(await firstMessage(wsUrl('/hashed'), { 'x-user': user }), byRequest, user);
    }
  });

  test("the pool's read_timeout bounds the handshake: 504", { timeout: 15_000 }, async () => {
    assert.equal(await firstMessage(wsUrl('/slow')), 'status 504');
  });
});
