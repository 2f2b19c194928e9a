// The check schedule against a real server: results go through the streak, a slow check is
// never stacked with the next one, and a cancelled loop neither checks nor calls back.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCheckLoop } from '../../src/checks/check-loop.js';
import { probeHttp } from '../../src/checks/http-probe.js';
import { healthCheck } from '../../src/checks/health-check.js';
import type { CheckResult } from '../../src/checks/check-result.js';
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
