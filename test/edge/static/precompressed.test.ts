import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { BUNDLE_JS, serveSiteForSuite } from './site.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

// node:http rather than fetch: fetch would decode the body and hide which variant was sent.
function get(port: number, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files: precompressed siblings', () => {
  const site = serveSiteForSuite();

  test('br is preferred when the client accepts br and gzip', async () => {
    const res = await get(site.port, '/bundle.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8', 'type of the original name');
    assert.equal(res.headers['vary'], 'Accept-Encoding');
    assert.equal(Number(res.headers['content-length']), res.body.length);
    assert.ok(res.body.length < Buffer.byteLength(BUNDLE_JS));
    assert.equal(brotliDecompressSync(res.body).toString(), BUNDLE_JS);
  });

  test('gzip is sent when br is refused with q=0 or not offered', async () => {
    for (const accept of ['gzip', 'br;q=0, gzip', 'x-gzip']) {
      const res = await get(site.port, '/bundle.js', { 'accept-encoding': accept });
      assert.equal(res.headers['content-encoding'], 'gzip', accept);
      assert.equal(gunzipSync(res.body).toString(), BUNDLE_JS, accept);
    }
  });

  test('q-values decide; a tie goes to br', async () => {
    const gzipHigher = await get(site.port, '/bundle.js', { 'accept-encoding': 'br;q=0.5, gzip;q=0.9' });
    assert.equal(gzipHigher.headers['content-encoding'], 'gzip');
    const tie = await get(site.port, '/bundle.js', { 'accept-encoding': 'gzip;q=0.8, br;q=0.8' });
    assert.equal(tie.headers['content-encoding'], 'br');
    const wildcard = await get(site.port, '/bundle.js', { 'accept-encoding': '*' });
    assert.equal(wildcard.headers['content-encoding'], 'br');
  });

  test('no acceptable coding falls back to identity, still with Vary', async () => {
    for (const accept of [undefined, 'identity', 'br;q=0, gzip;q=0', 'deflate']) {
      const res = await get(site.port, '/bundle.js', accept === undefined ? {} : { 'accept-encoding': accept });
      assert.equal(res.headers['content-encoding'], undefined, String(accept));
      assert.equal(res.headers['vary'], 'Accept-Encoding', String(accept));
      assert.equal(res.body.toString(), BUNDLE_JS, String(accept));
    }
  });

  test('a missing .br falls back to .gz', async () => {
    const res = await get(site.port, '/gz-only.css', { 'accept-encoding': 'br, gzip' });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(res.headers['content-type'], 'text/css; charset=utf-8');
    assert.match(gunzipSync(res.body).toString(), /color: red/);
  });

  test('files without siblings have no Vary and no Content-Encoding', async () => {
    const res = await get(site.port, '/app.js', { 'accept-encoding': 'br, gzip' });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.headers['vary'], undefined);
  });

  test('each variant has its own ETag and 304s against it', async () => {
    const br = await get(site.port, '/bundle.js', { 'accept-encoding': 'br' });
    const identity = await get(site.port, '/bundle.js', {});
    assert.notEqual(br.headers['etag'], identity.headers['etag']);
    const again = await get(site.port, '/bundle.js', { 'accept-encoding': 'br', 'if-none-match': String(br.headers['etag']) });
    assert.equal(again.status, 304);
    assert.equal(again.headers['vary'], 'Accept-Encoding');
    assert.equal(again.body.length, 0);
  });

  test('a Range on a precompressed variant counts the variant bytes', async () => {
    const whole = await get(site.port, '/bundle.js', { 'accept-encoding': 'gzip' });
    const part = await get(site.port, '/bundle.js', { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-encoding'], 'gzip');
    assert.equal(part.headers['content-range'], `bytes 0-9/${whole.body.length}`);
    assert.deepEqual(part.body, whole.body.subarray(0, 10));
  });

  test('a precompressed sibling that links outside the root is never served', async () => {
    const res = await get(site.port, '/trap.js', { 'accept-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.body.toString(), 'trap');
  });

  test('a precompressed sibling that links into a sibling directory named like the root is never served', async () => {
    const res = await get(site.port, '/sibling-trap.js', { 'accept-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.body.toString(), 'trap');
  });
});
