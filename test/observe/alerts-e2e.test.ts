// Alerts from a running wharf configured with `alerts:`: a test webhook receives exactly one
// firing and one resolved message per incident (an upstream losing its only server to health
// checks; a route whose 5xx share stays above the threshold).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import type { AlertPayload } from '../../src/observe/alerts/alerter.js';
import { waitFor } from './support.js';

describe('alerts from a running wharf', () => {
  let hook: Backend;
  let legacy: Backend;
  let flaky: Backend;
  let failing = true;
  let w: RunningWharf;
  const received: AlertPayload[] = [];

  before(async () => {
    hook = await startBackend('hook', (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as AlertPayload);
        res.writeHead(200).end();
      });
    });
    legacy = await startBackend('legacy');
    flaky = await startBackend('flaky', (req, res) => {
      req.resume();
      res.writeHead(failing && req.url !== '/healthz' ? 500 : 200).end();
    });
    w = await startWharf(`${LOOPBACK}
alerts:
  webhooks: [ "http://${hook.address}/alerts" ]
  error_rate: { threshold: 0.5, for: 1s }
upstreams:
  legacy:
    servers: [${legacy.address}]
    health: { path: /healthz, interval: 200ms, timeout: 200ms, fails: 1, passes: 1 }
  flaky:
    servers: [{ address: ${flaky.address}, max_fails: 0 }]
routes:
  - path: /legacy
    proxy: legacy
  - path: /flaky
    proxy: flaky
`);
  });

  after(async () => {
    await w?.stop();
    await Promise.all([hook?.close(), legacy?.close(), flaky?.close()]);
  });

  const of = (alert: string) => received.filter((p) => p.alert === alert).map((p) => `${p.status} ${p.key}`);

  test('an upstream without a healthy server: one firing, then one resolved', async () => {
    const port = legacy.port;
    await legacy.close();
    await waitFor('the firing alert', () => of('upstream_unavailable').length === 1, 10_000);
    assert.deepEqual(of('upstream_unavailable'), ['firing legacy']);
    await sleep(1500);
    assert.deepEqual(of('upstream_unavailable'), ['firing legacy'], 'fired more than once');
    legacy = await startBackend('legacy', undefined, port);
    await waitFor('the resolved alert', () => of('upstream_unavailable').length === 2, 10_000);
    await sleep(1500);
    assert.deepEqual(of('upstream_unavailable'), ['firing legacy', 'resolved legacy']);
  });

  test("a route's 5xx share above the threshold: one firing, then one resolved", async () => {
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) await (await fetch(`${w.baseUrl}/flaky/x`)).arrayBuffer();
    };
    // Keep failing for longer than `for: 1s`.
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      await send(5);
      await sleep(100);
    }
    await waitFor('the firing alert', () => of('route_error_rate').length === 1, 5000);
    assert.deepEqual(of('route_error_rate'), ['firing /flaky']);
    assert.match(received.find((p) => p.alert === 'route_error_rate')!.summary, /5xx/);
    failing = false;
    // Healthy traffic brings the 10 s window's share under 50%.
    const stopAt = Date.now() + 15_000;
    while (of('route_error_rate').length < 2 && Date.now() < stopAt) {
      await send(20);
      await sleep(100);
    }
    await sleep(1200);
    assert.deepEqual(of('route_error_rate'), ['firing /flaky', 'resolved /flaky']);
  });
});
