import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, Server, type Socket } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { AcceptHandles } from '../../src/net/accept-handles.js';
import { copyListeningSocket, listeningFd } from '../../src/net/listen-fd-copies.js';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 512 }, () => resolve((server.address() as { port: number }).port)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Copying children (see listen-fd-copies.ts) still running under this process. */
function copyingChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The fields after the command name (which may hold spaces) start with state, then ppid.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('wharf:listen-fd-copy')) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Blocks this thread, as a busy event-loop turn does; the kernel completes handshakes meanwhile. */
function busyTurn(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Opens `count` connections while the event loop is blocked, then counts how many the server
 * accepts in each following turn (between two check phases). Returns the most in one turn.
 */
async function burst(server: Server, port: number, count: number): Promise<{ mostInOneTurn: number; accepted: Socket[]; clients: Socket[] }> {
  const accepted: Socket[] = [];
  server.on('connection', (socket) => accepted.push(socket));
  const clients = Array.from({ length: count }, () => connect(port, '127.0.0.1'));
  // net.connect() issues its connect() on the next tick; this tick runs after those.
  await new Promise((resolve) => process.nextTick(resolve));
  busyTurn(300);
  let mostInOneTurn = 0;
  await new Promise<void>((resolve) => {
    let before = accepted.length;
    const deadline = Date.now() + 10_000;
    const check = () => {
      mostInOneTurn = Math.max(mostInOneTurn, accepted.length - before);
      before = accepted.length;
      if (accepted.length >= count || Date.now() > deadline) resolve();
      else setImmediate(check);
    };
    setImmediate(check);
  });
  return { mostInOneTurn, accepted, clients };
}

test('each copy is a new descriptor for the listening socket, and the child that made them is gone', async () => {
  const primary = createServer();
  await listen(primary);
  const primaryFd = listeningFd(primary)!;
  assert.ok(primaryFd >= 0);
  const servers: Server[] = [];
  const fds: number[] = [];
  await copyListeningSocket(primary, 3, (copy) => {
    const server = new Server();
    server.listen(copy);
    servers.push(server);
    fds.push(listeningFd(server)!);
  });
  assert.equal(fds.length, 3);
  assert.equal(new Set([primaryFd, ...fds]).size, 4, 'every handle has its own descriptor');
  const socketId = readlinkSync(`/proc/self/fd/${primaryFd}`);
  assert.match(socketId, /^socket:\[\d+\]$/);
  for (const fd of fds) assert.equal(readlinkSync(`/proc/self/fd/${fd}`), socketId, 'a copy is the same socket');
  assert.deepEqual(copyingChildren(), []);
  await Promise.all([...servers, primary].map(close));
});

test('a burst of connections that queued during a busy turn is accepted up to one per handle per turn, all by the primary server', async () => {
  const primary = createServer();
  const port = await listen(primary);
  const handles = await AcceptHandles.add(primary, 7);
  assert.equal(handles.count, 8);
  const { mostInOneTurn, accepted, clients } = await burst(primary, port, 20);
  assert.equal(accepted.length, 20, "the primary server saw every connection as its own 'connection'");
  assert.equal(mostInOneTurn, 8);
  for (const socket of [...accepted, ...clients]) socket.destroy();
  await handles.close();
  await close(primary);
});

test('a connection accepted by an extra handle carries the primary server’s socket options and is served by it', async () => {
  const primary = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => socket.end(`hello ${socket.remotePort}`));
  const port = await listen(primary);
  const handles = await AcceptHandles.add(primary, 3);
  const { accepted, clients } = await burst(primary, port, 8);
  // Four handles, eight queued: at least four came through the extra servers.
  const replies = await Promise.all(
    clients.map(
      (client) =>
        new Promise<string>((resolve) => {
          let text = '';
          client.on('data', (chunk: Buffer) => (text += chunk.toString()));
          client.on('end', () => resolve(text));
        }),
    ),
  );
  assert.equal(replies.length, 8);
  for (const reply of replies) assert.match(reply, /^hello \d+$/);
  assert.equal(new Set(replies).size, 8, 'each client got its own connection’s answer');
  const viaExtra = accepted.filter((socket) => (socket as Socket & { server?: Server }).server !== primary);
  assert.ok(viaExtra.length >= 4, `${viaExtra.length} connections came through extra handles`);
  for (const socket of viaExtra) assert.equal((socket as Socket & { allowHalfOpen: boolean }).allowHalfOpen, true);
  await handles.close();
  await close(primary);
});

test('once the primary and its handles close, the port refuses connections', async () => {
  const primary = createServer();
  const port = await listen(primary);
  const handles = await AcceptHandles.add(primary, 4);
  await close(primary);
  // The extra descriptors alone still hold the socket open and listening.
  const stillAccepted = await new Promise<boolean>((resolve) => {
    const client = connect(port, '127.0.0.1');
    client.once('connect', () => {
      client.destroy();
      resolve(true);
    });
    client.once('error', () => resolve(false));
  });
  assert.equal(stillAccepted, true);
  await handles.close();
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => connect(port, '127.0.0.1').once('error', resolve));
  assert.equal(error.code, 'ECONNREFUSED');
});

test('a server that is not listening cannot be copied, with a stable code', async () => {
  await assert.rejects(
    AcceptHandles.add(createServer(), 2),
    (error: Error & { code?: string }) => error.code === 'WHARF_LISTEN_COPY_UNSUPPORTED',
  );
  const primary = createServer();
  await listen(primary);
  const none = await AcceptHandles.add(primary, 0);
  assert.equal(none.count, 1);
  assert.deepEqual(copyingChildren(), []);
  await close(primary);
});
