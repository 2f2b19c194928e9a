// Hostile slow clients, each bounded in time: a head trickled byte by byte is cut with 408
// after client_header, a body that stalls is cut after client_body (and its upstream request
// aborted), a client that does not read holds the upstream back instead of filling wharf's
// memory, and slowhttptest's slowloris run leaves the service available to everyone else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { startBackend, skipMissing, type Backend } from '../../helpers/backends.js';
import { startWharf, type RunningWharf } from '../../helpers/wharf.js';
import { openSocket, portOf } from '../raw-http.js';

const BIG = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 120);

function slowhttptestInstalled(): boolean {
  try {
    execFileSync('slowhttptest', ['-h'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status !== undefined;
  }
}

describe('slow clients', () => {
  let dir: string;
  let backend: Backend;
  let w: RunningWharf;
  /** Bytes the backend has handed to its socket for /big, and whether the upstream request was aborted. */
  const big = { written: 0, done: false };
  const upstreamAborts: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-slow-'));
    backend = await startBackend('app', (req, res) => {
      if (req.url === '/big') return streamBig(res);
      req.on('aborted', () => upstreamAborts.push(req.url ?? ''));
      req.on('close', () => {
        if (!req.complete) upstreamAborts.push(req.url ?? '');
      });
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    w = await startWharf(`listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: off
timeouts: { client_header: 1s, client_body: 1s }
upstreams:
  app: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: app }
`);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function streamBig(res: ServerResponse): void {
    big.written = 0;
    big.done = false;
    res.writeHead(200, { 'content-length': BIG });
    const pump = () => {
      while (big.written < BIG) {
        big.written += CHUNK.length;
        if (!res.write(CHUNK)) return void res.once('drain', pump);
      }
      big.done = true;
      res.end();
    };
    pump();
  }

  async function closedWithin(socket: import('node:net').Socket, ms: number): Promise<{ closed: boolean; text: string }> {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    return { closed, text };
  }

  test('a head trickled a byte at a time is cut with 408 after client_header', { timeout: 20_000 }, async () => {
    const socket = await openSocket(portOf(w.baseUrl));
    const head = 'GET /slow HTTP/1.1\r\nHost: a.test\r\nX-Padding: ' + 'a'.repeat(200);
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < head.length && !socket.destroyed) socket.write(head[sent++]!);
    }, 100);
    try {
      const { closed, text } = await closedWithin(socket, 10_000);
      assert.ok(closed, 'the connection is still open 10 s later');
      assert.match(text, /^HTTP\/1\.1 408 /);
      assert.ok(sent < head.length, 'cut before the head was complete');
    } finally {
      clearInterval(trickle);
      socket.destroy();
    }
  });

  test('a body that stalls is cut after client_body, and its upstream request is aborted', { timeout: 20_000 }, async () => {
    const socket = await openSocket(portOf(w.baseUrl));
    socket.write('POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(10));
    try {
      const { closed } = await closedWithin(socket, 10_000);
      assert.ok(closed, 'the connection is still open 10 s later');
      for (let waited = 0; !upstreamAborts.includes('/upload') && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(upstreamAborts.includes('/upload'), 'the upstream request was aborted, not left waiting');
    } finally {
      socket.destroy();
    }
  });

  test('a client that does not read holds the upstream back instead of filling memory', { timeout: 60_000 }, async () => {
    const socket = await openSocket(portOf(w.baseUrl));
    socket.pause();
    socket.write('GET /big HTTP/1.1\r\nHost: a.test\r\n\r\n');
    try {
      // Give the upstream every chance to push the whole body into wharf.
      for (let i = 0; i < 40 && big.written === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.ok(big.written > 0, 'the response started');
      // Socket buffers on loopback hold a few MB each side; the whole body must not fit.
      assert.ok(!big.done && big.written < BIG / 2, `the upstream wrote ${big.written} of ${BIG} bytes to a client that reads nothing`);
      // Reading again lets the rest through, intact.
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.resume();
      for (let waited = 0; received < BIG && waited < 40_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(received >= BIG, `received ${received} bytes`);
      assert.ok(big.done);
    } finally {
      socket.destroy();
    }
  });

  test('slowhttptest (slowloris, 300 connections, 8 s): the service stays available and the slow connections are cut', { timeout: 30_000 }, async (t) => {
    if (!slowhttptestInstalled()) return skipMissing(t, 'slowhttptest (apt-get install slowhttptest)');
    const prefix = join(dir, 'slowloris');
    const child = spawn('slowhttptest', ['-H', '-c', '300', '-r', '150', '-i', '1', '-l', '8', '-p', '3', '-u', `${w.baseUrl}/`, '-g', '-o', prefix], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Our own well-behaved client meanwhile.
    const statuses: number[] = [];
    let running = true;
    void exited.then(() => (running = false));
    while (running) {
      statuses.push((await fetch(`${w.baseUrl}/probe`)).status);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.equal(await exited, 0);
    assert.ok(statuses.length >= 5 && statuses.every((s) => s === 200), `probe statuses during the attack: ${statuses.join(',')}`);
    const rows = readFileSync(`${prefix}.csv`, 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').map(Number));
    // Seconds, Closed, Pending, Connected, Service Available (0 = the tool's probe failed).
    t.diagnostic(`slowhttptest rows: ${rows.map((row) => row.join('/')).join(' ')}`);
    assert.ok(rows.length > 0);
    assert.ok(rows.every((row) => row[4]! > 0), 'slowhttptest found the service unavailable at some point');
    // Connections are opened over a few seconds and each is cut client_header after it: by the
    // end most are gone (a server that never cut them would show none closed).
    const opened = Math.max(...rows.map((row) => row[1]! + row[2]! + row[3]!));
    const closed = Math.max(...rows.map((row) => row[1]!));
    assert.ok(closed >= opened / 2, `wharf cut ${closed} of ${opened} slow connections`);
  });
});
