// Chaos: supervised instances killed with SIGKILL in a loop under keep-alive load cost GET
// clients nothing (never-sent requests try every server, sent ones are retried within the
// budget), and a request that kills whatever serves it takes down at most two instances.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';

const SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  if (req.url.startsWith('/poison')) return process.kill(process.pid, 'SIGKILL');
  setTimeout(() => res.end(String(process.pid)), 1);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const LOAD_MS = 10_000;

describe('chaos: kill -9 under load', () => {
  let w: RunningWharf;
  let agent: Agent;
  after(async () => {
    await agent?.close();
    await w?.stop();
  });

  const instances = () => w.wharf.supervisor.status().flatMap((app) => app.instances);
  const restarts = () => instances().reduce((sum, i) => sum + i.restarts, 0);
  const readyPids = () => instances().filter((i) => i.ready && i.pid !== null).map((i) => i.pid!);

  async function until(check: () => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  test('no idempotent request fails while instances are killed in a loop; a query of death kills at most two', { timeout: 90_000 }, async (t) => {
    w = await startWharf(`${LOOPBACK}access_log: off
apps:
  web:
    command: [node, server.js]
    instances: 4
    health: { path: /, interval: 100ms }
    restart: always
    min_uptime: 100ms
    max_restarts: 1000
routes:
  - { path: /, proxy: web }
`, { files: { 'server.js': SERVER } });
    await until(() => readyPids().length === 4);
    agent = new Agent({ connections: 8, keepAliveTimeout: 30_000 });

    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const worker = async () => {
      for (let i = 0; !stop && i < 50_000; i++) {
        try {
          const res = await request(`${w.baseUrl}/work/${i}`, { dispatcher: agent });
          await res.body.text();
          if (res.statusCode === 200) ok++;
          else failures.push(`status ${res.statusCode}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    let kills = 0;
    const stopAt = Date.now() + LOAD_MS;
    while (Date.now() < stopAt) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const pids = readyPids();
      // Keep at least two instances up: the test is about failover, not an outage.
      if (pids.length < 3) continue;
      process.kill(pids[kills % pids.length]!, 'SIGKILL');
      kills++;
    }
    stop = true;
    await load;
    t.diagnostic(`${ok} requests served, ${failures.length} failed, ${kills} instances killed`);
    assert.ok(kills >= 5, `only ${kills} kills happened`);
    assert.ok(ok > 100, `only ${ok} requests served`);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${ok + failures.length} requests failed after ${kills} kills`);

    // The query of death: whatever serves it dies. One try and one retry: two instances at most.
    await until(() => readyPids().length === 4);
    const before = restarts();
    const poisoned = await request(`${w.baseUrl}/poison`, { dispatcher: agent });
    await poisoned.body.text();
    assert.equal(poisoned.statusCode, 502);
    await until(() => readyPids().length === 4);
    const killed = restarts() - before;
    t.diagnostic(`the poisoned request killed ${killed} instances`);
    assert.ok(killed >= 1 && killed <= 2, `the poisoned request killed ${killed} instances`);
  });
});
