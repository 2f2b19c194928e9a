// Timeouts and upstream failures as a client sees them: slow headers are cut, an upstream
// that never answers is 504, refused is 502, none available is 503 — each with a short text
// body and an access-log line saying why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { skipMissing, startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { collect, openSocket, portOf } from './raw-http.js';

interface JsonLine {
  readonly url: string;
  readonly status: number;
  readonly reason?: string;
  readonly upstream?: string;
  readonly duration_ms: number;
}

async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A port whose listen queue is full and never drained (a python socket that never accepts,
 * with its backlog filled), so a further connect attempt hangs until the client gives up.
 */
async function blackholePort(): Promise<{ port: number; child: ChildProcess; fillers: Socket[] } | undefined> {
  const script = 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)\n';
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve) => {
    child.once('error', () => resolve(0));
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())));
  });
  if (!port) return undefined;
  const fillers: Socket[] = [];
  // Fill the accept queue: once a connect no longer completes, further SYNs are dropped.
  for (let i = 0; i < 8; i++) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      fillers.push(socket);
      const timer = setTimeout(() => resolve(false), 300);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (!connected) break;
  }
  return { port, child, fillers };
}

describe('timeouts and upstream failures', () => {
  let silent: Backend;
  let fine: Backend;
  let reader: Backend;
  let refusedPort: number;
  let blackhole: Awaited<ReturnType<typeof blackholePort>>;
  let w: RunningWharf;

  before(async () => {
    silent = await startBackend('silent', () => undefined);
    fine = await startBackend('fine');
    reader = await startBackend('reader');
    refusedPort = await closedPort();
    blackhole = await blackholePort();
    w = await startWharf(`${LOOPBACK}access_log_format: json
timeouts: { client_header: 600ms, client_body: 500ms, upstream_read: 300ms, upstream_connect: 400ms }
upstreams:
  silent: { servers: [${silent.address}], retries: 0 }
  reader: { servers: [${reader.address}], read_timeout: 10s }
  refused: { servers: [127.0.0.1:${refusedPort}] }
  down:
    servers:
      - { address: ${fine.address}, down: true }
      - { address: 127.0.0.1:${refusedPort}, down: true }
  blackhole: { servers: [127.0.0.1:${blackhole?.port ?? refusedPort}], retries: 0 }
routes:
  - { path: /silent, proxy: silent }
  - { path: /reader, proxy: reader }
  - { path: /refused, proxy: refused }
  - { path: /down, proxy: down }
  - { path: /blackhole, proxy: blackhole }
`);
  });

  after(async () => {
    await w?.stop();
    await silent?.close();
    await fine?.close();
    await reader?.close();
    for (const s of blackhole?.fillers ?? []) s.destroy();
    blackhole?.child.kill('SIGKILL');
  });

  async function logLine(url: string): Promise<JsonLine> {
    for (let i = 0; i < 100; i++) {
      const line = w.accessLines.map((l) => JSON.parse(l) as JsonLine).find((l) => l.url === url);
      if (line) return line;
      await sleep(20);
    }
    throw new Error(`no access-log line for ${url}`);
  }

  async function fetchText(path: string): Promise<{ status: number; type: string; body: string; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${w.baseUrl}${path}`);
    const body = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body, ms: performance.now() - started };
  }

  /** Asserts the edge's own short text/plain error answer for `path`, logged with `reason`. */
  async function expectEdgeError(path: string, status: number, reason: string): Promise<JsonLine> {
    const res = await fetchText(path);
    assert.equal(res.status, status);
    assert.match(res.type, /^text\/plain/);
    assert.ok(res.body.length > 0 && res.body.length < 100);
    const line = await logLine(path);
    assert.equal(line.status, status);
    assert.equal(line.reason, reason);
    return line;
  }

  test('slowloris: headers trickling in slower than client_header get the connection cut', async () => {
    const socket = await openSocket(portOf(w.baseUrl));
    const answer = collect(socket, 5000);
    socket.write('GET /silent HTTP/1.1\r\nHost: a.test\r\n');
    let i = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(`X-Slow-${i++}: 1\r\n`);
    }, 150);
    try {
      const { closed, status } = await answer;
      assert.ok(closed, 'the server closed the slow connection');
      assert.ok(status === 0 || status === 408, `got ${status}`);
      assert.ok(i < 25, `the connection stayed open for ${i} header lines`);
    } finally {
      clearInterval(trickle);
    }
    assert.equal(silent.seen.length, 0);
  });

  test('a request body that stops arriving is cut after client_body', async () => {
    const socket = await openSocket(portOf(w.baseUrl));
    const answer = collect(socket, 5000);
    const started = Date.now();
    socket.write('POST /reader/upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 100\r\n\r\n0123456789');
    const { closed } = await answer;
    assert.ok(closed, 'the stalled upload was cut');
    assert.ok(Date.now() - started < 4000, `open for ${Date.now() - started} ms with client_body 500ms`);
  });

  test('an upstream that never answers is 504 after upstream_read', async () => {
    const line = await expectEdgeError('/silent/wait', 504, 'upstream_timeout');
    assert.equal(line.upstream, 'silent');
  });

  test('an upstream that refuses the connection is 502', async () => {
    await expectEdgeError('/refused/x', 502, 'upstream_connect_error');
  });

  test('a pool whose servers are all down is 503 at once', async () => {
    await expectEdgeError('/down/x', 503, 'no_healthy_upstream');
    assert.equal(fine.seen.length, 0);
  });

  test('an upstream that does not accept the connection is 504 after upstream_connect', async (t) => {
    if (!blackhole) {
      skipMissing(t, 'python3 (holds a full listen queue)');
      return;
    }
    const res = await fetchText('/blackhole/x');
    assert.equal(res.status, 504);
    assert.ok(res.body.length > 0 && res.body.length < 100);
    const line = await logLine('/blackhole/x');
    assert.equal(line.reason, 'upstream_connect_timeout');
    assert.ok(res.ms < 3000, `took ${Math.round(res.ms)} ms with a 400 ms connect timeout`);
  });
});
