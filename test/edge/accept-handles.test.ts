// Listeners accept through several handles when wharf is given more than one (`wharf up` is):
// a burst of new connections that queued while the event loop was busy is served, over plain
// HTTP and TLS, and a listener removed by a reload leaves no handle holding its port open.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { startBackend, interopRequired, type Backend } from '../helpers/backends.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { makeCert, opensslAvailable } from './certs.js';
import { portOf } from './raw-http.js';

/** Descriptors of this process that refer to the socket listening on 127.0.0.1:`port`. */
function listeningDescriptors(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // local address 0100007F:PORT, state 0A = LISTEN, inode in the tenth field
    if (fields[1] === `0100007F:${hexPort}` && fields[3] === '0A') inodes.add(fields[9]!);
  }
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if ([...inodes].some((inode) => target === `socket:[${inode}]`)) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

/** Opens `count` connections while the event loop is blocked, each sending one request; returns each full reply. */
async function burst(open: () => Socket, count: number): Promise<string[]> {
  const clients = Array.from({ length: count }, open);
  const replies = clients.map(
    (client) =>
      new Promise<string>((resolve, reject) => {
        let text = '';
        client.on('data', (chunk: Buffer) => (text += chunk.toString()));
        client.on('end', () => resolve(text));
        client.on('error', reject);
      }),
  );
  await new Promise((resolve) => process.nextTick(resolve));
  // A busy turn: the connections queue in the kernel meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  return Promise.all(replies);
}

const REQUEST = 'GET /hello HTTP/1.1\r\nHost: burst.test\r\nConnection: close\r\n\r\n';

describe('listeners with several accepting handles', { skip: !opensslAvailable() && !interopRequired() ? 'openssl CLI not installed' : false }, () => {
  let dir: string;
  let backend: Backend;
  let w: RunningWharf;
  let plainPort: number;
  let tlsPort: number;
  let config: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-accept-'));
    const pair = makeCert(dir, 'burst', ['burst.test']);
    backend = await startBackend('burst-backend');
    config = `listen:
  - 127.0.0.1:0
  - { address: 127.0.0.1:0, tls: [{ cert: ${pair.cert}, key: ${pair.key} }] }
control: { address: 127.0.0.1:0 }
access_log: off
upstreams:
  api: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: api }
`;
    w = await startWharf(config, { dir, acceptHandles: 4 });
    plainPort = portOf(w.urls[0]!);
    tlsPort = portOf(w.urls[1]!);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each listening socket is polled through four descriptors', () => {
    assert.equal(listeningDescriptors(plainPort), 4);
    assert.equal(listeningDescriptors(tlsPort), 4);
  });

  test('a burst of plain connections is proxied, every one', async () => {
    const replies = await burst(() => {
      const socket = netConnect(plainPort, '127.0.0.1');
      socket.write(REQUEST);
      return socket;
    }, 12);
    for (const reply of replies) {
      assert.match(reply, /^HTTP\/1\.1 200 /);
      assert.match(reply, /"id":"burst-backend"/);
    }
  });

  test('a burst of TLS connections completes its handshakes and is proxied', async () => {
    const replies = await burst(() => {
      const socket = tlsConnect({ host: '127.0.0.1', port: tlsPort, servername: 'burst.test', rejectUnauthorized: false });
      socket.write(REQUEST);
      return socket;
    }, 8);
    for (const reply of replies) assert.match(reply, /^HTTP\/1\.1 200 [\s\S]*"id":"burst-backend"/);
  });

  test('a listener removed by a reload closes every handle: its port refuses connections', async () => {
    await w.reload(config.replace(/  - \{ address: 127\.0\.0\.1:0, tls:.*\n/, ''));
    // The removed listener drains first; its handles stop accepting at once.
    assert.equal(listeningDescriptors(tlsPort), 0);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => netConnect(tlsPort, '127.0.0.1').once('error', resolve));
    assert.equal(error.code, 'ECONNREFUSED');
    assert.equal(listeningDescriptors(plainPort), 4);
  });
});
