// Rolling reload through the real edge: continuous keep-alive load while the control API
// reloads the app must see no failed request, and every instance must be new afterwards.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, request } from 'undici';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { NODE, SERVER_JS } from './helpers.js';

const MAX_REQUESTS = 50_000;
const MAX_LOAD_MS = 15_000;
const CONNECTIONS = 8;

describe('rolling reload under load (end to end)', () => {
  let running: RunningWharf | undefined;
  after(() => running?.stop());

  test('POST /api/apps/NAME/reload under keep-alive load: 0 failed requests, all pids changed', async () => {
    running = await startWharf(
      `${LOOPBACK}apps:
  web:
    command: [${NODE}, server.js]
    instances: 3
    health: { path: /healthz, interval: 100ms }
    stop_timeout: 5s
routes:
  - path: /
    proxy: web
`,
      { files: { 'server.js': SERVER_JS } },
    );
    const pidsBefore = running.wharf.supervisor.status()[0]!.instances.map((i) => i.pid);
    assert.equal(pidsBefore.length, 3);

    const client = new Pool(running.baseUrl, { connections: CONNECTIONS, pipelining: 1 });
    let reloading = true;
    let sent = 0;
    let failed = 0;
    const failures: string[] = [];
    const servedBy = new Set<string>();
    const started = Date.now();
    const worker = async () => {
      while ((reloading || sent < 200) && sent < MAX_REQUESTS && Date.now() - started < MAX_LOAD_MS) {
        sent++;
        try {
          const response = await client.request({ method: 'GET', path: '/work' });
          const body = await response.body.text();
          if (response.statusCode !== 200) {
            failed++;
            failures.push(`${response.statusCode} ${body}`);
          } else servedBy.add(body);
        } catch (error) {
          failed++;
          failures.push((error as Error).message);
        }
      }
    };
    const load = Promise.all(Array.from({ length: CONNECTIONS }, worker));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reload = await request(`${running.controlUrl}/api/apps/web/reload`, { method: 'POST' });
    const reloadBody = await reload.body.json();
    reloading = false;
    await load;
    await client.close();

    assert.equal(reload.statusCode, 200, JSON.stringify(reloadBody));
    assert.equal(failed, 0, `failed requests: ${failures.slice(0, 5).join(' | ')}`);
    assert.ok(sent >= 200, `load ran (${sent} requests)`);
    const pidsAfter = running.wharf.supervisor.status()[0]!.instances.map((i) => i.pid);
    assert.equal(pidsAfter.length, 3);
    assert.ok(pidsAfter.every((pid) => !pidsBefore.includes(pid)), `all pids changed: ${pidsBefore} -> ${pidsAfter}`);
    assert.ok(pidsAfter.some((pid) => servedBy.has(String(pid))), 'new instances served traffic');
    assert.ok(pidsBefore.some((pid) => servedBy.has(String(pid))), 'old instances served traffic');
  });
});
