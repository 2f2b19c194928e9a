// Registry-backed pools, two figures (not part of npm test):
// 1. Propagation: how long a registry change takes to reach a pool's members, (a) in process
//    over 100 services x 10 instances with one pool per service (every change notifies every
//    source), and (b) end to end through a running wharf: a Consul API check update until the
//    edge answers accordingly. p50/p99 over BENCH_CHANGES (default 1,000) and BENCH_API_CHANGES (300).
// 2. Throughput: req/s through a registry-backed upstream vs a static one with the same single
//    backend (nginx), autocannon rounds alternating the two; prints the ratio.
// Run: node --import tsx bench/registry/run.ts   (BENCH_PART=propagation: the in-process figure only)
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigLoader } from '../../src/config/load.js';
import { MemberSources } from '../../src/balance/member-sources.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import { Registry } from '../../src/registry/registry.js';
import { RegistryMemberSource } from '../../src/registry/registry-member-source.js';
import { freePort, has, spawnPinned, stop, waitForPort } from '../lib/procs.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHANGES = Number(process.env.BENCH_CHANGES ?? 1_000);
const API_CHANGES = Number(process.env.BENCH_API_CHANGES ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SERVICES = 100;
const INSTANCES = 10;

interface LoadResult { requests: { average: number; total: number }; errors: number; non2xx: number }
type Autocannon = (options: Record<string, unknown>) => PromiseLike<LoadResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): string {
  samples.sort((a, b) => a - b);
  return `p50 ${percentile(samples, 50).toFixed(3)} ms, p99 ${percentile(samples, 99).toFixed(3)} ms, max ${samples.at(-1)!.toFixed(3)} ms (n=${samples.length})`;
}

function inProcessPropagation(): string {
  const registry = new Registry();
  const sources = new MemberSources();
  sources.register('service', (spec) => new RegistryMemberSource(registry, spec.service, spec.tags));
  const directory = new PoolDirectory(sources);
  const upstreams: Record<string, unknown> = {};
  for (let s = 0; s < SERVICES; s++) {
    upstreams[`svc${s}`] = { service: `svc${s}` };
    for (let i = 0; i < INSTANCES; i++) registry.registerManaged({ id: `svc${s}-${i}`, name: `svc${s}`, address: '127.0.0.1', port: 10_000 + s * INSTANCES + i, tags: [] }, 'passing');
  }
  directory.reconcile(new ConfigLoader({}).fromText('/nowhere/wharf.yaml', JSON.stringify({ upstreams })));
  const samples: number[] = [];
  for (let n = 0; n < CHANGES; n++) {
    const s = n % SERVICES;
    const i = Math.floor(n / SERVICES) % INSTANCES;
    const pool = directory.get(`svc${s}`)!;
    const before = pool.peers.length;
    const critical = pool.peers.some((p) => p.address === `127.0.0.1:${10_000 + s * INSTANCES + i}`);
    const start = performance.now();
    registry.setManagedStatus(`svc${s}-${i}`, critical ? 'critical' : 'passing');
    const after = pool.peers.length;
    samples.push(performance.now() - start);
    if (after !== before + (critical ? -1 : 1)) throw new Error(`pool svc${s} did not follow: ${before} -> ${after}`);
  }
  return summary(samples);
}

async function main(): Promise<void> {
  console.log(`registry -> pool members, in process (${SERVICES} services x ${INSTANCES} instances, one pool each): ${inProcessPropagation()}`);
  if (process.env.BENCH_PART === 'propagation') return;
  if (!has('nginx')) {
    console.log('nginx missing: end-to-end figures skipped (apt-get install -y nginx-light)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-registry-'));
  const [backendPort, edgePort, controlPort, consulPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const prefix = join(dir, 'nginx');
  mkdirSync(prefix);
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1; daemon off; pid ${prefix}/nginx.pid; error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${prefix}; proxy_temp_path ${prefix}; fastcgi_temp_path ${prefix}; uwsgi_temp_path ${prefix}; scgi_temp_path ${prefix};
  server { listen 127.0.0.1:${backendPort}; keepalive_requests 100000; location / { return 200 "hello\\n"; } } }`);
  writeFileSync(join(dir, 'wharf.yaml'), `listen: [127.0.0.1:${edgePort}]
control: { address: 127.0.0.1:${controlPort}, token: bench-token }
access_log: off
log_level: warn
registry: { consul_api: 127.0.0.1:${consulPort} }
upstreams:
  fixed: { keepalive: 64, servers: [127.0.0.1:${backendPort}] }
  found: { keepalive: 64, service: bench }
routes:
  - { path: /static, proxy: fixed }
  - { path: /registry, proxy: found }
`);
  const backend = spawnPinned(1, 'nginx', ['-p', prefix, '-c', join(dir, 'nginx.conf')]);
  const wharf = spawnPinned(0, process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'up', '-c', join(dir, 'wharf.yaml')], { cwd: ROOT, stdio: 'inherit' });
  try {
    await waitForPort(backendPort);
    await waitForPort(edgePort, 30_000);
    const consul = `http://127.0.0.1:${consulPort}`;
    const put = async (path: string, body?: unknown) => {
      const res = await fetch(`${consul}${path}`, { method: 'PUT', headers: { 'x-consul-token': 'bench-token' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    await put('/v1/agent/service/register', { ID: 'bench-1', Name: 'bench', Address: '127.0.0.1', Port: backendPort, Check: { CheckID: 'bench-ttl', TTL: '1h', Status: 'passing' } });
    const edge = (path: string) => fetch(`http://127.0.0.1:${edgePort}${path}`).then(async (r) => (await r.arrayBuffer(), r.status));

    // End to end: check update sent -> the edge answers by the new state (first request after the API answered).
    const samples: number[] = [];
    let late = 0;
    for (let n = 0; n < API_CHANGES; n++) {
      const failing = n % 2 === 0;
      const start = performance.now();
      await put(`/v1/agent/check/${failing ? 'fail' : 'pass'}/bench-ttl`);
      let status = await edge('/registry');
      while (status !== (failing ? 503 : 200)) {
        late++;
        status = await edge('/registry');
        if (performance.now() - start > 5_000) throw new Error('the edge did not follow the registry within 5s');
      }
      samples.push(performance.now() - start);
    }
    console.log(`registry -> edge routing, end to end (Consul API check update until the edge answers by it): ${summary(samples)}; answers still by the old state: ${late}`);

    // Throughput: same backend, static vs registry-backed pool, alternating rounds.
    for (const path of ['/static', '/registry']) await autocannon({ url: `http://127.0.0.1:${edgePort}${path}`, connections: CONNECTIONS, duration: 1 });
    const rps: Record<string, number[]> = { '/static': [], '/registry': [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of round % 2 === 0 ? ['/static', '/registry'] : ['/registry', '/static']) {
        const result = await autocannon({ url: `http://127.0.0.1:${edgePort}${path}`, connections: CONNECTIONS, duration: SECONDS, timeout: 5 });
        if (result.errors || result.non2xx) throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx`);
        rps[path]!.push(result.requests.average);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const fixed = median(rps['/static']!);
    const found = median(rps['/registry']!);
    console.log(`edge req/s, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS}s each (medians): static ${fixed.toFixed(0)}, registry-backed ${found.toFixed(0)}, ratio ${(found / fixed).toFixed(3)}`);
    console.log(`  rounds: static ${rps['/static']!.map((x) => x.toFixed(0)).join(' ')}; registry ${rps['/registry']!.map((x) => x.toFixed(0)).join(' ')}`);
  } finally {
    await stop(wharf);
    await stop(backend);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
