// max_body: a request announcing a larger body is refused with 413 before anything is
// forwarded; smaller bodies pass; a chunked body is cut off once it passes the limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { echoHandler, startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { portOf, rawExchange } from './raw-http.js';

describe('max_body', () => {
  let backend: Backend;
  let w: RunningWharf;
  /** Body bytes the upstream received, by URL. */
  const received = new Map<string, number>();

  before(async () => {
    backend = await startBackend('body', (req, res, self) => {
      received.set(req.url ?? '', 0);
      req.on('data', (chunk: Buffer) => received.set(req.url ?? '', (received.get(req.url ?? '') ?? 0) + chunk.length));
      req.on('error', () => undefined);
      echoHandler(req, res, self);
    });
    w = await startWharf(`${LOOPBACK}access_log_format: json
upstreams:
  body: { servers: [${backend.address}] }
routes:
  - path: /small
    proxy: body
    max_body: 1k
  - path: /
    proxy: body
`);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  test('a Content-Length over the limit is 413 and never forwarded, without sending the body', async () => {
    // Only the head is sent: the edge must answer without waiting for the 2k body.
    const answer = await rawExchange(portOf(w.baseUrl), 'POST /small/upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 2048\r\n\r\n', 3000);
    assert.equal(answer.status, 413);
    assert.ok(answer.closed, 'the connection is closed rather than reading the refused body');
    assert.deepEqual(backend.seen, []);
    let line: { status: number; reason?: string } | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = w.accessLines.map((l) => JSON.parse(l) as { url: string; status: number; reason?: string }).find((l) => (l as { url: string }).url === '/small/upload');
      if (!line) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(line?.status, 413);
    assert.ok(line?.reason, 'the log line says why');
  });

  test('with Expect: 100-continue, a Content-Length over the limit is 413 without a 100 Continue first', async () => {
    const answer = await rawExchange(portOf(w.baseUrl), 'POST /small/expect HTTP/1.1\r\nHost: a.test\r\nContent-Length: 2048\r\nExpect: 100-continue\r\n\r\n', 3000);
    assert.equal(answer.status, 413, answer.text);
    assert.doesNotMatch(answer.text, /100 Continue/);
    assert.ok(answer.closed);
    assert.deepEqual(backend.seen, []);
  });

  test('a body within the limit is forwarded whole', async () => {
    const res = await fetch(`${w.baseUrl}/small/ok`, { method: 'POST', body: 'x'.repeat(1024) });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { bodyBytes: number }).bodyBytes, 1024);
  });

  test('a chunked body over the limit gets 413 (or a cut connection) and the upstream never gets all of it', async () => {
    const seenBefore = backend.seen.length;
    const result = await new Promise<{ status: number } | { error: string }>((resolve) => {
      const req = httpRequest(`${w.baseUrl}/small/chunked`, { method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      });
      req.on('error', (error) => resolve({ error: error.message }));
      for (let i = 0; i < 8; i++) req.write('y'.repeat(512));
      req.end();
    });
    if ('status' in result) assert.equal(result.status, 413);
    await new Promise((r) => setTimeout(r, 100));
    // Whatever the upstream saw of it, it never received more than the limit.
    for (const seen of backend.seen.slice(seenBefore)) assert.equal(seen.url, '/small/chunked');
    assert.ok((received.get('/small/chunked') ?? 0) <= 1024, `upstream received ${received.get('/small/chunked')} bytes`);
  });

  test('routes without max_body take large bodies', async () => {
    const res = await fetch(`${w.baseUrl}/large`, { method: 'POST', body: 'z'.repeat(256 * 1024) });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { bodyBytes: number }).bodyBytes, 256 * 1024);
  });
});
