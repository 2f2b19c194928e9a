// `npx tsx bench/guards.ts`: what guards cost.
// 1. Throughput through wharf of a route with access + limit_req + limit_conn against the
//    same route without guards (one wharf, two routes, alternating runs; medians): req/s and
//    wharf's CPU time per request. Target: under 10% cost. wharf is pinned to core 0,
//    backend + load generator (wrk, or autocannon when wrk is missing) to core 1.
//    BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS tune it; BENCH_SKIP_THROUGHPUT=1 skips it.
// 2. Memory held by one limit_req guard after 1,000,000 distinct client keys, at the default
//    cap (limits.max_keys 100000) and with the cap raised to 1,000,000 for comparison.
// 3. Admission cost per request of each guard, called directly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { LimitReqConfig } from '../src/config/model.js';
import { AccessGuard } from '../src/guard/access.js';
import type { GuardRequest } from '../src/guard/guard.js';
import { LimitConnGuard } from '../src/guard/limit-conn.js';
import { LimitReqGuard } from '../src/guard/limit-req.js';
import { cpuMs, freePort, has, runWrk, spawnPinned, stop, waitForPort } from './lib/procs.js';

const ROOT = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

interface Load { readonly rps: number; readonly requests: number }

/** Load from wrk, or from autocannon (as a child process) without wrk. */
async function load(url: string, seconds: number): Promise<Load> {
  if (has('wrk')) return runWrk(1, url, CONNECTIONS, seconds);
  const bin = join(ROOT, 'node_modules/.bin/autocannon');
  const child = spawnPinned(1, bin, ['-j', '-c', String(CONNECTIONS), '-d', String(seconds), url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  await new Promise((r) => child.once('exit', r));
  const report = JSON.parse(out) as { requests: { average: number; total: number } };
  return { rps: report.requests.average, requests: report.requests.total };
}

async function throughput(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-guards-'));
  const backendPort = await freePort();
  const backend = spawnPinned(1, process.execPath, [
    '-e',
    `require('node:http').createServer((q, s) => s.end('hello from the backend\\n')).listen(${backendPort}, '127.0.0.1')`,
  ]);
  const wharfPort = await freePort();
  const controlPort = await freePort();
  // Limits high enough never to reject: the bench measures the bookkeeping, not rejections.
  writeFileSync(
    join(dir, 'wharf.yaml'),
    `listen: [127.0.0.1:${wharfPort}]
control: { address: 127.0.0.1:${controlPort} }
access_log: off
log_level: warn
upstreams:
  app: { keepalive: 64, servers: [127.0.0.1:${backendPort}] }
routes:
  - path: /plain
    proxy: app
  - path: /guarded
    proxy: app
    access: [ "deny 192.168.1.2", "allow 192.168.1.0/24", "deny 10.0.0.0/8", "allow 2001:db8::/32", "allow 127.0.0.1", "deny all" ]
    limit_req: { rate: 1000000r/s, burst: 1000000, nodelay: true }
    limit_conn: { per_ip: 100000, total: 100000 }
`,
  );
  const wharf = spawnPinned(0, process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'up', '-c', join(dir, 'wharf.yaml')], { cwd: ROOT });
  try {
    await waitForPort(backendPort);
    await waitForPort(wharfPort);
    const urls = { plain: `http://127.0.0.1:${wharfPort}/plain/x`, guarded: `http://127.0.0.1:${wharfPort}/guarded/x` };
    for (const url of Object.values(urls)) await load(url, 2); // warm-up: JIT, pools
    const rps = { plain: [] as number[], guarded: [] as number[] };
    // wharf's own CPU time per request: steadier than req/s when other work shares the machine.
    const cpuUs = { plain: [] as number[], guarded: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['plain', 'guarded'] as const) : (['guarded', 'plain'] as const);
      for (const name of order) {
        const cpuBefore = cpuMs(wharf.pid!);
        const result = await load(urls[name], SECONDS);
        rps[name].push(result.rps);
        cpuUs[name].push(((cpuMs(wharf.pid!) - cpuBefore) * 1000) / Math.max(1, result.requests));
      }
    }
    const rpsCost = (1 - median(rps.guarded) / median(rps.plain)) * 100;
    const cpuCost = (median(cpuUs.guarded) / median(cpuUs.plain) - 1) * 100;
    console.log(`\nthroughput through wharf (${has('wrk') ? 'wrk' : 'autocannon'}, ${CONNECTIONS} connections, ${SECONDS}s x ${ROUNDS} rounds, medians)`);
    console.log('| route | req/s | wharf CPU us/req | req/s per run |');
    console.log('|---|---|---|---|');
    for (const [label, name] of [['no guards', 'plain'], ['access + limit_req + limit_conn', 'guarded']] as const) {
      console.log(`| ${label} | ${median(rps[name]).toFixed(0)} | ${median(cpuUs[name]).toFixed(1)} | ${rps[name].map((v) => v.toFixed(0)).join(', ')} |`);
    }
    console.log(`guard cost: ${rpsCost.toFixed(1)}% fewer req/s, ${cpuCost.toFixed(1)}% more CPU per request (target < 10%)`);
  } finally {
    await stop(wharf);
    await stop(backend);
    rmSync(dir, { recursive: true, force: true });
  }
}

