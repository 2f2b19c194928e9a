// GET /api/events on a running wharf: instance state changes (a restart), health changes,
// reloads, live rates each second and a once-a-second summary of guard rejections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { APP_FILES, appsStatus, openSse, supervisedApps, waitFor, type SseClient } from './support.js';

describe('event stream', () => {
  let backend: Backend;
  let w: RunningWharf;
  let sse: SseClient;

  before(async () => {
    backend = await startBackend('legacy');
    w = await startWharf(
      `${LOOPBACK}
upstreams:
  legacy:
    servers: [${backend.address}]
    health: { path: /healthz, interval: 200ms, timeout: 200ms, fails: 1, passes: 1 }
${supervisedApps({ web: 1 }, 'stop_timeout: 2s')}routes:
  - path: /web
    proxy: web
  - path: /legacy
    proxy: legacy
  - path: /guarded
    proxy: legacy
    access: [ "deny all" ]
`,
      APP_FILES,
    );
    sse = await openSse(`${w.controlUrl}/api/events`, w.controlToken);
  });

  after(async () => {
    sse?.close();
    await w?.stop();
    await backend?.close();
  });

  test('a restart shows as instance events, ending ready with a new pid', async () => {
    const ready = await waitReady();
    const before = sse.messages.length;
    const restart = await w.control('/api/apps/web/restart', { method: 'POST' });
    assert.equal(restart.status, 200);
    const stopping = await sse.next((m) => sse.messages.indexOf(m) >= before && m.event === 'instance' && m.data.to === 'stopping');
    assert.equal(stopping.data.pid, ready);
    const again = await sse.next((m) => sse.messages.indexOf(m) >= before && m.event === 'instance' && m.data.to === 'ready' && m.data.pid !== ready);
    assert.equal(again.data.app, 'web');
    assert.equal(again.data.id, 0);
    assert.equal(typeof again.data.pid, 'number');
  });

  test('rates arrive every second and follow the traffic', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await fetch(`${w.baseUrl}/legacy/x`)).status, 200);
    const rates = await sse.next((m) => m.event === 'rates' && routeRps(m, '/legacy') > 0);
    assert.ok((rates.data.totals as { rps: number }).rps > 0);
    assert.equal(typeof (rates.data.second as { t: number }).t, 'number');
  });

  test('guard rejections come as a per-second summary, not one event each', async () => {
    const before = sse.messages.length;
    for (let i = 0; i < 6; i++) assert.equal((await fetch(`${w.baseUrl}/guarded/x`)).status, 403);
    let total = 0;
    await sse.next(() => {
      total = sse.messages
        .slice(before)
        .filter((m) => m.event === 'rejections')
        .reduce((sum, m) => sum + (m.data.routes as { route: string; reason: string; count: number }[]).filter((r) => r.route === '/guarded' && r.reason === 'access_denied').reduce((s, r) => s + r.count, 0), 0);
      return total >= 6;
    });
    assert.equal(total, 6);
    assert.ok(sse.messages.slice(before).filter((m) => m.event === 'rejections').length <= 2);
  });

  test('health changes and reloads are pushed', async () => {
    const port = backend.port;
    await backend.close();
    const down = await sse.next((m) => m.event === 'health' && m.data.pool === 'legacy' && m.data.healthy === false);
    assert.equal(down.data.peer, `127.0.0.1:${port}`);
    backend = await startBackend('legacy', undefined, port);
    await sse.next((m) => m.event === 'health' && m.data.pool === 'legacy' && m.data.healthy === true);
    assert.equal((await w.control('/api/reload', { method: 'POST' })).status, 200);
    const reload = await sse.next((m) => m.event === 'reload');
    assert.equal(reload.data.ok, true);
    assert.equal(reload.data.hash, w.wharf.snapshot.hash);
  });

  test('a client that leaves is forgotten', async () => {
    const extra = await openSse(`${w.controlUrl}/api/events`, w.controlToken);
    await extra.next((m) => m.event === 'rates');
    const listening = w.wharf.observe.stream.clientCount;
    extra.close();
    await waitFor('the client to be dropped', () => w.wharf.observe.stream.clientCount === listening - 1, 5000);
  });

  async function waitReady(): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const status = await appsStatus(w);
      const instance = status.apps.find((a) => a.name === 'web')?.instances[0];
      if (instance?.ready) return instance.pid;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('web never became ready');
  }
});

function routeRps(message: { data: Record<string, unknown> }, route: string): number {
  return (message.data.routes as { route: string; rps: number }[]).find((r) => r.route === route)?.rps ?? 0;
}
