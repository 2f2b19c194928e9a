import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { connect, createServer, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import { StaticHandler } from '../../../src/edge/static/static-handler.js';
import { BUNDLE_JS, buildSite, rawPath, type Site } from './site.js';

interface Reply {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

describe('static files over HTTP/2 (h2c, compat API)', () => {
  let site: Site;
  let server: Http2Server;
  let client: ClientHttp2Session;
  let large: Buffer;
  before(async () => {
    site = await buildSite();
    large = randomBytes(3 * 1024 * 1024);
    await writeFile(join(site.root, 'large.bin'), large);
    const handler = new StaticHandler(site.root);
    server = createServer((req, res) => handler.handle(req, res, rawPath(req.url)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = connect(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  });
  after(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
    await site.remove();
  });

  function request(headers: Record<string, string>): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const stream = client.request(headers);
      const chunks: Buffer[] = [];
      let responseHeaders: IncomingHttpHeaders = {};
      stream.on('response', (h) => (responseHeaders = h));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ headers: responseHeaders, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.end();
    });
  }

  test('a file comes back whole with its headers', async () => {
    const res = await request({ ':path': '/digits.txt' });
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['content-length'], '10');
    assert.ok(res.headers['etag']);
    assert.equal(res.body.toString(), '0123456789');
  });

  test('a Range is 206 with the right bytes', async () => {
    const res = await request({ ':path': '/digits.txt', range: 'bytes=3-6' });
    assert.equal(res.headers[':status'], 206);
    assert.equal(res.headers['content-range'], 'bytes 3-6/10');
    assert.equal(res.body.toString(), '3456');
  });

  test('a multi-megabyte file survives HTTP/2 flow control intact', async () => {
    const res = await request({ ':path': '/large.bin' });
    assert.equal(res.headers[':status'], 200);
    assert.equal(createHash('sha256').update(res.body).digest('hex'), createHash('sha256').update(large).digest('hex'));
  });

  test('precompressed, HEAD, 304, 404 and 405 work the same', async () => {
    const br = await request({ ':path': '/bundle.js', 'accept-encoding': 'br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.ok(br.body.length > 0 && br.body.length < Buffer.byteLength(BUNDLE_JS));
    const head = await request({ ':path': '/digits.txt', ':method': 'HEAD' });
    assert.equal(head.headers[':status'], 200);
    assert.equal(head.headers['content-length'], '10');
    assert.equal(head.body.length, 0);
    const etag = String(head.headers['etag']);
    const notModified = await request({ ':path': '/digits.txt', 'if-none-match': etag });
    assert.equal(notModified.headers[':status'], 304);
    assert.equal(notModified.body.length, 0);
    const missing = await request({ ':path': '/%2e%2e/secret.txt' });
    assert.equal(missing.headers[':status'], 404);
    const post = await request({ ':path': '/digits.txt', ':method': 'POST' });
    assert.equal(post.headers[':status'], 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');
  });
});
