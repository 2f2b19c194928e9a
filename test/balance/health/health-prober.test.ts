import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthProber } from '../../../src/balance/health/health-prober.js';
import { EventBus, type HealthEvent } from '../../../src/observe/events.js';
import { createLogger } from '../../../src/observe/logger.js';
import { serverOf } from '../../../src/config/normalize.js';
import { startBackend, type Backend } from '../../helpers/backends.js';
import { ctx, poolOf, sleep } from '../pool-fixture.js';

interface Switchable extends Backend {
  status: number;
  body: string;
  hang: boolean;
  checks: number[];
}

const started: Backend[] = [];
const probers: HealthProber[] = [];
after(async () => {
  for (const prober of probers) prober.stopAll();
  await Promise.all(started.map((b) => b.close()));
});

async function switchable(id: string): Promise<Switchable> {
  const state = { status: 200, body: 'ok', hang: false, checks: [] as number[] };
  const backend = await startBackend(id, (req, res) => {
    if (req.url === '/healthz') {
      state.checks.push(Date.now());
      if (state.hang) return;
      res.writeHead(state.status, { 'content-type': 'text/plain' });
      res.end(state.body);
      return;
    }
    res.end(id);
  });
  started.push(backend);
  return Object.assign(state, backend) as unknown as Switchable & typeof state;
}

function prober(): { prober: HealthProber; events: HealthEvent[] } {
  const bus = new EventBus();
  const events: HealthEvent[] = [];
  bus.on('health', (event) => events.push(event));
  const instance = new HealthProber({ events: bus, logger: createLogger('silent') });
  probers.push(instance);
  return { prober: instance, events };
}

async function until(condition: () => boolean, limitMs: number): Promise<number> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`condition not met within ${limitMs}ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

describe('HealthProber', () => {
  test('a failing peer leaves the pool within interval x fails and returns after passes', async () => {
    const a = await switchable('a');
    const b = await switchable('b');
    const { pool } = poolOf({ servers: [a.address, b.address], health: { path: '/healthz', interval: '100ms', timeout: '200ms', fails: 2, passes: 2 } });
    const { prober: p, events } = prober();
    p.watch(pool, pool.config.health);
    await sleep(150);
    a.status = 500;
    const left = await until(() => !pool.peers[0]!.healthy, 1000);
    assert.ok(left <= 100 * 2 + 150, `left after ${left}ms`);
    assert.deepEqual(events.at(-1), { pool: 'u', peer: a.address, healthy: false, reason: 'GET /healthz returned 500' });
    for (let i = 0; i < 4; i++) {
      const peer = pool.select(ctx(), new Set())!;
      assert.equal(peer.address, b.address, 'no traffic to the failing peer');
      pool.release(peer, { ok: true });
    }
    const checksBefore = a.checks.length;
    a.status = 200;
    await until(() => pool.peers[0]!.healthy, 1000);
    assert.ok(a.checks.length - checksBefore >= 2, 'needed two passes');
    assert.equal(events.at(-1)?.healthy, true);
    assert.equal(events.filter((e) => e.peer === b.address).length, 0, 'the healthy peer never flipped');
  });

  test('status range, body pattern and timeout decide a check', async () => {
    const a = await switchable('a');
    const { pool } = poolOf({ servers: [a.address, '127.0.0.1:1'], health: { path: '/healthz', interval: '50ms', timeout: '100ms', status: '200-204', body: '^ok', fails: 1 } });
    const { prober: p, events } = prober();
    p.watch(pool, pool.config.health);
    await until(() => events.some((e) => e.peer === '127.0.0.1:1'), 1000);
    assert.equal(pool.peers[0]!.healthy, true);
    a.body = 'degraded';
    await until(() => !pool.peers[0]!.healthy, 1000);
    assert.equal(events.at(-1)?.reason, 'GET /healthz body does not match /^ok/');
    a.body = 'ok';
    await until(() => pool.peers[0]!.healthy, 1000);
    a.status = 302;
    await until(() => !pool.peers[0]!.healthy, 1000);
    a.status = 200;
    await until(() => pool.peers[0]!.healthy, 1000);
    a.hang = true;
    await until(() => !pool.peers[0]!.healthy, 1000);
    assert.match(events.at(-1)!.reason!, /within 100ms/);
    a.hang = false;
  });

  test('tcp checks only need the port to accept connections', async () => {
    const a = await switchable('a');
    a.status = 500;
    const { pool } = poolOf({ servers: [a.address, '127.0.0.1:1'], health: { type: 'tcp', interval: '50ms', fails: 1 } });
    const { prober: p } = prober();
    p.watch(pool, pool.config.health);
    await until(() => !pool.peers[1]!.healthy, 1000);
    assert.equal(pool.peers[0]!.healthy, true);
  });

  test('checks of a pool are spread over the interval, not fired together', async (t) => {
    const backends = await Promise.all(['a', 'b', 'c', 'd'].map(switchable));
    // The schedule runs on a mocked clock, the checks on real sockets: a loaded machine can
    // delay a check, never make one start before its turn.
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    /** Waits in real time (setImmediate is not mocked) until `check` holds, or `ms` passed. */
    const settle = async (check: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!check() && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      return check();
    };
    const counts = () => backends.map((b) => b.checks.length);
    const { pool } = poolOf({ servers: backends.map((b) => b.address), health: { path: '/healthz', interval: '400ms' } });
    const { prober: p } = prober();
    p.watch(pool, pool.config.health);
    t.mock.timers.tick(0);
    assert.ok(await settle(() => counts()[0] === 1, 5000), 'the first check runs at the start of the round');
    for (let i = 1; i < backends.length; i++) {
      t.mock.timers.tick(99);
      await settle(() => false, 100);
      assert.equal(counts()[i], 0, `check ${i + 1} waits for its quarter of the interval`);
      t.mock.timers.tick(1);
      assert.ok(await settle(() => counts()[i] === 1, 5000), `check ${i + 1} runs at ${i * 100} ms: ${counts()}`);
    }
    p.unwatch('u');
  });

  test('members are re-read every round; unwatch and stopAll end the checks', async () => {
    const a = await switchable('a');
    const b = await switchable('b');
    const { pool } = poolOf({ servers: [a.address], health: { path: '/healthz', interval: '50ms', fails: 1 } });
    const { prober: p } = prober();
    p.watch(pool, pool.config.health);
    pool.setMembers([serverOf(a.address), serverOf(b.address)]);
    b.status = 503;
    await until(() => pool.peers[1]?.healthy === false, 1000);
    p.unwatch('u');
    assert.equal(pool.peers[1]!.healthy, true, 'nothing judges it any more');
    p.watch(pool, pool.config.health);
    await until(() => pool.peers[1]?.healthy === false, 1000);
    p.stopAll();
    const count = a.checks.length + b.checks.length;
    await sleep(150);
    assert.ok(a.checks.length + b.checks.length <= count + 2, 'no checks after stopAll');
  });
});
