// The check schedule against a real server: results go through the streak, a slow check is
// never stacked with the next one, and a cancelled loop neither checks nor calls back.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCheckLoop } from '../../src/checks/check-loop.js';
import { probeHttp } from '../../src/checks/http-probe.js';
import { healthCheck } from '../../src/checks/health-check.js';
import { critical, passing, type CheckResult } from '../../src/checks/check-result.js';
import type { Streak } from '../../src/checks/streak.js';
import { startBackend, type Backend } from '../helpers/backends.js';

const backends: Backend[] = [];
after(() => Promise.all(backends.map((b) => b.close())));

interface Switch { status: number; delayMs: number; inFlight: number; maxInFlight: number }

async function switchable(): Promise<Backend & { state: Switch }> {
  const state: Switch = { status: 200, delayMs: 0, inFlight: 0, maxInFlight: 0 };
  const backend = await startBackend('c', (_req, res) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    setTimeout(() => {
      state.inFlight--;
      res.writeHead(state.status);
      res.end();
    }, state.delayMs);
  });
  backends.push(backend);
  return Object.assign(backend, { state });
}

async function until(condition: () => boolean, limitMs = 3000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs}ms`);
    await sleep(5);
  }
}

describe('startCheckLoop', () => {
  test('flips with the streak rule and reports every result', async () => {
    const b = await switchable();
    const flips: boolean[] = [];
    const results: CheckResult[] = [];
    const cancel = startCheckLoop({
      probe: () => probeHttp({ host: '127.0.0.1', port: b.port, path: '/' }, 500),
      intervalMs: 20,
      firstDelayMs: 0,
      rule: { passes: 2, fails: 3 },
      healthy: false,
      onFlip: (healthy) => flips.push(healthy),
      onResult: (result) => results.push(result),
    });
    try {
      await until(() => flips.length === 1);
      assert.deepEqual(flips, [true]);
      assert.ok(b.seen.length >= 2, 'two passes were needed');
      b.state.status = 500;
      const before = b.seen.length;
      await until(() => flips.length === 2);
      assert.deepEqual(flips, [true, false]);
      assert.ok(b.seen.length - before >= 3, 'three failures were needed');
      assert.ok(results.some((r) => r.status === 'critical' && r.output === 'GET / returned 500'));
    } finally {
      cancel();
    }
  });

  test('a slow check is not stacked; a cancelled loop stops checking and never calls back', async () => {
    const b = await switchable();
    b.state.delayMs = 120;
    let calls = 0;
    const cancel = startCheckLoop({
      probe: () => probeHttp({ host: '127.0.0.1', port: b.port, path: '/' }, 1000),
      intervalMs: 10,
      firstDelayMs: 0,
      rule: { passes: 1, fails: 1 },
      healthy: false,
      onFlip: () => calls++,
      onResult: () => calls++,
    });
    await until(() => b.seen.length >= 3);
    assert.equal(b.state.maxInFlight, 1, 'one check at a time');
    await until(() => b.state.inFlight === 1);
    cancel();
    const callsAtCancel = calls;
    const seenAtCancel = b.seen.length;
    await sleep(250);
    assert.equal(calls, callsAtCancel, 'the answer of the check in flight is dropped');
    assert.equal(b.seen.length, seenAtCancel, 'no check after cancel');
  });

  test('a probe that throws counts as critical', async () => {
    const flips: boolean[] = [];
    const outputs: string[] = [];
    const cancel = startCheckLoop({
      probe: () => Promise.reject(new Error('boom')),
      intervalMs: 10,
      firstDelayMs: 0,
      rule: { passes: 1, fails: 2 },
      healthy: true,
      onFlip: (healthy) => flips.push(healthy),
      onResult: (r) => outputs.push(r.output),
    });
    await until(() => flips.length === 1);
    cancel();
    assert.deepEqual(flips, [false]);
    assert.equal(outputs[0], 'boom');
  });
});

/**
 * The loop on node:test's mock timers with a scripted probe: `advance` moves the clock and lets
 * the probe's answer be handled, so a test says at which millisecond each check runs.
 */
class Scripted {
  at = 0;
  /** The clock time of every probe call. */
  readonly calls: number[] = [];
  /** Answers still to be given, in order; an empty script answers passing. */
  readonly script: (CheckResult | Error | 'hold')[] = [];
  private held: ((result: CheckResult) => void) | undefined;

  constructor(t: TestContext) {
    t.mock.timers.enable({ apis: ['setTimeout'] });
  }

  readonly probe = (): Promise<CheckResult> => {
    this.calls.push(this.at);
    const next = this.script.shift() ?? passing('ok');
    if (next === 'hold') return new Promise((resolve) => (this.held = resolve));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };

  /** Answers the check in flight. */
  async answer(result: CheckResult): Promise<void> {
    const held = this.held;
    this.held = undefined;
    held?.(result);
    await flush();
  }

  async advance(t: TestContext, ms: number): Promise<void> {
    this.at += ms;
    t.mock.timers.tick(ms);
    await flush();
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('startCheckLoop on a mock clock', () => {
  test('the first check runs intervalMs after the start, each next one intervalMs after the previous answer', async (t) => {
    const s = new Scripted(t);
    const cancel = startCheckLoop({ probe: s.probe, intervalMs: 1000, rule: { passes: 1, fails: 1 }, healthy: true, onFlip: () => {} });
    await s.advance(t, 999);
    assert.deepEqual(s.calls, []);
    await s.advance(t, 1);
    await s.advance(t, 999);
    assert.deepEqual(s.calls, [1000]);
    await s.advance(t, 1);
    assert.deepEqual(s.calls, [1000, 2000], 'without onResult the loop goes on all the same');
    cancel();
  });

  test('firstDelayMs sets the first check only', async (t) => {
    const s = new Scripted(t);
    const cancel = startCheckLoop({ probe: s.probe, intervalMs: 1000, firstDelayMs: 250, rule: { passes: 1, fails: 1 }, healthy: true, onFlip: () => {} });
    await s.advance(t, 249);
    assert.deepEqual(s.calls, []);
    await s.advance(t, 1);
    await s.advance(t, 1000);
    assert.deepEqual(s.calls, [250, 1250]);
    cancel();
  });

  test('firstDelayMs 0 checks at once', async (t) => {
    const z = new Scripted(t);
    const cancelZero = startCheckLoop({ probe: z.probe, intervalMs: 1000, firstDelayMs: 0, rule: { passes: 1, fails: 1 }, healthy: true, onFlip: () => {} });
    await z.advance(t, 0);
    assert.deepEqual(z.calls, [0]);
    cancelZero();
  });

  test('a slow check holds the next one back until intervalMs after its answer', async (t) => {
    const s = new Scripted(t);
    s.script.push('hold');
    const results: string[] = [];
    const cancel = startCheckLoop({
      probe: s.probe, intervalMs: 100, firstDelayMs: 0, rule: { passes: 1, fails: 1 }, healthy: true, onFlip: () => {},
      onResult: (r) => results.push(r.output),
    });
    await s.advance(t, 0);
    await s.advance(t, 500);
    assert.deepEqual(s.calls, [0], 'no second check while the first is unanswered');
    await s.answer(passing('slow'));
    assert.deepEqual(results, ['slow']);
    await s.advance(t, 99);
    assert.deepEqual(s.calls, [0]);
    await s.advance(t, 1);
    assert.deepEqual(s.calls, [0, 600]);
    cancel();
  });

  test('each flip reports the new verdict, the result that flipped it and the streak; warning counts as a failure', async (t) => {
    const s = new Scripted(t);
    s.script.push(critical('down 1'), { status: 'warning', output: 'down 2' }, passing('up 1'), passing('up 2'));
    const flips: [boolean, string, number][] = [];
    const results: string[] = [];
    const cancel = startCheckLoop({
      probe: s.probe, intervalMs: 10, firstDelayMs: 0, rule: { passes: 2, fails: 2 }, healthy: true,
      onFlip: (healthy: boolean, result: CheckResult, streak: Streak) => flips.push([healthy, result.output, streak.failures]),
      onResult: (r) => results.push(r.output),
    });
    await s.advance(t, 0);
    for (let i = 0; i < 3; i++) await s.advance(t, 10);
    assert.deepEqual(results, ['down 1', 'down 2', 'up 1', 'up 2']);
    assert.deepEqual(flips, [[false, 'down 2', 2], [true, 'up 2', 0]]);
    cancel();
  });

  test('a probe that throws is a critical result carrying its message', async (t) => {
    const s = new Scripted(t);
    s.script.push(new Error('connect ECONNREFUSED'));
    const flips: [boolean, CheckResult][] = [];
    const cancel = startCheckLoop({ probe: s.probe, intervalMs: 10, firstDelayMs: 0, rule: { passes: 1, fails: 1 }, healthy: true, onFlip: (h, r) => flips.push([h, r]) });
    await s.advance(t, 0);
    assert.deepEqual(flips, [[false, { status: 'critical', output: 'connect ECONNREFUSED' }]]);
    cancel();
  });

  test('cancelled while waiting: no further check', async (t) => {
    const s = new Scripted(t);
    const cancel = startCheckLoop({ probe: s.probe, intervalMs: 100, firstDelayMs: 0, rule: { passes: 1, fails: 1 }, healthy: true, onFlip: () => {} });
    await s.advance(t, 0);
    await s.advance(t, 50);
    cancel();
    await s.advance(t, 1000);
    assert.deepEqual(s.calls, [0]);
  });

  test('cancelled while a check is in flight: its answer is dropped and no check follows', async (t) => {
    const s = new Scripted(t);
    s.script.push('hold');
    let called = 0;
    const cancel = startCheckLoop({
      probe: s.probe, intervalMs: 100, firstDelayMs: 0, rule: { passes: 1, fails: 1 }, healthy: true,
      onFlip: () => called++, onResult: () => called++,
    });
    await s.advance(t, 0);
    cancel();
    await s.answer(critical('late'));
    await s.advance(t, 1000);
    assert.equal(called, 0);
    assert.deepEqual(s.calls, [0]);
  });

  test('cancelled by its own onFlip: no check follows', async (t) => {
    const s = new Scripted(t);
    s.script.push(critical('down'));
    const flips: boolean[] = [];
    const cancel: () => void = startCheckLoop({
      probe: s.probe, intervalMs: 100, firstDelayMs: 0, rule: { passes: 1, fails: 1 }, healthy: true,
      onFlip: (healthy) => { flips.push(healthy); cancel(); },
    });
    await s.advance(t, 0);
    await s.advance(t, 1000);
    assert.deepEqual(flips, [false]);
    assert.deepEqual(s.calls, [0]);
  });
});

describe('healthCheck', () => {
  test('no health block is a TCP connect; an http block uses its path, range and Host', async () => {
    const b = await switchable();
    b.state.status = 503;
    assert.equal((await healthCheck(undefined)({ host: '127.0.0.1', port: b.port })).status, 'passing', 'TCP: the answer does not matter');
    assert.equal(b.seen.length, 0, 'nothing was requested');
    const http = healthCheck({ type: 'http', path: '/healthz', intervalMs: 1000, timeoutMs: 500, fails: 1, passes: 1, statusMin: 200, statusMax: 503 });
    const result = await http({ host: '127.0.0.1', port: b.port, hostHeader: 'books.test' });
    assert.equal(result.status, 'passing', '503 is inside 200-503');
    assert.equal(b.seen[0]!.url, '/healthz');
    assert.equal(b.seen[0]!.headers.host, 'books.test');
    const tcp = healthCheck({ type: 'tcp', path: '/', intervalMs: 1000, timeoutMs: 500, fails: 1, passes: 1, statusMin: 200, statusMax: 399 });
    assert.equal((await tcp({ host: '127.0.0.1', port: b.port })).status, 'passing');
    assert.equal(b.seen.length, 1);
  });
});
