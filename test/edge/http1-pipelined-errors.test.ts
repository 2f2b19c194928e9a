// A malformed request pipelined behind valid ones: the valid ones are answered, in order, and
// only then the 400, as nginx does; the malformed one never reaches the upstream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, echoHandler, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { collect, openSocket, portOf } from './raw-http.js';

let backend: Backend;
let wharf: RunningWharf;

before(async () => {
  backend = await startBackend('api', (req, res, self) => {
    // The first request is slow, so the broken one behind it is parsed long before it is answered.
    if (req.url === '/slow') setTimeout(() => echoHandler(req, res, self), 300);
    else echoHandler(req, res, self);
  });
  wharf = await startWharf(`${LOOPBACK}
upstreams:
  api: { servers: ["${backend.address}"] }
routes:
  - { path: /, proxy: api }
`);
});

after(async () => {
  await wharf.stop();
  await backend.close();
});

test('a bad request behind a slow one: the slow one is answered first, then 400 and close', async () => {
  const socket = await openSocket(portOf(wharf.baseUrl));
  const answer = collect(socket, 5000);
  const logged = wharf.accessLines.length;
  socket.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n');
  // More bytes after the malformed ones, while its answer waits: still one error, logged once.
  setTimeout(() => socket.write('GET /after HTTP/1.1\r\nHost: a\r\n\r\n'), 50);
  const { text, closed } = await answer;
  const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [200, 200, 400]);
  assert.ok(text.indexOf('"/slow"') < text.indexOf('"/fast"'), 'answers in request order');
  assert.ok(closed, 'connection closed after the 400');
  assert.deepEqual(backend.seen.map((r) => r.url), ['/slow', '/fast']);
  const lines = wharf.accessLines.slice(logged);
  assert.deepEqual(lines.map((line) => / (\d{3}) /.exec(line.split('"')[2] ?? '')?.[1]).sort(), ['200', '200', '400'], lines.join('\n'));
});

test('a broken chunked body of the request being answered: 400, closed, never forwarded', async () => {
  const before = backend.seen.length;
  const socket = await openSocket(portOf(wharf.baseUrl));
  const answer = collect(socket, 3000);
  socket.write('POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
  const { status, closed } = await answer;
  assert.equal(status, 400);
  assert.ok(closed);
  assert.equal(backend.seen.length, before);
});
