// Requests a well-behaved client never sends (request smuggling shapes, broken framing,
// oversize or invalid headers) get a 4xx from the edge and never reach the upstream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { portOf, rawExchange } from './raw-http.js';

const CASES: { name: string; bytes: string }[] = [
  {
    name: 'Content-Length together with Transfer-Encoding',
    bytes: 'POST /api HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.test\r\n\r\n',
  },
  {
    name: 'two different Content-Length headers',
    bytes: 'POST /api HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
  },
  {
    name: 'one Content-Length with two different values',
    bytes: 'POST /api HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5, 6\r\n\r\nhello!',
  },
  {
    name: 'a Content-Length that is not a number',
    bytes: 'POST /api HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5x\r\n\r\nhello',
  },
  {
    name: 'a chunk size that is not hexadecimal',
    bytes: 'POST /api HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  },
  {
    name: 'a good chunk followed by a bad chunk size',
    bytes: 'POST /api HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n',
  },
  {
    name: 'a Transfer-Encoding other than chunked last',
    bytes: 'POST /api HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  },
  {
    name: 'an obs-fold (folded) header line',
    bytes: 'GET /api HTTP/1.1\r\nHost: a.test\r\nX-Folded: first\r\n  second\r\n\r\n',
  },
  {
    name: 'a space in a header name',
    bytes: 'GET /api HTTP/1.1\r\nHost: a.test\r\nX Bad: 1\r\n\r\n',
  },
  {
    name: 'a control character in a header name',
    bytes: 'GET /api HTTP/1.1\r\nHost: a.test\r\nX-B\x01ad: 1\r\n\r\n',
  },
  {
    name: 'whitespace between a header name and its colon',
    bytes: 'GET /api HTTP/1.1\r\nHost: a.test\r\nContent-Length : 0\r\n\r\n',
  },
  {
    name: 'a space inside the request target',
    bytes: 'GET /api/a b HTTP/1.1\r\nHost: a.test\r\n\r\n',
  },
  {
    name: 'a control character in the request target',
    bytes: 'GET /api/\x7f HTTP/1.1\r\nHost: a.test\r\n\r\n',
  },
  {
    name: 'an unknown HTTP version',
    bytes: 'GET /api HTTP/7.1\r\nHost: a.test\r\n\r\n',
  },
  {
    name: 'a method with invalid characters',
    bytes: 'G(E)T /api HTTP/1.1\r\nHost: a.test\r\n\r\n',
  },
  {
    name: 'HTTP/1.1 without a Host header',
    bytes: 'GET /api HTTP/1.1\r\nUser-Agent: raw\r\n\r\n',
  },
  {
    name: 'two Host headers',
    bytes: 'GET /api HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n',
  },
  {
    name: 'a Host header with a path in it',
    bytes: 'GET /api HTTP/1.1\r\nHost: a.test/../admin\r\n\r\n',
  },
  {
    name: 'an absolute-form target with a scheme that is not http',
    bytes: 'GET ftp://a.test/api HTTP/1.1\r\nHost: a.test\r\n\r\n',
  },
  {
    name: 'headers larger than 16k',
    bytes: `GET /api HTTP/1.1\r\nHost: a.test\r\n${Array.from({ length: 20 }, (_, i) => `X-Filler-${i}: ${'a'.repeat(1000)}\r\n`).join('')}\r\n`,
  },
  {
    // A forward proxy's tunnel request: wharf is a reverse proxy and tunnels nothing.
    name: 'CONNECT with an authority-form target',
    bytes: 'CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n',
  },
  {
    name: 'a bare LF line ending inside the headers',
    bytes: 'GET /api HTTP/1.1\r\nHost: a.test\nX-Other: 1\r\n\r\n',
  },
];

describe('malformed requests', () => {
  let backend: Backend;
  let w: RunningWharf;
  let port: number;

  before(async () => {
    backend = await startBackend('api');
    w = await startWharf(`${LOOPBACK}access_log_format: json
upstreams:
  api: { servers: [${backend.address}] }
routes:
  - path: /
    proxy: api
`);
    port = portOf(w.baseUrl);
    // A warm keep-alive connection to the upstream, so nothing would have to wait for a connect.
    const warm = await rawExchange(port, 'GET /warm HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    assert.equal(warm.status, 200);
    assert.equal(backend.seen.length, 1);
    backend.seen.length = 0;
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  for (const { name, bytes } of CASES) {
    test(`${name}: 4xx and closed, never forwarded`, async () => {
      const seenBefore = backend.seen.length;
      const answer = await rawExchange(port, bytes);
      assert.ok(answer.status >= 400 && answer.status < 500, `expected a 4xx, got ${answer.status}: ${JSON.stringify(answer.text.slice(0, 80))}`);
      assert.ok(answer.closed, 'the connection is closed after a malformed request');
      await sleep(50);
      assert.deepEqual(backend.seen.slice(seenBefore).map((s) => s.url), []);
    });
  }

  test('requests the parser refuses are in the access log with their status and reason', async () => {
    const before = w.accessLines.length;
    await rawExchange(port, CASES.find((c) => c.name.startsWith('headers larger'))!.bytes);
    await rawExchange(port, CASES.find((c) => c.name === 'a space in a header name')!.bytes);
    await sleep(50);
    const records = w.accessLines.slice(before).map((line) => JSON.parse(line) as { status: number; reason?: string; client: string });
    assert.deepEqual(records.map((r) => r.status).sort(), [400, 431]);
    for (const record of records) {
      assert.match(record.reason ?? '', /^bad_request: HPE_/);
      assert.equal(record.client, '127.0.0.1');
    }
  });

  test('oversize headers answer 431', async () => {
    const oversize = CASES.find((c) => c.name.startsWith('headers larger'))!;
    assert.equal((await rawExchange(port, oversize.bytes)).status, 431);
  });

  test('a well-formed request on the same listener still goes through', async () => {
    const seenBefore = backend.seen.length;
    const answer = await rawExchange(port, 'GET /fine HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    assert.equal(answer.status, 200);
    assert.deepEqual(backend.seen.slice(seenBefore).map((s) => s.url), ['/fine']);
  });

  test('HTTP/1.0 without Host is fine', async () => {
    const seenBefore = backend.seen.length;
    const answer = await rawExchange(port, 'GET /old HTTP/1.0\r\n\r\n');
    assert.equal(answer.status, 200);
    assert.deepEqual(backend.seen.slice(seenBefore).map((s) => s.url), ['/old']);
  });
});
