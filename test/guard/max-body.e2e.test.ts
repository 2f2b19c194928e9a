// max_body through a running wharf: both framings.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { accessRecords, rawExchange, startStack, type Stack } from './e2e-support.js';

describe('max_body through wharf', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack(`  - path: /upload
    proxy: backend
    max_body: 1k`);
  });
  after(async () => stack?.close());

  const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

  test('Content-Length over the limit: 413 at once, without the body being read or proxied', async () => {
    const seenBefore = stack.backend.seen.length;
    // Announce 10 MB but send none of it: the answer must not wait for the body.
    const { socket, responseHead } = rawExchange(stack.wharf.baseUrl, 'POST /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: 10485760\r\n\r\n');
    const timer = setTimeout(() => socket.destroy(), 3000);
    const text = await responseHead;
    clearTimeout(timer);
    socket.destroy();
    assert.equal(statusOf(text), 413, text);
    assert.equal(stack.backend.seen.length, seenBefore);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(accessRecords(stack.wharf).some((r) => r.status === 413 && r.reason === 'body_too_large'));
  });

  test('Content-Length within the limit is proxied whole', async () => {
    const body = Buffer.alloc(1024, 'a');
    const { response } = rawExchange(stack.wharf.baseUrl, `POST /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`, body);
    const text = await response;
    assert.equal(statusOf(text), 200, text);
    assert.match(text, /"bodyBytes":1024/);
  });

  test('a chunked body is cut off at the limit with 413', async () => {
    const chunk = Buffer.alloc(512, 'c');
    const frame = Buffer.concat([Buffer.from('200\r\n'), chunk, Buffer.from('\r\n')]);
    const { socket, responseHead } = rawExchange(stack.wharf.baseUrl, 'POST /upload/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n');
    // Keep streaming chunks, as a client uploading a large file would, until wharf answers.
    let sent = 0;
    const pump = setInterval(() => {
      if (socket.destroyed || sent > 200) return;
      socket.write(frame);
      sent++;
    }, 2);
    const timer = setTimeout(() => socket.destroy(), 5000);
    const text = await responseHead;
    const sentWhenAnswered = sent;
    clearInterval(pump);
    clearTimeout(timer);
    socket.destroy();
    assert.equal(statusOf(text), 413, text);
    assert.ok(sentWhenAnswered < 200, `wharf answered after ${sentWhenAnswered} of 200 chunks`);
  });

  test('a chunked body within the limit is proxied whole', async () => {
    const chunk = Buffer.alloc(500, 'c');
    const body = Buffer.concat([Buffer.from('1f4\r\n'), chunk, Buffer.from('\r\n1f4\r\n'), chunk, Buffer.from('\r\n0\r\n\r\n')]);
    const { response } = rawExchange(stack.wharf.baseUrl, 'POST /upload/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n', body);
    const text = await response;
    assert.equal(statusOf(text), 200, text);
    assert.match(text, /"bodyBytes":1000/);
  });
});
