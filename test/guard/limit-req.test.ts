import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { LimitReqConfig } from '../../src/config/model.js';
import type { Verdict } from '../../src/guard/guard.js';
import { LimitReqGuard } from '../../src/guard/limit-req.js';
import { guardRequest } from './guard-request.js';

/** Status of a verdict answered at once (nodelay), 200 for admitted. */
function statusOf(verdict: Verdict | Promise<Verdict>): number {
  assert.ok(!(verdict instanceof Promise), 'answered without delay');
  return verdict?.status ?? 200;
}

/**
 * The guard's clock, and node:test's mock timers for the setTimeout that releases held requests:
 * `advance` moves both, so a test says exactly at which millisecond a request passes.
 */
class TestClock {
  at = 1_000;
  readonly now = (): number => this.at;

  constructor(private readonly t?: TestContext) {
    t?.mock.timers.enable({ apis: ['setTimeout'] });
  }

  async advance(ms: number): Promise<void> {
    this.at += ms;
    this.t?.mock.timers.tick(ms);
    // Let the released promises' reactions run.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function limiter(config: Partial<LimitReqConfig>, maxKeys = 100_000, clock = new TestClock()): LimitReqGuard {
  const full: LimitReqConfig = { rate: 10, burst: 0, nodelay: false, delay: 0, key: 'ip', status: 429, ...config };
  return new LimitReqGuard({ config: full, routeName: 'test/route', maxKeys, now: clock.now });
}

/** Indexes of the held verdicts that have been released so far. */
function trackReleases(verdicts: readonly (Verdict | Promise<Verdict>)[]): number[] {
  const released: number[] = [];
  verdicts.forEach((v, i) => {
    if (v instanceof Promise) void v.then((settled) => {
      assert.equal(settled, undefined, 'a held request is admitted when released');
      released.push(i);
    });
  });
  return released;
}

describe('limit_req', () => {
  test('rate 10r/s burst 5 nodelay: 20 immediate requests give exactly 6 passes, then 429 with Retry-After', () => {
    const guard = limiter({ rate: 10, burst: 5, nodelay: true });
    const verdicts = Array.from({ length: 20 }, () => guard.admit(guardRequest('192.0.2.1')));
    assert.ok(verdicts.every((v) => !(v instanceof Promise)), 'nodelay never holds a request');
    assert.equal(verdicts.filter((v) => v === undefined).length, 6);
    assert.ok(verdicts.slice(0, 6).every((v) => v === undefined), 'the first six pass');
    for (const v of verdicts.slice(6) as Verdict[]) {
      assert.equal(v?.status, 429);
      assert.equal(v?.reason, 'rate_limited');
      assert.ok(Number(v?.headers?.['retry-after']) >= 1);
    }
    // Another client has its own bucket.
    assert.equal(guard.admit(guardRequest('192.0.2.2')), undefined);
  });

  test('after the burst, one request per 1/rate passes: exactly at 100 ms intervals for 10r/s', async () => {
    const clock = new TestClock();
    const guard = limiter({ rate: 10, burst: 5, nodelay: true }, 100_000, clock);
    for (let i = 0; i < 6; i++) assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
    const at = async (ms: number): Promise<number> => {
      await clock.advance(ms);
      return statusOf(guard.admit(guardRequest('192.0.2.1')));
    };
    // A rejected request leaves the bucket as it was: the slot still opens 100 ms after the last pass.
    assert.deepEqual([await at(99), await at(1), await at(50), await at(49), await at(1)], [429, 200, 429, 429, 200]);
  });

  test('Retry-After is the wait until the bucket has room, in whole seconds', async () => {
    const clock = new TestClock();
    const guard = limiter({ rate: 1 / 60, burst: 0, nodelay: true }, 100_000, clock);
    assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
    const retryAfter = () => (guard.admit(guardRequest('192.0.2.1')) as Verdict)?.headers?.['retry-after'];
    assert.equal(retryAfter(), '60');
    await clock.advance(30_000);
    assert.equal(retryAfter(), '30');
    await clock.advance(29_500);
    assert.equal(retryAfter(), '1', 'rounded up, never 0');
    await clock.advance(500);
    assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
  });

  test('Retry-After counts the burst: the wait is until the excess is back within it', async () => {
    const guard = limiter({ rate: 1 / 60, burst: 2, nodelay: true });
    for (let i = 0; i < 3; i++) assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
    assert.equal((guard.admit(guardRequest('192.0.2.1')) as Verdict)?.headers?.['retry-after'], '60');
  });

  test('the least recently admitted key is the one forgotten at the cap (a passing request refreshes its key)', () => {
    const guard = limiter({ rate: 1 / 60, burst: 1, nodelay: true }, 2);
    const statusOfIp = (ip: string) => statusOf(guard.admit(guardRequest(ip)));
    assert.deepEqual(['192.0.2.1', '192.0.2.2', '192.0.2.1'].map(statusOfIp), [200, 200, 200]);
    // .1 was used after .2: adding .3 forgets .2, not .1.
    assert.equal(statusOfIp('192.0.2.3'), 200);
    assert.equal(statusOfIp('192.0.2.1'), 429, '.1 is still remembered');
    assert.deepEqual([statusOfIp('192.0.2.2'), statusOfIp('192.0.2.2')], [200, 200], '.2 starts afresh');
  });

  test('idle buckets are dropped exactly two per request, oldest first (bounded work per request, as nginx)', async () => {
    const clock = new TestClock();
    const guard = limiter({ rate: 1000, burst: 0, nodelay: true }, 100_000, clock);
    for (let i = 0; i < 10; i++) guard.admit(guardRequest(`10.0.0.${i}`));
    await clock.advance(10);
    guard.admit(guardRequest('10.9.0.1'));
    assert.equal(guard.size, 9);
    guard.admit(guardRequest('10.9.0.1'));
    assert.equal(guard.size, 7);
  });

  test('header keys are read case-insensitively and trimmed, as written in the config', () => {
    const guard = limiter({ rate: 1, burst: 0, nodelay: true, key: 'header: X-Api-Key ' });
    assert.equal(guard.admit(guardRequest('192.0.2.1', { 'x-api-key': 'alpha' })), undefined);
    assert.equal(statusOf(guard.admit(guardRequest('192.0.2.2', { 'x-api-key': 'alpha' }))), 429);
  });

  test('a drained bucket allows a full burst again', async () => {
    const clock = new TestClock();
    const guard = limiter({ rate: 20, burst: 2, nodelay: true }, 100_000, clock);
    const burst = () => Array.from({ length: 5 }, () => guard.admit(guardRequest('192.0.2.1'))).filter((v) => v === undefined).length;
    assert.equal(burst(), 3);
    await clock.advance(50);
    assert.equal(burst(), 1, 'one request leaked out: room for one');
    await clock.advance(149);
    assert.equal(burst(), 2, 'not quite empty yet');
    await clock.advance(250);
    assert.equal(burst(), 3);
  });

  test('without nodelay the burst is held and released one per 1/rate, not rejected', async (t) => {
    const clock = new TestClock(t);
    const guard = limiter({ rate: 10, burst: 5 }, 100_000, clock);
    const verdicts = Array.from({ length: 8 }, () => guard.admit(guardRequest('192.0.2.1')));
    assert.equal(verdicts[0], undefined, 'the first request is not held');
    assert.ok(verdicts.slice(1, 6).every((v) => v instanceof Promise), 'the burst is held');
    assert.deepEqual(verdicts.slice(6).map((v) => (v as Verdict)?.status), [429, 429], 'beyond the burst is rejected');
    const released = trackReleases(verdicts);
    await clock.advance(99);
    assert.deepEqual(released, []);
    for (const expected of [[1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4, 5]]) {
      await clock.advance(1);
      assert.deepEqual(released, expected);
      await clock.advance(99);
      assert.deepEqual(released, expected);
    }
  });

  test('delay: N lets the first N excess requests through at once and releases the rest from the N+1th slot on', async (t) => {
    const clock = new TestClock(t);
    const guard = limiter({ rate: 10, burst: 5, delay: 2 }, 100_000, clock);
    const verdicts = Array.from({ length: 7 }, () => guard.admit(guardRequest('192.0.2.1')));
    assert.deepEqual(verdicts.slice(0, 3), [undefined, undefined, undefined]);
    assert.ok(verdicts.slice(3, 6).every((v) => v instanceof Promise));
    assert.equal((verdicts[6] as Verdict)?.status, 429);
    const released = trackReleases(verdicts);
    // Excess 3, 4 and 5 over a threshold of 2: held 100, 200 and 300 ms.
    await clock.advance(99);
    assert.deepEqual(released, []);
    await clock.advance(1);
    assert.deepEqual(released, [3]);
    await clock.advance(99);
    assert.deepEqual(released, [3]);
    await clock.advance(1);
    assert.deepEqual(released, [3, 4]);
    await clock.advance(100);
    assert.deepEqual(released, [3, 4, 5]);
  });

  test('key header:X-Api-Key gives each key its own bucket; requests without the header are not limited', () => {
    const guard = limiter({ rate: 1, burst: 0, nodelay: true, key: 'header:X-Api-Key' });
    const withKey = (key: string, ip: string) => guard.admit(guardRequest(ip, { 'x-api-key': key }));
    assert.equal(withKey('alpha', '192.0.2.1'), undefined);
    assert.equal(statusOf(withKey('alpha', '192.0.2.2')), 429, 'same key from another IP shares the bucket');
    assert.equal(withKey('beta', '192.0.2.1'), undefined);
    for (let i = 0; i < 5; i++) assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
    const long = 'k'.repeat(10_000);
    assert.equal(withKey(long, '192.0.2.1'), undefined);
    assert.equal(statusOf(withKey(long, '192.0.2.1')), 429, 'long keys are still told apart');
    assert.equal(withKey(`${long}x`, '192.0.2.1'), undefined);
  });

  test('a header key sent as several values is those values joined with ", " (as Node joins repeated lines)', () => {
    const guard = limiter({ rate: 1, burst: 0, nodelay: true, key: 'header:x-api-key' });
    assert.equal(guard.admit(guardRequest('192.0.2.1', { 'x-api-key': ['a', 'b'] })), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.1', { 'x-api-key': 'ab' })), undefined, '"ab" is another key');
    assert.equal(statusOf(guard.admit(guardRequest('192.0.2.1', { 'x-api-key': 'a, b' }))), 429, '"a, b" is the same key');
  });

  test('key route: all clients share one bucket', () => {
    const guard = limiter({ rate: 1, burst: 1, nodelay: true, key: 'route' });
    const statuses = ['192.0.2.1', '192.0.2.2', '2001:db8::1'].map((ip) => statusOf(guard.admit(guardRequest(ip))));
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  test('the rejection status is configurable', () => {
    const guard = limiter({ rate: 1, nodelay: true, status: 503 });
    guard.admit(guardRequest('192.0.2.1'));
    assert.equal((guard.admit(guardRequest('192.0.2.1')) as Verdict)?.status, 503);
  });

  test('a flood of distinct clients never holds more than max_keys buckets', () => {
    const guard = limiter({ rate: 1, burst: 10, nodelay: true }, 1000);
    for (let i = 0; i < 100_000; i++) {
      assert.equal(guard.admit(guardRequest(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)), undefined);
    }
    assert.ok(guard.size <= 1000, `${guard.size} buckets`);
  });

  test('at the cap the least recently used key is forgotten (its bucket starts afresh)', () => {
    const guard = limiter({ rate: 1 / 60, burst: 0, nodelay: true }, 2);
    assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
    assert.equal(statusOf(guard.admit(guardRequest('192.0.2.1'))), 429);
    assert.equal(guard.admit(guardRequest('192.0.2.2')), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.3')), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined, '192.0.2.1 was evicted');
    assert.equal(statusOf(guard.admit(guardRequest('192.0.2.3'))), 429, 'recent keys are kept');
  });

  test('idle keys whose buckets have drained are expired as traffic continues', async () => {
    const clock = new TestClock();
    const guard = limiter({ rate: 1000, burst: 0, nodelay: true }, 100_000, clock);
    for (let i = 0; i < 200; i++) guard.admit(guardRequest(`10.0.${i >> 8}.${i & 255}`));
    assert.equal(guard.size, 200);
    await clock.advance(20);
    for (let i = 0; i < 120; i++) guard.admit(guardRequest(`10.1.0.${i}`));
    assert.ok(guard.size <= 121, `${guard.size} buckets after the first 200 went idle`);
    await clock.advance(20);
    for (let i = 0; i < 200; i++) guard.admit(guardRequest('10.2.0.1'));
    assert.ok(guard.size <= 2, `${guard.size} buckets left`);
  });
});
