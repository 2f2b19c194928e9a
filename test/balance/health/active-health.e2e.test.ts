// Active health checks through a running wharf: traffic leaves a failing server within
// interval x fails, returns after passes, and with no healthy server the edge answers 503 at once.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOOPBACK, startWharf, type RunningWharf } from '../../helpers/wharf.js';
import { startBackend, type Backend } from '../../helpers/backends.js';
import type { HealthEvent } from '../../../src/observe/events.js';

interface Flaky extends Backend {
  healthStatus: number;
}

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function flaky(id: string): Promise<Flaky> {
  const backend = await startBackend(id, (req, res, self) => {
    if (req.url === '/healthz') {
      res.writeHead((self as Flaky).healthStatus);
      res.end();
      return;
    }
    res.end(id);
  });
  cleanup.push(() => backend.close());
  return Object.assign(backend, { healthStatus: 200 });
}

async function answer(wharf: RunningWharf): Promise<{ status: number; body: string }> {
  const res = await fetch(`${wharf.baseUrl}/`);
  return { status: res.status, body: await res.text() };
}

async function until(condition: () => Promise<boolean> | boolean, limitMs: number): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > limitMs) throw new Error(`condition not met within ${limitMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - start;
}

describe('active health checks through the edge', () => {
  test('a server failing its checks leaves the rotation within interval x fails and returns after passes', async () => {
    const a = await flaky('a');
    const b = await flaky('b');
    const wharf = await startWharf(`${LOOPBACK}
upstreams:
  u:
    servers: [${a.address}, ${b.address}]
    health: { path: /healthz, interval: 100ms, timeout: 200ms, fails: 2, passes: 2 }
routes:
  - { path: /, proxy: u }
`);
    cleanup.push(() => wharf.stop());
    const events: HealthEvent[] = [];
    wharf.wharf.events.on('health', (event) => events.push(event));
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add((await answer(wharf)).body);
    assert.deepEqual([...seen].sort(), ['a', 'b']);

    a.healthStatus = 500;
    const left = await until(() => events.some((e) => e.peer === a.address && !e.healthy), 2000);
    assert.ok(left <= 100 * 2 + 200, `left after ${left}ms`);
    for (let i = 0; i < 6; i++) assert.equal((await answer(wharf)).body, 'b');
    const status = wharf.wharf.status();
    const listed = status.upstreams.find((u) => u.name === 'u')!.servers.find((s) => s.address === a.address)!;
    assert.equal(listed.healthy, false, '/api/status shows it');

    a.healthStatus = 200;
    await until(() => events.some((e) => e.peer === a.address && e.healthy), 2000);
    const back = new Set<string>();
    for (let i = 0; i < 4; i++) back.add((await answer(wharf)).body);
    assert.ok(back.has('a'), 'a takes traffic again');
  });

  test('with every server failing its checks the edge answers 503 at once', async () => {
    const a = await flaky('a');
    a.healthStatus = 503;
    const wharf = await startWharf(`${LOOPBACK}
upstreams:
  u:
    servers: [${a.address}]
    health: { path: /healthz, interval: 50ms, fails: 1 }
routes:
  - { path: /, proxy: u }
`);
    cleanup.push(() => wharf.stop());
    await until(async () => (await answer(wharf)).status === 503, 2000);
    const seenBefore = a.seen.filter((r) => r.url === '/').length;
    for (let i = 0; i < 3; i++) assert.equal((await answer(wharf)).status, 503);
    assert.equal(a.seen.filter((r) => r.url === '/').length, seenBefore, 'nothing was forwarded');
  });
});
