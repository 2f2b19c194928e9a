// The restart policy's two pure parts, on exact numbers: the backoff curve (doubling from
// 100 ms, levelling off at its cap, reset) and PM2's crash-loop window on a given clock.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/supervise/backoff.js';
import { CrashLoopGuard } from '../../src/supervise/crash-loop.js';

const delays = (backoff: Backoff, n: number): number[] => Array.from({ length: n }, () => backoff.next());

describe('restart backoff', () => {
  test('doubles from 100 ms and levels off at 30 s, staying there', () => {
    assert.deepEqual(delays(new Backoff(), 12), [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000]);
  });

  test('a cap that is not a power-of-two multiple of the start is reached exactly, never passed', () => {
    assert.deepEqual(delays(new Backoff(300, 1000), 5), [300, 600, 1000, 1000, 1000]);
  });

  test('reset starts the curve over from the initial delay', () => {
    const backoff = new Backoff(100, 1000);
    delays(backoff, 6);
    backoff.reset();
    assert.deepEqual(delays(backoff, 3), [100, 200, 400]);
  });
});

describe('crash-loop guard', () => {
  test('more than max_restarts restarts within the window is a crash loop', () => {
    const guard = new CrashLoopGuard(3, 60_000);
    assert.deepEqual([0, 1000, 2000].map((at) => guard.record(at)), [false, false, false]);
    assert.equal(guard.record(3000), true, 'the fourth restart within a minute');
  });

  test('restarts older than the window no longer count; the window edge is exclusive', () => {
    const guard = new CrashLoopGuard(2, 10_000);
    assert.equal(guard.record(0), false);
    assert.equal(guard.record(5_000), false);
    // At 10 000 the restart at 0 is exactly one window old: it has left the window.
    assert.equal(guard.record(10_000), false);
    assert.equal(guard.record(14_999), true, '5 000, 10 000 and 14 999 are within 10 s');
  });

  test('clear forgets every restart', () => {
    const guard = new CrashLoopGuard(1, 60_000);
    guard.record(0);
    guard.clear();
    assert.equal(guard.record(1), false);
    assert.equal(guard.record(2), true);
  });

  test('describe says the rule in the units users wrote', () => {
    assert.equal(new CrashLoopGuard(3, 60_000).describe(), 'more than 3 restarts within 60s');
    assert.equal(new CrashLoopGuard(5, 1_500).describe(), 'more than 5 restarts within 1.5s');
  });
});