function request(clientIp: string): GuardRequest {
  return { clientIp, method: 'GET', headers: {}, onDone: () => {} };
}

function ipOf(i: number): string {
  return `${10 + ((i >>> 24) & 15)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
}

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
}

function memory(): void {
  // 1r/m: no bucket leaks empty during the run, so only the cap bounds the table (worst case).
  const config: LimitReqConfig = { rate: 1 / 60, burst: 20, nodelay: true, delay: 0, key: 'ip', status: 429 };
  console.log('\nlimit_req memory after 1,000,000 distinct client IPs at 1r/m (heap growth after GC)');
  console.log('| max_keys | buckets held | heap growth MB | ns per admit |');
  console.log('|---|---|---|---|');
  for (const maxKeys of [100_000, 1_000_000]) {
    const before = heapMb();
    const guard = new LimitReqGuard({ config, routeName: 'bench', maxKeys });
    const start = performance.now();
    for (let i = 0; i < 1_000_000; i++) guard.admit(request(ipOf(i)));
    const ns = ((performance.now() - start) * 1e6) / 1_000_000;
    const grown = heapMb() - before;
    console.log(`| ${maxKeys} | ${guard.size} | ${grown.toFixed(1)} | ${ns.toFixed(0)} |`);
  }
}

function admissionCost(): void {
  const requests = Array.from({ length: 1024 }, (_, i) => request(i % 2 ? `192.168.1.${i & 255}` : `2001:db8::${i.toString(16)}`));
  const rules = ['deny 192.168.1.2', 'allow 192.168.1.0/24', 'deny 10.0.0.0/8', 'allow 2001:db8::/32', 'allow 127.0.0.1', 'deny all'];
  const guards = {
    'access (6 rules)': new AccessGuard(rules),
    'limit_req (1024 keys)': new LimitReqGuard({ config: { rate: 1e9, burst: 1e9, nodelay: true, delay: 0, key: 'ip', status: 429 }, routeName: 'bench', maxKeys: 100_000 }),
    'limit_conn (admit + release)': new LimitConnGuard({ perIp: 1e9, total: 1e9, status: 503 }),
  };
  console.log('\nadmission cost per request, guard called directly');
  console.log('| guard | ns per request |');
  console.log('|---|---|');
  for (const [name, guard] of Object.entries(guards)) {
    const released: (() => void)[] = [];
    const withRelease = requests.map((r) => ({ ...r, onDone: (cb: () => void) => released.push(cb) }));
    const rounds = 2000;
    for (let w = 0; w < 200; w++) for (const r of withRelease) guard.admit(r);
    for (const cb of released.splice(0)) cb();
    const start = performance.now();
    for (let round = 0; round < rounds; round++) {
      for (const r of withRelease) guard.admit(r);
      for (const cb of released.splice(0)) cb();
    }
    console.log(`| ${name} | ${(((performance.now() - start) * 1e6) / (rounds * requests.length)).toFixed(0)} |`);
  }
}

async function main(): Promise<void> {
  memory();
  admissionCost();
  if (process.env.BENCH_SKIP_THROUGHPUT) return;
  await throughput();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

