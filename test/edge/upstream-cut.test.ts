// A response already under way when its upstream dies (or stalls past read_timeout) must look
// broken to the client: HTTP/2 resets the stream with INTERNAL_ERROR, as nginx does (NO_ERROR
// would pass for a complete body without Content-Length); HTTP/1.1 closes without the last chunk.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, constants } from 'node:http2';
import { startBackend, interopRequired, type Backend } from '../helpers/backends.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { makeCert, opensslAvailable } from './certs.js';
import { portOf, rawExchange } from './raw-http.js';

const skip = !opensslAvailable() && !interopRequired() ? 'openssl CLI not installed' : false;

interface StreamEnd {
  readonly status: number;
  readonly bytes: number;
  /** RST_STREAM code, or -1 when the stream ended normally. */
  readonly rstCode: number;
}

describe('an upstream failure after the response started', { skip }, () => {
  let dir: string;
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-cut-'));
    const cert = makeCert(dir, 'site', ['cut.test']);
    backend = await startBackend('cut', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(64 * 1024, 1));
      // Dies mid-body (kill -9 of the instance), or stalls past read_timeout.
      if (req.url === '/die') setTimeout(() => req.socket.destroy(), 50);
    });
    w = await startWharf(`listen:
  - 127.0.0.1:0
  - address: 127.0.0.1:0
    tls: { cert: ${cert.cert}, key: ${cert.key} }
control: { address: 127.0.0.1:0 }
access_log_format: json
upstreams:
  u: { servers: [${backend.address}], read_timeout: 300ms }
routes:
  - { path: /, proxy: u }
`);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function h2get(path: string): Promise<StreamEnd> {
    return new Promise((resolve, reject) => {
      const session = connect(w.urls[1]!, { rejectUnauthorized: false });
      session.on('error', () => undefined);
      const stream = session.request({ ':path': path, ':authority': 'cut.test' });
      let status = 0;
      let bytes = 0;
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.on('error', () => undefined);
      stream.on('close', () => {
        session.close();
        resolve({ status, bytes, rstCode: stream.rstCode === constants.NGHTTP2_NO_ERROR && stream.readableEnded ? -1 : stream.rstCode ?? -1 });
      });
      setTimeout(() => reject(new Error('the stream never ended')), 10_000).unref();
    });
  }

  for (const path of ['/die', '/stall']) {
    test(`HTTP/2: ${path} resets the stream with INTERNAL_ERROR after the partial body`, async () => {
      const end = await h2get(path);
      assert.equal(end.status, 200);
      assert.ok(end.bytes > 0, 'part of the body arrived');
      assert.equal(end.rstCode, constants.NGHTTP2_INTERNAL_ERROR);
    });

    test(`HTTP/1.1: ${path} closes the connection without the final chunk`, async () => {
      const answer = await rawExchange(portOf(w.urls[0]!), `GET ${path} HTTP/1.1\r\nHost: cut.test\r\n\r\n`, 8000);
      assert.equal(answer.status, 200);
      assert.ok(answer.closed, 'the connection was closed');
      assert.match(answer.text, /transfer-encoding: chunked/i);
      assert.ok(!answer.text.endsWith('0\r\n\r\n'), 'no final chunk');
    });
  }
});
