// Rolling reload and scaling through the real edge: continuous keep-alive load while the
// control API reloads or scales the app must see no failed request.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { loadDuring as loadWhile } from '../helpers/load.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { NODE, SERVER_JS } from './helpers.js';

/** Keep-alive GET load on /work (bounded in count and time) while `action` runs; answers name the pid. */
const loadDuring = (baseUrl: string, action: () => Promise<void>) => loadWhile(baseUrl, action, { path: '/work', maxMs: 15_000 });

const CONFIG = `${LOOPBACK}apps:
  web:
    command: [${NODE}, server.js]
    instances: 3
    health: { path: /healthz, interval: 100ms }
    stop_timeout: 5s
routes:
  - path: /
    proxy: web
`;

/** An app that takes 300 ms to listen, as real services do: a gap no request may fall into. */
const SLOW_START_JS = `setTimeout(() => import('./server.js'), 300);`;

const SOLO_CONFIG = `${LOOPBACK}apps:
  solo:
    command: [${NODE}, slow-start.js]
    instances: 1
    health: { path: /healthz, interval: 100ms }
    stop_timeout: 5s
routes:
  - path: /
    proxy: solo
`;

describe('rolling reload and scaling under load (end to end)', () => {
  let running: RunningWharf | undefined;
  let solo: RunningWharf | undefined;
  after(async () => {
    await running?.stop();
    await solo?.stop();
  });

  test('a lone instance reloaded under load: the old one serves until its replacement is ready, 0 failed requests', async () => {
    solo = await startWharf(SOLO_CONFIG, { files: { 'server.js': SERVER_JS, 'slow-start.js': SLOW_START_JS } });
    const app = solo;
    const [before] = app.wharf.supervisor.status()[0]!.instances.map((i) => i.pid);
    const result = await loadDuring(app.baseUrl, async () => {
      const response = await request(`${app.controlUrl}/api/apps/solo/reload`, { method: 'POST', headers: { authorization: `Bearer ${app.controlToken}` } });
      assert.equal(response.statusCode, 200, await response.body.text());
    });
    assert.equal(result.failed, 0, `failed requests: ${result.failures.slice(0, 5).join(' | ')}`);
    const [after] = app.wharf.supervisor.status()[0]!.instances.map((i) => i.pid);
    assert.notEqual(after, before);
    assert.ok(result.answers.has(String(before)) && result.answers.has(String(after)), 'both generations served');
  });

  test('POST /api/apps/NAME/reload under keep-alive load: 0 failed requests, all pids changed', async () => {
    running = await startWharf(CONFIG, { files: { 'server.js': SERVER_JS } });
    const pidsBefore = running.wharf.supervisor.status()[0]!.instances.map((i) => i.pid);
    assert.equal(pidsBefore.length, 3);
    let reload: { statusCode: number; body: unknown } | undefined;
    const result = await loadDuring(running.baseUrl, async () => {
      const response = await request(`${running!.controlUrl}/api/apps/web/reload`, { method: 'POST', headers: { authorization: `Bearer ${running!.controlToken}` } });
      reload = { statusCode: response.statusCode, body: await response.body.json() };
    });

    assert.equal(reload?.statusCode, 200, JSON.stringify(reload?.body));
    assert.equal(result.failed, 0, `failed requests: ${result.failures.slice(0, 5).join(' | ')}`);
    assert.ok(result.sent >= 200, `load ran (${result.sent} requests)`);
    const pidsAfter = running.wharf.supervisor.status()[0]!.instances.map((i) => i.pid);
    assert.equal(pidsAfter.length, 3);
    assert.ok(pidsAfter.every((pid) => !pidsBefore.includes(pid)), `all pids changed: ${pidsBefore} -> ${pidsAfter}`);
    assert.ok(pidsAfter.some((pid) => result.answers.has(String(pid))), 'new instances served traffic');
    assert.ok(pidsBefore.some((pid) => result.answers.has(String(pid))), 'old instances served traffic');
  });

  test('scale up to 5 and down to 1 under keep-alive load: 0 failed requests', async () => {
    running ??= await startWharf(CONFIG, { files: { 'server.js': SERVER_JS } });
    const web = running;
    const counts: number[] = [];
    const result = await loadDuring(web.baseUrl, async () => {
      for (const n of [5, 1]) {
        const response = await request(`${web.controlUrl}/api/apps/web/scale?instances=${n}`, { method: 'POST', headers: { authorization: `Bearer ${web.controlToken}` } });
        assert.equal(response.statusCode, 200, await response.body.text());
        await new Promise((resolve) => setTimeout(resolve, 300));
        counts.push(web.wharf.supervisor.status()[0]!.instances.filter((i) => i.state === 'ready').length);
      }
    });
    assert.deepEqual(counts, [5, 1]);
    assert.equal(result.failed, 0, `failed requests: ${result.failures.slice(0, 5).join(' | ')}`);
    assert.ok(result.answers.size >= 4, `requests reached the added instances (${result.answers.size} distinct pids)`);
  });
});
