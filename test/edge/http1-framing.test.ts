// HTTP/1.1 on the wire as a client of the plain listener sees it: pipelining, keep-alive and
// close, HTTP/1.0, response framing (chunked, HEAD, 204/304), 100-continue, chunked uploads,
// the idle keep-alive timeout and Date, read with the strict parser in raw-responses.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { portOf } from './raw-http.js';
import { Conn, type Response } from './raw-responses.js';

const get = (path: string, extra = '', method = 'GET') => `${method} ${path} HTTP/1.1\r\nHost: app.test\r\n${extra}\r\n`;
const json = (res: Response) => JSON.parse(res.body.toString('utf8')) as { url: string; method: string; bytes: number; sha256: string; body?: string };
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const isClose = (res: Response) => /(^|,)\s*close\s*(,|$)/i.test(res.headers.connection ?? '');
const STREAMED = Array.from({ length: 12 }, (_, i) => `part ${i} ${'x'.repeat(i * 9000)}\n`);

/** Answers held by /app/hold, sent when the test calls them. */
const held: (() => void)[] = [];

/** /app/status/N, /app/head (Content-Length: 5 even for HEAD), /app/chunked (no length), /app/hold, else JSON of what arrived. */
function app(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = req.url ?? '';
    const body = Buffer.concat(chunks);
    if (url === '/app/hold') {
      held.push(() => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 4 }).end('done'));
    } else if (url.startsWith('/app/status/')) {
      const code = Number(url.slice('/app/status/'.length));
      res.writeHead(code, code === 304 ? { etag: '"v1"' } : {});
      res.end();
    } else if (url === '/app/head') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 });
      res.end(req.method === 'HEAD' ? undefined : 'hello');
    } else if (url === '/app/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const next = (i: number): void => {
        if (i === STREAMED.length) res.end();
        else res.write(STREAMED[i], () => setTimeout(() => next(i + 1), 3));
      };
      next(0);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url, method: req.method, bytes: body.length, sha256: sha256(body), body: body.length <= 4096 ? body.toString('latin1') : undefined }));
    }
  });
}

const config = (backend: Backend, extra = '') => `${LOOPBACK}${extra}upstreams:
  app: { servers: [${backend.address}] }
routes:
  - { path: /app, proxy: app }
`;

