// The live numbers the dashboard, /api/status and the error-rate alert show: requests per
// second, 5xx share and p99 over a sliding window, and a per-second history of the totals.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteRates } from '../../src/observe/route-rates.js';

/** A clock the test moves by hand (ms since epoch, starting on a second boundary). */
function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

describe('RouteRates', () => {
  test('requests per second over the window, per route and in total', () => {
    const time = clock();
    const rates = new RouteRates({ windowSeconds: 10, now: time.now });
    // 10 seconds of 20 req/s on /a and 5 req/s on /b.
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 20; i++) rates.record('/a', 200, 5);
      for (let i = 0; i < 5; i++) rates.record('/b', 200, 5);
      time.advance(1000);
    }
    time.advance(-1); // the end of the tenth second
    assert.ok(Math.abs(rates.route('/a').rps - 20) < 0.5, `rps ${rates.route('/a').rps}`);
    assert.ok(Math.abs(rates.route('/b').rps - 5) < 0.5);
    assert.ok(Math.abs(rates.totals().rps - 25) < 0.5);
    assert.equal(rates.route('/a').requests, 200);
    assert.equal(rates.route('/never').rps, 0);
    assert.equal(rates.route('/never').p99Ms, null);
  });

  test('old seconds leave the window', () => {
    const time = clock();
    const rates = new RouteRates({ windowSeconds: 5, now: time.now });
    for (let i = 0; i < 50; i++) rates.record('/a', 200, 1);
    time.advance(3000);
    assert.equal(rates.route('/a').requests, 50);
    time.advance(3000);
    assert.equal(rates.route('/a').requests, 0);
    assert.equal(rates.route('/a').rps, 0);
  });

  test('error rate is the share of 5xx answers; 4xx are not errors', () => {
    const time = clock();
    const rates = new RouteRates({ now: time.now });
    for (let i = 0; i < 70; i++) rates.record('/a', 200, 1);
    for (let i = 0; i < 10; i++) rates.record('/a', 404, 1);
    for (let i = 0; i < 20; i++) rates.record('/a', 503, 1);
    assert.equal(rates.route('/a').errorRate, 0.2);
    assert.equal(rates.totals().errorRate, 0.2);
  });

  test('p99 comes within 25% of the true value and follows the slow tail', () => {
    const time = clock();
    const rates = new RouteRates({ now: time.now });
    for (let i = 0; i < 985; i++) rates.record('/a', 200, 2 + (i % 10) * 0.1);
    for (let i = 0; i < 15; i++) rates.record('/a', 200, 400);
    const p99 = rates.route('/a').p99Ms!;
    assert.ok(p99 >= 400 && p99 <= 500, `p99 ${p99}`);
    const fast = new RouteRates({ now: time.now });
    for (let i = 0; i < 1000; i++) fast.record('/a', 200, 3);
    const fastP99 = fast.route('/a').p99Ms!;
    assert.ok(fastP99 >= 3 && fastP99 <= 3.75, `p99 ${fastP99}`);
  });

  test('unmatched requests count in the totals only; retain() drops removed routes', () => {
    const time = clock();
    const rates = new RouteRates({ now: time.now });
    rates.record('', 404, 1);
    rates.record('/a', 200, 1);
    rates.record('/old', 200, 1);
    assert.deepEqual([...rates.all().keys()].sort(), ['/a', '/old']);
    assert.equal(rates.totals().requests, 3);
    rates.retain(['/a']);
    assert.deepEqual([...rates.all().keys()], ['/a']);
  });

  test('history has one point per completed second, oldest first, with gaps as zero', () => {
    const time = clock();
    const rates = new RouteRates({ historySeconds: 60, now: time.now });
    time.advance(2000);
    const start = time.now();
    for (let i = 0; i < 3; i++) rates.record('/a', 200, 10);
    time.advance(1000);
    for (let i = 0; i < 5; i++) rates.record('/a', 500, 10);
    time.advance(2000); // one quiet second, then the current (partial) second
    rates.record('/a', 200, 10);
    const history = rates.history(5);
    assert.equal(history.step, 1000);
    assert.equal(history.start, start - 2000);
    assert.deepEqual(history.rps, [0, 0, 3, 5, 0]);
    assert.deepEqual(history.errors, [0, 0, 0, 5, 0]);
    assert.equal(history.p99Ms[0], null);
    assert.ok(history.p99Ms[2]! >= 10 && history.p99Ms[2]! <= 12.5);
    // Never before counting began; at most historySeconds.
    assert.equal(rates.history().rps.length, 5);
    time.advance(120_000);
    assert.equal(rates.history().rps.length, 60);
  });
});
