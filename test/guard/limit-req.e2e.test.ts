// limit_req through a running wharf: nodelay bursts, delayed bursts, 429 with Retry-After.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessRecords, simultaneousGets, startStack, type Stack } from './e2e-support.js';

describe('limit_req through wharf', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack(`  - path: /nodelay
    proxy: backend
    limit_req: { rate: 10r/s, burst: 5, nodelay: true }
  - path: /queued
    proxy: backend
    limit_req: { rate: 10r/s, burst: 5 }
  - path: /by-key
    proxy: backend
    limit_req: { rate: 1r/m, key: "header:X-Api-Key", status: 503 }
  - path: /warm
    proxy: backend
    limit_req: { rate: 1000r/s, burst: 1000, nodelay: true }`);
    // Warm wharf's request path up first, so 20 simultaneous requests are admitted well
    // within one leak interval (100 ms) even on a loaded machine.
    for (let i = 0; i < 5; i++) await simultaneousGets(stack.wharf.baseUrl, '/warm/a', 20);
  });
  after(async () => stack?.close());

  test('rate 10r/s burst 5 nodelay: 20 immediate requests give exactly 6 successes, the rest 429 with Retry-After', async () => {
    const seenBefore = stack.backend.seen.length;
    const recordsBefore = accessRecords(stack.wharf).length;
    const replies = await simultaneousGets(stack.wharf.baseUrl, '/nodelay/a', 20);
    const ok = replies.filter((r) => r.status === 200).length;
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(ok + limited.length, 20);
    assert.ok(limited.every((r) => /\r\nretry-after: [1-9]/i.test(r.head)), 'Retry-After on every 429');
    assert.equal(stack.backend.seen.length - seenBefore, ok, 'only admitted requests reach the upstream');
    await sleep(50);
    const records = accessRecords(stack.wharf).slice(recordsBefore).filter((r) => r.route === '/nodelay');
    assert.ok(records.some((r) => r.status === 429 && r.reason === 'rate_limited'));
    // The 20 arrive together; only a starved machine spreads them over more than one leak
    // interval (100 ms), and then each further interval may let one more through.
    const starts = records.map((r) => Date.parse(r.time as string));
    const spreadMs = Math.max(...starts) - Math.min(...starts);
    if (spreadMs < 90) assert.equal(ok, 6);
    else assert.ok(ok >= 6 && ok <= 6 + Math.ceil(spreadMs / 100), `${ok} passed with arrivals spread over ${spreadMs} ms`);

    // Over the next second the bucket leaks 10 requests' worth.
    let passed = 0;
    const start = Date.now();
    while (Date.now() - start < 1000) {
      if ((await stack.get('/nodelay/a')).status === 200) passed++;
      await sleep(10);
    }
    assert.ok(passed >= 8 && passed <= 12, `about 10 passed in the next second (${passed})`);
  });

  test('without nodelay the burst is delayed, not rejected', async () => {
    const start = Date.now();
    const replies = await Promise.all(Array.from({ length: 6 }, () => stack.get('/queued/a')));
    const took = Date.now() - start;
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
    assert.ok(took >= 400, `the sixth request waited its turn (${took} ms)`);
    const over = await Promise.all(Array.from({ length: 8 }, () => stack.get('/queued/a')));
    assert.ok(over.some((r) => r.status === 429), 'beyond the burst is still rejected');
  });

  test('a header key limits per key, with the configured status', async () => {
    assert.equal((await stack.get('/by-key/a', { 'x-api-key': 'k1' })).status, 200);
    assert.equal((await stack.get('/by-key/a', { 'x-api-key': 'k1' })).status, 503);
    assert.equal((await stack.get('/by-key/a', { 'x-api-key': 'k2' })).status, 200);
  });
});