describe('HTTP/1.1 framing on the plain listener', () => {
  let backend: Backend;
  let w: RunningWharf;
  let port: number;
  const open: Conn[] = [];
  const conn = async () => {
    const c = await Conn.open(port);
    open.push(c);
    return c;
  };

  before(async () => {
    backend = await startBackend('app', app);
    w = await startWharf(config(backend));
    port = portOf(w.baseUrl);
  });

  after(async () => {
    for (const c of open) c.socket.destroy();
    await w?.stop();
    await backend?.close();
  });

  test('three pipelined GETs in one write are answered in order and the connection stays open', async () => {
    const c = await conn();
    await c.write(get('/app/one') + get('/app/two') + get('/app/three'));
    for (const url of ['/app/one', '/app/two', '/app/three']) {
      const res = await c.response();
      assert.equal(res.status, 200);
      assert.equal(json(res).url, url);
      assert.ok(!isClose(res), `${url} answered with Connection: ${res.headers.connection}`);
    }
    await c.write(get('/app/four'));
    assert.equal(json(await c.response()).url, '/app/four');
    assert.equal(c.closed, false);
  });

  test('a pipelined POST with a body, then a GET: both answered in order, the body forwarded exactly', async () => {
    const body = 'line one\r\nGET /app/smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n\u00ff end';
    const c = await conn();
    await c.write(Buffer.from(get('/app/post', `Content-Length: ${body.length}\r\nContent-Type: text/plain\r\n`, 'POST') + body + get('/app/after'), 'latin1'));
    const posted = json(await c.response());
    assert.deepEqual([posted.method, posted.url, posted.body], ['POST', '/app/post', body]);
    assert.equal(json(await c.response()).url, '/app/after');
    assert.ok(!backend.seen.some((s) => s.url === '/app/smuggled'), 'body bytes were taken for a request');
  });

  test('keep-alive: sequential requests share a socket; Connection: close from the client closes it', async () => {
    const c = await conn();
    for (const url of ['/app/ka1', '/app/ka2']) {
      await c.write(get(url));
      const res = await c.response();
      assert.equal(json(res).url, url);
      assert.ok(!isClose(res), `Connection: ${res.headers.connection}`);
    }
    await c.write(get('/app/bye', 'Connection: close\r\n'));
    const last = await c.response();
    assert.equal(json(last).url, '/app/bye');
    assert.ok(isClose(last), `Connection: ${last.headers.connection}`);
    assert.ok(await c.closedWithin(3000), 'the server kept the connection open after Connection: close');
  });

  test('an HTTP/1.0 request without keep-alive is answered, then the connection is closed', async () => {
    const c = await conn();
    await c.write('GET /app/old HTTP/1.0\r\nHost: app.test\r\n\r\n');
    const res = await c.response();
    assert.equal(res.status, 200);
    assert.equal(json(res).url, '/app/old');
    assert.ok(await c.closedWithin(3000), 'an HTTP/1.0 connection stayed open');
  });

  test('an upstream body without Content-Length is chunked to HTTP/1.1 clients and whole, close-delimited or sized, to HTTP/1.0', async () => {
    const expected = STREAMED.join('');
    const c = await conn();
    await c.write(get('/app/chunked'));
    const res = await c.response();
    assert.equal(res.headers['transfer-encoding']?.toLowerCase(), 'chunked');
    assert.equal(res.body.toString('latin1'), expected);
    await c.write(get('/app/next'));
    assert.equal(json(await c.response()).url, '/app/next');

    const old = await conn();
    await old.write('GET /app/chunked HTTP/1.0\r\nHost: app.test\r\n\r\n');
    const res10 = await old.response(false, 10_000);
    assert.equal(res10.status, 200);
    assert.equal(res10.headers['transfer-encoding'], undefined, 'chunked sent to an HTTP/1.0 client');
    assert.equal(res10.body.toString('latin1'), expected);
    assert.ok(await old.closedWithin(3000));
  });

  test('HEAD carries the upstream Content-Length but no body, and the next response is framed right', async () => {
    const c = await conn();
    await c.write(get('/app/head', '', 'HEAD') + get('/app/head'));
    const head = await c.response(true);
    assert.equal(head.status, 200);
    const res = await c.response();
    assert.equal(res.body.toString(), 'hello', 'a body after HEAD would be read as the start of this response');
    await c.write(get('/app/head', '', 'HEAD'));
    await c.response(true);
    await c.write(get('/app/after-head'));
    assert.equal(json(await c.response()).url, '/app/after-head');
    assert.equal(c.leftover, 0);
  });

  test('Expect: 100-continue gets 100 Continue before the body is sent, then the final answer', async () => {
    const body = 'the body that waited';
    const c = await conn();
    await c.write(get('/app/expect', `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n`, 'POST'));
    const interim = await c.response(false, 2000);
    assert.equal(interim.status, 100);
    await c.write(body);
    const res = await c.response();
    assert.equal(res.status, 200);
    assert.deepEqual([json(res).url, json(res).body], ['/app/expect', body]);
  });

  test('204 and 304 carry no body and the connection is reused afterwards', async () => {
    const c = await conn();
    await c.write(get('/app/status/204') + get('/app/status/304') + get('/app/after-empty'));
    assert.equal((await c.response()).status, 204);
    const notModified = await c.response();
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers.etag, '"v1"');
    assert.equal(json(await c.response()).url, '/app/after-empty');
    await c.write(get('/app/again'));
    assert.equal(json(await c.response()).url, '/app/again');
  });

  test('HTTP/1.1 without Host is 400 and never reaches the upstream', async () => {
    const c = await conn();
    await c.write('GET /app/no-host HTTP/1.1\r\nUser-Agent: raw\r\n\r\n');
    assert.equal((await c.response()).status, 400);
    assert.ok(await c.closedWithin(3000));
    await sleep(50);
    assert.ok(!backend.seen.some((s) => s.url === '/app/no-host'));
    // wharf's own answer, so it is in the access log like any other request.
    assert.ok(w.accessLines.some((line) => line.includes('"GET /app/no-host HTTP/1.1" 400 ')), 'the refusal is not in the access log');
  });

  test('an Expect other than 100-continue is passed on, as nginx does, not refused with 417', async () => {
    const c = await conn();
    await c.write(get('/app/expect-other', 'Expect: something-else\r\n'));
    const res = await c.response();
    assert.equal(res.status, 200);
    assert.equal(json(res).url, '/app/expect-other');
  });

  test('a 5 MB chunked upload written slowly in uneven pieces arrives byte-exact', async () => {
    const data = randomBytes(5 * 1024 * 1024);
    const framed: Buffer[] = [];
    const sizes = [1, 17, 4096, 65_536, 300_001, 123_457, 2, 777_777];
    for (let at = 0, i = 0; at < data.length; i++) {
      const size = Math.min(sizes[i % sizes.length]!, data.length - at);
      // Upper-case hex and a chunk extension are both valid and must not disturb the framing.
      const sizeLine = i % 3 === 0 ? `${size.toString(16).toUpperCase()};piece=${i}` : size.toString(16);
      framed.push(Buffer.from(`${sizeLine}\r\n`), data.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    framed.push(Buffer.from('0\r\n\r\n'));
    const wire = Buffer.concat(framed);
    const c = await conn();
    await c.write(get('/app/upload', 'Transfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n', 'POST'));
    // Slices that ignore chunk boundaries, so size lines and CRLFs get split across reads.
    for (let at = 0; at < wire.length; at += 49_999) {
      await c.write(wire.subarray(at, at + 49_999));
      await sleep(2);
    }
    const res = await c.response(false, 30_000);
    assert.equal(res.status, 200);
    assert.equal(json(res).bytes, data.length);
    assert.equal(json(res).sha256, sha256(data));
  });

  test('Date is on proxied responses and on wharf\'s own 404', async () => {
    const c = await conn();
    await c.write(get('/app/dated') + get('/nowhere'));
    const proxied = await c.response();
    const missing = await c.response();
    assert.equal(missing.status, 404);
    for (const res of [proxied, missing]) {
      const date = res.headers.date ?? '';
      assert.match(date, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      assert.ok(Math.abs(Date.parse(date) - Date.now()) < 60_000, `Date ${date} is not now`);
    }
  });
});

describe('HTTP/1.1 on a listener removed by a reload', () => {
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    backend = await startBackend('app', app);
    w = await startWharf(config(backend));
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  test('the answer in flight says Connection: close and the connection closes; new connections are refused', async () => {
    const port = portOf(w.baseUrl);
    const c = await Conn.open(port);
    try {
      await c.write(get('/app/hold'));
      for (let i = 0; i < 200 && held.length === 0; i++) await sleep(10);
      assert.equal(held.length, 1, 'the request reached the upstream');
      await w.reload(config(backend).replace('listen: [127.0.0.1:0]', 'listen: [127.0.0.2:0]'));
      held.shift()!();
      const res = await c.response();
      assert.equal(res.body.toString(), 'done');
      assert.ok(isClose(res), `Connection: ${res.headers.connection}`);
      assert.ok(await c.closedWithin(3000), 'the connection stayed open after Connection: close');
      await assert.rejects(Conn.open(port), /ECONNREFUSED/);
    } finally {
      c.socket.destroy();
    }
  });
});

describe('HTTP/1.1 keep-alive idle timeout', () => {
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    backend = await startBackend('app', app);
    // client_header 20s: a sweep paced by it alone would come every 5 s, closing up to 6 s late.
    w = await startWharf(config(backend, 'timeouts: { keepalive: 1s, client_header: 20s }\n'));
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  test('an idle keep-alive connection is closed by the server soon after keepalive passes', async () => {
    const c = await Conn.open(portOf(w.baseUrl));
    try {
      await c.write(get('/app/idle'));
      const res = await c.response();
      assert.equal(json(res).url, '/app/idle');
      assert.ok(!isClose(res));
      const answeredAt = Date.now();
      // Due about 1.1 s after the response; 4 s leaves room for a loaded machine, not for a 5 s sweep.
      assert.ok(await c.closedWithin(4000), 'still open 4 s after the response with keepalive 1s');
      assert.ok(Date.now() - answeredAt >= 900, `closed ${Date.now() - answeredAt} ms after the response: before keepalive passed`);
    } finally {
      c.socket.destroy();
    }
  });
});
