// An idle HTTP/2 connection is closed after timeouts.keepalive, as an HTTP/1.1 one is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:http2';
import { startBackend, interopRequired, type Backend } from '../helpers/backends.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { makeCert, opensslAvailable } from './certs.js';

const skip = !opensslAvailable() && !interopRequired() ? 'openssl CLI not installed' : false;
let dir: string;
let backend: Backend;
let w: RunningWharf;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'wharf-h2-idle-'));
  const cert = makeCert(dir, 'site', ['idle.test']);
  backend = await startBackend('idle');
  w = await startWharf(`listen:
  - address: 127.0.0.1:0
    tls: { cert: ${cert.cert}, key: ${cert.key} }
control: { address: 127.0.0.1:0 }
access_log: "off"
timeouts: { keepalive: 400ms }
upstreams:
  api: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: api }
`);
});

after(async () => {
  if (skip) return;
  await w.stop();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an HTTP/2 session left idle past the keep-alive time is closed by wharf', { skip, timeout: 15_000 }, async () => {
  const session = connect(w.baseUrl, { rejectUnauthorized: false, servername: 'idle.test' });
  // Measured from before the request: the server's idle timer starts at its last frame, which is
  // later; timed from the client seeing the answer, a loaded machine could make it look early.
  const started = Date.now();
  const status = await new Promise<number>((resolve, reject) => {
    const stream = session.request({ ':path': '/hello' });
    stream.on('response', (headers) => resolve(Number(headers[':status'])));
    stream.on('error', reject);
    stream.resume();
  });
  assert.equal(status, 200);
  await new Promise<void>((resolve) => session.once('close', () => resolve()));
  const idleMs = Date.now() - started;
  assert.ok(idleMs >= 380 && idleMs < 8000, `closed ${idleMs} ms after the request`);
});
