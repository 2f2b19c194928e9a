// Balancer benchmark (`npx tsx bench/balance.ts`; not part of the tests). Every run is bounded
// by BENCH_SECONDS (default 5) of autocannon load.
//  0. The balancer alone: ns per select + release for each algorithm with 1, 3, 100 servers.
//  1. Overhead: throughput through wharf with 1, 3 and 100 servers behind one upstream, for
//     round_robin, least_conn and hash; the ratio to 1 server is the cost of choosing.
//  2. least_time vs round_robin with three backends, one answering 50 ms slower: p50/p99.
// Processes: backends in one child, wharf in another (both this file, by role), autocannon here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

interface CannonResult {
  readonly requests: { readonly average: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly non2xx: number;
}
// autocannon ships no type declarations; this is the part used here.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: { url: string; connections: number; duration: number; idReplacement?: boolean }) => Promise<CannonResult>;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SELF = fileURLToPath(import.meta.url);

/** Child role: `backends N BASE_MS SLOW_MS` — N servers; the last answers SLOW_MS later. Prints addresses. */
async function runBackends(count: number, baseMs: number, slowMs: number): Promise<void> {
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const delay = baseMs + (i === count - 1 ? slowMs : 0);
    const server = createServer((_req, res) => {
      if (delay > 0) setTimeout(() => res.end('ok'), delay);
      else res.end('ok');
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    addresses.push(`127.0.0.1:${(server.address() as { port: number }).port}`);
  }
  console.log(JSON.stringify(addresses));
}

/** Child role: `wharf CONFIG` — runs wharf from the sources and prints the edge's port. */
async function runWharf(file: string): Promise<void> {
  const { Wharf } = await import('../src/wharf.js');
  const { createLogger } = await import('../src/observe/logger.js');
  const wharf = await Wharf.start(file, { logger: createLogger('warn') });
  console.log(JSON.stringify(wharf.edgeAddresses()[0]));
  process.once('SIGTERM', () => void wharf.shutdown().then(() => process.exit(0)));
}

async function child<T>(args: string[]): Promise<{ proc: ChildProcess; value: T }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
  return { proc, value: JSON.parse(chunk.toString().trim().split('\n')[0]!) as T };
}

function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = once(proc, 'exit').then(() => undefined);
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  return exited.finally(() => clearTimeout(timer));
}

interface Load {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

async function load(url: string): Promise<Load> {
  // [<id>] becomes a fresh id per request, so `hash` sees many keys.
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, idReplacement: true });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function throughWharf(addresses: readonly string[], upstream: Record<string, unknown>): Promise<Load> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-balance-'));
  const file = join(dir, 'wharf.yaml');
  const config = { listen: ['127.0.0.1:0'], control: { address: '127.0.0.1:0' }, access_log: 'off', upstreams: { u: { keepalive: 64, ...upstream, servers: addresses } }, routes: [{ path: '/', proxy: 'u' }] };
  writeFileSync(file, JSON.stringify(config));
  const wharf = await child<{ host: string; port: number }>(['wharf', file]);
  try {
    await load(`http://127.0.0.1:${wharf.value.port}/warm/[<id>]`);
    return await load(`http://127.0.0.1:${wharf.value.port}/item/[<id>]`);
  } finally {
    await stop(wharf.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function overhead(): Promise<void> {
  const backends = await child<string[]>(['backends', '100', '0', '0']);
  try {
    console.log(`\n1. balancer overhead: ${SECONDS}s x ${CONNECTIONS} connections per run, requests/s through wharf\n`);
    console.log('balance        1 server   3 servers (ratio)   100 servers (ratio)');
    for (const balance of ['round_robin', 'least_conn', 'hash']) {
      const upstream = balance === 'hash' ? { balance, hash_key: 'uri' } : { balance };
      const one = await throughWharf(backends.value.slice(0, 1), upstream);
      const three = await throughWharf(backends.value.slice(0, 3), upstream);
      const hundred = await throughWharf(backends.value, upstream);
      const ratio = (x: Load) => `${Math.round(x.rps)} (${(x.rps / one.rps).toFixed(2)})`;
      console.log(`${balance.padEnd(14)} ${String(Math.round(one.rps)).padEnd(10)} ${ratio(three).padEnd(19)} ${ratio(hundred)}`);
    }
  } finally {
    await stop(backends.proc);
  }
}

/** The balancer alone, in this process: nanoseconds per select + release. */
async function pickCost(): Promise<void> {
  const { UpstreamPool } = await import('../src/balance/upstream-pool.js');
  const { serverOf } = await import('../src/config/normalize.js');
  const { ConfigLoader } = await import('../src/config/load.js');
  console.log('\n0. balancer alone: ns per select + release (200k picks)\n');
  console.log('balance        1 server   3 servers   100 servers');
  for (const balance of ['round_robin', 'least_conn', 'ip_hash', 'hash', 'least_time', 'random']) {
    const cells: string[] = [];
    for (const count of [1, 3, 100]) {
      const servers = Array.from({ length: count }, (_, i) => `127.0.0.1:${10000 + i}`);
      const snapshot = new ConfigLoader({}).fromText('/bench.yaml', JSON.stringify({ upstreams: { u: { balance, hash_key: 'uri', servers } } }));
      const config = snapshot.upstreams.get('u')!;
      const pool = new UpstreamPool(config, undefined, config.servers.map((s) => serverOf(s.address)));
      const tried = new Set<never>();
      const picks = 200_000;
      const started = process.hrtime.bigint();
      for (let i = 0; i < picks; i++) {
        const peer = pool.select({ clientIp: `10.0.${i & 255}.1`, hashValue: `/item/${i}` }, tried)!;
        pool.release(peer, { ok: true, firstByteMs: 1, totalMs: 1 });
      }
      cells.push(String(Math.round(Number(process.hrtime.bigint() - started) / picks)));
    }
    console.log(`${balance.padEnd(14)} ${cells[0]!.padEnd(10)} ${cells[1]!.padEnd(11)} ${cells[2]}`);
  }
}

async function slowBackend(): Promise<void> {
  const backends = await child<string[]>(['backends', '3', '2', '50']);
  try {
    console.log(`\n2. three backends (2 ms), the third 50 ms slower: latency through wharf\n`);
    console.log('balance        req/s    p50 ms   p99 ms   errors');
    for (const balance of ['round_robin', 'least_time']) {
      const result = await throughWharf(backends.value, { balance });
      console.log(`${balance.padEnd(14)} ${String(Math.round(result.rps)).padEnd(8)} ${String(result.p50).padEnd(8)} ${String(result.p99).padEnd(8)} ${result.errors}`);
    }
  } finally {
    await stop(backends.proc);
  }
}

const [role, ...args] = process.argv.slice(2);
if (role === 'backends') await runBackends(Number(args[0]), Number(args[1]), Number(args[2]));
else if (role === 'wharf') await runWharf(args[0]!);
else {
  await pickCost();
  await overhead();
  await slowBackend();
}
