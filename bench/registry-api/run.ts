// Registry API benchmark (not part of npm test): 10,000 instances over 1,000 services
// registered through PUT /v1/agent/service/register (each with a TTL check), then
// GET /v1/health/service/:name latencies from a keep-alive client. Bounded in count and time.
//   node --expose-gc --import tsx bench/registry-api/run.ts
// BENCH_INSTANCES, BENCH_SERVICES, BENCH_REQUESTS, BENCH_CONCURRENCY, BENCH_SECONDS override.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { Registry } from '../../src/registry/registry.js';
import { CheckRunner } from '../../src/registry/check-runner.js';
import { sharedProbes } from '../../src/registry/check-probes.js';
import { consulApi } from '../../src/registry/consul-api.js';
import { nodeIdentity } from '../../src/registry/node-identity.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10_000);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 1_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);

const gc = (globalThis as { gc?: () => void }).gc;
const memory = () => {
  gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const runner = new CheckRunner(sharedProbes);
  const registry = new Registry({ scheduler: runner });
  runner.attach({ report: (id, status, output) => registry.updateCheck(id, status, output), deregister: (id) => registry.deregister(id) });
  const route = consulApi({ registry, node: nodeIdentity('bench'), authorize: () => 'ok' });
  const server = createServer((req, res) => void route(req, res, new URL(req.url ?? '/', 'http://bench')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = new Pool(origin, { connections: CONCURRENCY });
  const before = memory();

  const registerStart = performance.now();
  let next = 0;
  const registerOne = async (i: number) => {
    const body = JSON.stringify({
      Name: `svc-${i % SERVICES}`, ID: `inst-${i}`, Address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, Port: 20000 + (i % 1000),
      Tags: ['v1', i % 2 ? 'odd' : 'even'], Meta: { zone: `z${i % 3}` }, Check: { TTL: '10m', Status: 'passing' },
    });
    const response = await pool.request({ method: 'PUT', path: '/v1/agent/service/register', body });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`register answered ${response.statusCode}`);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < INSTANCES) await registerOne(next++);
  }));
  const registerMs = performance.now() - registerStart;
  const after = memory();

  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let sent = 0;
  let bytes = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (sent < REQUESTS && Date.now() < deadline) {
      const name = `svc-${sent++ % SERVICES}`;
      const start = performance.now();
      const response = await pool.request({ method: 'GET', path: `/v1/health/service/${name}?passing` });
      bytes += (await response.body.text()).length;
      latencies.push(performance.now() - start);
    }
  }));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  const elapsed = latencies.length;

  console.log(`registered ${INSTANCES} instances over ${SERVICES} services in ${(registerMs / 1000).toFixed(1)} s (${Math.round(INSTANCES / (registerMs / 1000))}/s)`);
  console.log(`memory added: rss ${mb(after.rss - before.rss)}, heap ${mb(after.heap - before.heap)} (${((after.heap - before.heap) / INSTANCES / 1024).toFixed(2)} KB heap per instance)${gc ? '' : ' [run with --expose-gc for steadier figures]'}`);
  console.log(`GET /v1/health/service/:name?passing: ${elapsed} requests, concurrency ${CONCURRENCY}, ${Math.round(bytes / elapsed)} bytes each: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
  runner.stopAll();
  await pool.close();
  server.closeAllConnections();
  server.close();
}

await main();
