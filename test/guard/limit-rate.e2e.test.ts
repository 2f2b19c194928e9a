// limit_rate through a running wharf: the one slow test (about 10 s) the suite allows.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { startStack, type Stack } from './e2e-support.js';

const MB = Buffer.alloc(1024 * 1024, 'w');

describe('limit_rate through wharf', () => {
  let stack: Stack;
  before(async () => {
    const handler = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-length': String(MB.length) });
      res.end(MB);
    };
    stack = await startStack(`  - path: /slow
    proxy: backend
    limit_rate: 100k
  - path: /after
    proxy: backend
    limit_rate: 100k
    limit_rate_after: 900k
  - path: /short-keepalive
    proxy: backend
    limit_rate: 400k`, { handler });
    // Longer than any transfer here, so these tests measure pacing alone; the last test
    // covers an upstream that closes its idle connection mid-transfer.
    stack.backend.server.keepAliveTimeout = 60_000;
  });
  after(async () => stack?.close());

  async function download(path: string): Promise<{ seconds: number; bytes: number; firstHalfSecond: number }> {
    const start = performance.now();
    const res = await request(`${stack.wharf.baseUrl}${path}`, { dispatcher: stack.agent });
    let bytes = 0;
    let firstHalfSecond = 0;
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length;
      if (performance.now() - start < 500) firstHalfSecond = bytes;
    }
    return { seconds: (performance.now() - start) / 1000, bytes, firstHalfSecond };
  }

  test('a 1 MB response at limit_rate 100k takes about 10 s', async () => {
    const { seconds, bytes, firstHalfSecond } = await download('/slow/file');
    assert.equal(bytes, MB.length);
    assert.ok(seconds > 10.24 * 0.85 && seconds < 10.24 * 1.15, `took ${seconds.toFixed(2)} s`);
    assert.ok(firstHalfSecond < 100 * 1024, `${firstHalfSecond} bytes in the first half second`);
  });

  test('a throttled response outlasting the upstream keep-alive timeout still arrives whole', async () => {
    // Node's default keepAliveTimeout is 5 s: the backend has sent everything and closes its
    // idle connection while wharf is still pacing the body out.
    stack.backend.server.keepAliveTimeout = 1000;
    try {
      const { bytes } = await download('/short-keepalive/file');
      assert.equal(bytes, MB.length);
    } finally {
      stack.backend.server.keepAliveTimeout = 60_000;
    }
  });

  test('limit_rate_after 900k: the first 900 KB arrive at full speed, the last 124 KB are paced', async () => {
    const { seconds, bytes, firstHalfSecond } = await download('/after/file');
    assert.equal(bytes, MB.length);
    assert.ok(firstHalfSecond >= 900 * 1024, `${firstHalfSecond} bytes in the first half second`);
    assert.ok(seconds > 1.0 && seconds < 1.6, `took ${seconds.toFixed(2)} s`);
  });
});
