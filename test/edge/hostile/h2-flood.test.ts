// Hostile HTTP/2 clients: the session advertises a bounded MAX_CONCURRENT_STREAMS (128 as
// nginx, configurable, applied to new sessions on reload), and a rapid-reset flood (streams
// opened and cancelled at once, CVE-2023-44487) is cut by the server with a GOAWAY after a
// bounded number of streams, leaves no exchange behind and does not disturb other clients.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { startBackend, interopRequired, type Backend } from '../../helpers/backends.js';
import { startWharf, type RunningWharf } from '../../helpers/wharf.js';
import { makeCert, opensslAvailable } from '../certs.js';

const skip = !opensslAvailable() && !interopRequired() ? 'openssl CLI not installed' : false;
/** The most streams the flood opens: bounds the test's duration whatever the server does. */
const FLOOD_STREAMS = 10_000;

describe('HTTP/2 stream limits', { skip }, () => {
  let dir: string;
  let backend: Backend;
  let w: RunningWharf;
  let yaml: (limits: string) => string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-h2-flood-'));
    const cert = makeCert(dir, 'site', ['flood.test']);
    backend = await startBackend('b', (_req, res) => res.end('ok'));
    yaml = (limits) => `listen:
  - address: 127.0.0.1:0
    tls: { cert: ${cert.cert}, key: ${cert.key} }
control: { address: 127.0.0.1:0 }
access_log: off
${limits}
upstreams:
  u: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: u }
`;
    w = await startWharf(yaml(''));
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<ClientHttp2Session> {
    const session = connect(w.baseUrl, { rejectUnauthorized: false });
    session.on('error', () => undefined);
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    return session;
  }

  async function activeRequests(): Promise<number> {
    const text = await (await fetch(`${w.controlUrl}/metrics`)).text();
    return Number(/^wharf_active_requests (\S+)$/m.exec(text)?.[1] ?? NaN);
  }

  function get(session: ClientHttp2Session): Promise<number> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':path': '/ok', ':authority': 'flood.test' });
      let status = 0;
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('error', reject);
      stream.resume();
      stream.on('end', () => resolve(status));
    });
  }

  test('MAX_CONCURRENT_STREAMS is 128 by default and follows limits.http2_max_concurrent_streams on reload', async () => {
    const first = await open();
    assert.equal(first.remoteSettings.maxConcurrentStreams, 128);
    first.close();
    await w.reload(yaml('limits: { http2_max_concurrent_streams: 64 }'));
    const second = await open();
    assert.equal(second.remoteSettings.maxConcurrentStreams, 64);
    assert.equal(await get(second), 200);
    second.close();
  });

  test('a rapid-reset flood is cut after a bounded number of streams; others are still served', { timeout: 60_000 }, async () => {
    const bystander = await open();
    const session = await open();
    let goaway: { code: number; lastStreamId: number } | undefined;
    session.on('goaway', (code: number, lastStreamId: number) => (goaway = { code, lastStreamId }));
    let opened = 0;
    for (; opened < FLOOD_STREAMS && !goaway && !session.destroyed && !session.closed; opened++) {
      const stream = session.request({ ':path': `/flood/${opened}`, ':authority': 'flood.test' });
      stream.on('error', () => undefined);
      stream.close(constants.NGHTTP2_CANCEL);
      if (opened % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    const deadline = Date.now() + 20_000;
    while (!goaway && !session.destroyed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(goaway, `the server never sent GOAWAY (${opened} streams opened)`);
    // Client streams have odd ids: the server handled at most a few thousand before it stopped.
    assert.ok(goaway.lastStreamId < 2 * 5000, `the server went on to stream ${goaway.lastStreamId}`);
    session.destroy();
    // Nothing the flood started is left running (the bystander has no request open).
    const idleBy = Date.now() + 10_000;
    while ((await activeRequests()) > 0 && Date.now() < idleBy) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await activeRequests(), 0);
    assert.equal(await get(bystander), 200, 'a client on its own session is still served');
    bystander.close();
  });
});
