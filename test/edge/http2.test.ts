// HTTP/2 clients (ALPN h2 on a TLS listener) are proxied to HTTP/1.1 upstreams: requests
// with and without bodies, concurrent streams on one connection, forwarding headers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { startBackend, interopRequired, type Backend } from '../helpers/backends.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { makeCert, opensslAvailable } from './certs.js';

interface H2Answer {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function h2request(session: ClientHttp2Session, headers: Record<string, string>, body?: Buffer): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let head: IncomingHttpHeaders = {};
    stream.on('response', (h) => (head = h));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ headers: head, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

describe('HTTP/2 to the edge', { skip: !opensslAvailable() && !interopRequired() ? 'openssl CLI not installed' : false }, () => {
  let dir: string;
  let backend: Backend;
  let w: RunningWharf;
  let session: ClientHttp2Session;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-h2-'));
    const cert = makeCert(dir, 'site', ['h2.test']);
    backend = await startBackend('h2-backend', (req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'x-backend': 'h2-backend' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, httpVersion: req.httpVersion, bytes, sha256: hash.digest('hex') }));
      });
    });
    w = await startWharf(
      `listen:
  - address: 127.0.0.1:0
    tls: { cert: ${cert.cert}, key: ${cert.key} }
control: { address: 127.0.0.1:0 }
access_log_format: json
upstreams:
  api: { servers: [${backend.address}] }
routes:
  - { path: /api, proxy: api }
`,
      { dir },
    );
    session = connect(w.baseUrl, { servername: 'h2.test', rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => resolve());
      session.once('error', reject);
    });
  });

  after(async () => {
    session?.close();
    await w?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a GET over HTTP/2 is proxied with the authority as Host', async () => {
    const { headers, body } = await h2request(session, { ':method': 'GET', ':path': '/api/items?page=2', ':authority': 'h2.test', 'user-agent': 'h2-client', te: 'trailers' });
    assert.equal(headers[':status'], 200);
    assert.equal(headers['x-backend'], 'h2-backend');
    assert.equal(headers.connection, undefined);
    const echo = JSON.parse(body.toString()) as { method: string; url: string; headers: Record<string, string>; httpVersion: string };
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/api/items?page=2');
    assert.equal(echo.httpVersion, '1.1');
    assert.equal(echo.headers.host, 'h2.test');
    assert.equal(echo.headers['x-forwarded-proto'], 'https');
    assert.equal(echo.headers['x-forwarded-host'], 'h2.test');
    assert.equal(echo.headers['x-real-ip'], '127.0.0.1');
    assert.equal(echo.headers['user-agent'], 'h2-client');
    assert.equal(echo.headers.te, undefined);
    for (const name of Object.keys(echo.headers)) assert.ok(!name.startsWith(':'), `pseudo-header ${name} leaked upstream`);
  });

  test('a POST body over HTTP/2 reaches the upstream intact', async () => {
    const payload = randomBytes(3 * 1024 * 1024 + 17);
    const { headers, body } = await h2request(session, { ':method': 'POST', ':path': '/api/upload', ':authority': 'h2.test', 'content-type': 'application/octet-stream' }, payload);
    assert.equal(headers[':status'], 200);
    const echo = JSON.parse(body.toString()) as { bytes: number; sha256: string };
    assert.equal(echo.bytes, payload.length);
    assert.equal(echo.sha256, createHash('sha256').update(payload).digest('hex'));
  });

  test('concurrent streams on one connection each get their own answer', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h2request(session, { ':method': 'GET', ':path': `/api/stream/${i}`, ':authority': 'h2.test' })),
    );
    answers.forEach((answer, i) => {
      assert.equal(answer.headers[':status'], 200);
      assert.equal((JSON.parse(answer.body.toString()) as { url: string }).url, `/api/stream/${i}`);
    });
  });

  test('no route over HTTP/2 is a 404 and is logged as HTTP/2.0', async () => {
    const { headers, body } = await h2request(session, { ':method': 'GET', ':path': '/missing', ':authority': 'h2.test' });
    assert.equal(headers[':status'], 404);
    assert.ok(body.length > 0 && body.length < 100);
    let line: { protocol: string; status: number } | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = w.accessLines.map((l) => JSON.parse(l) as { url: string; protocol: string; status: number }).find((l) => (l as { url: string }).url === '/missing');
      if (!line) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(line?.status, 404);
    assert.equal(line?.protocol, 'HTTP/2.0');
  });

  test('a reset stream does not take the session down', async () => {
    const stream = session.request({ ':method': 'GET', ':path': '/api/cancelled', ':authority': 'h2.test' });
    stream.close(constants.NGHTTP2_CANCEL);
    const { headers } = await h2request(session, { ':method': 'GET', ':path': '/api/after', ':authority': 'h2.test' });
    assert.equal(headers[':status'], 200);
  });
});
