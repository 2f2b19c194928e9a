// What an upstream sees of a proxied request, and what the client sees of the answer:
// hop-by-hop headers dropped, X-Forwarded-* and X-Real-IP set, the client's Host kept,
// upstream connections reused, no route -> 404.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { portOf } from './raw-http.js';

interface Echo {
  readonly id: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

function get(url: string, headers: Record<string, string | string[]> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('proxy headers', () => {
  let backend: Backend;
  let hopBackend: Backend;
  let cookieBackend: Backend;
  let connections = 0;
  let w: RunningWharf;

  before(async () => {
    backend = await startBackend('echo');
    backend.server.on('connection', () => connections++);
    hopBackend = await startBackend('hop', (_req, res) => {
      res.writeHead(200, {
        connection: 'X-Private, keep-alive',
        'x-private': 'secret',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic',
        'x-kept': 'yes',
        'content-type': 'text/plain',
      });
      res.end('ok');
    });
    cookieBackend = await startBackend('cookies', (_req, res) => {
      // An informational 103 first: the client must still get the final answer intact.
      res.writeEarlyHints({ link: '</app.css>; rel=preload; as=style' });
      res.writeHead(200, [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['X-Mixed-Case', 'kept'], ['Content-Type', 'text/plain']]);
      res.end('cookies');
    });
    w = await startWharf(`${LOOPBACK}access_log: off
upstreams:
  echo: { servers: [${backend.address}] }
  hop: { servers: [${hopBackend.address}] }
  cookies: { servers: [${cookieBackend.address}] }
routes:
  - path: /cookies
    proxy: cookies
  - path: /hop
    proxy: hop
  - path: /api
    proxy: echo
`);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
    await hopBackend?.close();
    await cookieBackend?.close();
  });

  test('X-Forwarded-For is appended, X-Real-IP, X-Forwarded-Proto and X-Forwarded-Host are set, Host is kept', async () => {
    const port = portOf(w.baseUrl);
    const res = await get(`${w.baseUrl}/api/books?x=1`, { host: `Books.Test:${port}`, 'x-forwarded-for': '203.0.113.7' });
    assert.equal(res.status, 200);
    const echo = JSON.parse(res.body) as Echo;
    assert.equal(echo.url, '/api/books?x=1');
    assert.equal(echo.headers.host, `Books.Test:${port}`);
    assert.equal(echo.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(echo.headers['x-real-ip'], '127.0.0.1');
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.equal(echo.headers['x-forwarded-host'], `Books.Test:${port}`);
  });

  test('two X-Forwarded-For lines reach the upstream as one list, in order, with the client appended', async () => {
    // Node's client sends an array value as one header line per element.
    const res = await get(`${w.baseUrl}/api/xff`, { 'x-forwarded-for': ['198.51.100.1', '203.0.113.7'] });
    const echo = JSON.parse(res.body) as Echo;
    assert.equal(echo.headers['x-forwarded-for'], '198.51.100.1, 203.0.113.7, 127.0.0.1');
  });

  test('without a prior X-Forwarded-For the client address is the whole value', async () => {
    const echo = JSON.parse((await get(`${w.baseUrl}/api`)).body) as Echo;
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
  });

  test('hop-by-hop request headers, and headers the Connection header names, are not forwarded', async () => {
    const res = await get(`${w.baseUrl}/api/hop`, {
      connection: 'keep-alive, X-Session-Secret',
      'x-session-secret': 'drop me',
      'keep-alive': 'timeout=30',
      te: 'trailers',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'proxy-connection': 'keep-alive',
      'x-end-to-end': 'kept',
    });
    const headers = (JSON.parse(res.body) as Echo).headers;
    for (const name of ['x-session-secret', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection', 'upgrade']) {
      assert.equal(headers[name], undefined, `${name} must not reach the upstream`);
    }
    assert.notEqual(headers.connection, 'keep-alive, X-Session-Secret');
    assert.equal(headers['x-end-to-end'], 'kept');
  });

  test('hop-by-hop response headers, and those the upstream Connection names, do not reach the client', async () => {
    const res = await get(`${w.baseUrl}/hop`);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
    assert.equal(res.headers['x-private'], undefined);
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.equal(res.headers['keep-alive'] === 'timeout=5', false);
    assert.equal(res.headers['x-kept'], 'yes');
  });

  test('repeated response headers all reach the client, names as the upstream spelled them', async () => {
    const raw = await get(`${w.baseUrl}/cookies`);
    assert.equal(raw.status, 200);
    assert.equal(raw.body, 'cookies');
    const values = (name: string) => raw.rawHeaders.filter((_, i) => i % 2 === 1 && raw.rawHeaders[i - 1]!.toLowerCase() === name);
    assert.deepEqual(values('set-cookie'), ['a=1', 'b=2']);
    assert.ok(raw.rawHeaders.includes('X-Mixed-Case'), `X-Mixed-Case keeps its case: ${raw.rawHeaders.join(' ')}`);
  });

  test('a request line in absolute form is routed by its path and Host', async () => {
    const echo = await new Promise<Echo>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: portOf(w.baseUrl), path: 'http://abs.test/api/abs?q=1', headers: { host: 'abs.test' }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(JSON.parse(body) as Echo));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(echo.url, '/api/abs?q=1');
    assert.equal(echo.headers.host, 'abs.test');
  });

  test('upstream connections are kept alive and reused', async () => {
    const before = connections;
    for (let i = 0; i < 20; i++) assert.equal((await get(`${w.baseUrl}/api/${i}`)).status, 200);
    assert.ok(connections - before <= 2, `20 sequential requests opened ${connections - before} upstream connections`);
  });

  test('a path no route matches is 404 with a short text body, never proxied', async () => {
    const seen = backend.seen.length;
    const res = await get(`${w.baseUrl}/nothing-here`);
    assert.equal(res.status, 404);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.ok(res.body.length > 0 && res.body.length < 100);
    assert.equal(backend.seen.length, seen);
  });
});
