// `npm run bench`: wharf's edge against nginx, HAProxy, node-http-proxy, a minimal undici
// proxy and the lean reference (lean-proxy.mjs: no routing, no logging), in one run,
// alternating targets. Each proxy is pinned to core 0; the backend (nginx) and the load
// generator (wrk) share core 1. Prints req/s, p50/p99, CPU per request and RSS, each as a ratio
// to nginx, then the RSS cost of a 1 GB upload through wharf.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { countInstructions, cpuMs, freePort, has, rssBytes, runWrk, spawnPinned, stop, treePids, waitForPort, type WrkResult } from '../lib/procs.js';
import { startSink, uploadThrough } from './upload.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = (process.env.BENCH_CONNECTIONS ?? '50,200').split(',').map(Number);
/** Comma-separated target names to measure (nginx is always kept as the baseline); all by default. */
const ONLY = process.env.BENCH_TARGETS?.split(',');
const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-'));

for (const tool of ['nginx', 'wrk']) {
  if (!has(tool)) {
    console.error(`bench needs ${tool} (apt-get install -y ${tool === 'nginx' ? 'nginx-light' : tool})`);
    process.exit(1);
  }
}
if (spawnSync('test', ['-f', join(ROOT, 'dist/cli/main.js')]).status !== 0) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });

interface Target {
  readonly name: string;
  readonly port: number;
  readonly child?: ChildProcess;
  /** Node targets: where loop-delay.mjs writes the event-loop delay of the last run. */
  readonly loopDelayFile?: string;
}

/** Node flags and environment that make a Node proxy report its event-loop delay (loop-delay.mjs). */
function loopDelayProbe(name: string): { args: string[]; env: NodeJS.ProcessEnv; file: string } {
  const file = join(dir, `${name}.loop-delay.json`);
  return { args: ['--import', join(import.meta.dirname, 'loop-delay.mjs')], env: { ...process.env, BENCH_LOOP_DELAY_FILE: file }, file };
}

/** Asks a Node target for its event-loop delay since the last ask (and resets it); undefined for others. */
async function takeLoopDelay(target: Target): Promise<{ p99: number; max: number } | undefined> {
  if (!target.loopDelayFile || !target.child) return undefined;
  rmSync(target.loopDelayFile, { force: true });
  target.child.kill('SIGUSR2');
  for (let i = 0; i < 50 && !existsSync(target.loopDelayFile); i++) await new Promise((r) => setTimeout(r, 20));
  return existsSync(target.loopDelayFile) ? (JSON.parse(readFileSync(target.loopDelayFile, 'utf8')) as { p99: number; max: number }) : undefined;
}

function nginxConf(prefix: string, body: string): string {
  mkdirSync(prefix, { recursive: true });
  return `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path ${prefix}; proxy_temp_path ${prefix}; fastcgi_temp_path ${prefix}; uwsgi_temp_path ${prefix}; scgi_temp_path ${prefix};
  ${body}
}`;
}

async function startNginx(name: string, core: number, body: string, port: number): Promise<Target> {
  const prefix = join(dir, name);
  writeFileSync(join(dir, `${name}.conf`), nginxConf(prefix, body));
  const child = spawnPinned(core, 'nginx', ['-p', prefix, '-c', join(dir, `${name}.conf`)]);
  await waitForPort(port);
  return { name, port, child };
}

const COLD_SECONDS = 10;

interface ColdRow { name: string; connections: number; result: WrkResult; loopP99?: number }

/**
 * A user's first seconds after a deploy: for each connection count, a fresh nginx and a fresh
 * wharf, loaded from the moment their port opens.
 */
async function coldRuns(startWharf: () => { child: ChildProcess; file: string }, wharfPort: number, upstream: string): Promise<ColdRow[]> {
  const rows: ColdRow[] = [];
  for (const c of CONCURRENCY) {
    const nginxPort = await freePort();
    const nginx = await startNginx(`nginx-cold-${c}`, 0, `access_log ${dir}/nginx-cold-access.log combined buffer=64k;
       upstream app { server ${upstream}; keepalive 64; }
       server { listen 127.0.0.1:${nginxPort}; keepalive_requests 100000;
         location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
           proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; } }`, nginxPort);
    rows.push({ name: 'nginx', connections: c, result: await runWrk(1, `http://127.0.0.1:${nginxPort}/api/books`, c, COLD_SECONDS) });
    await stop(nginx.child!);
    const wharf = startWharf();
    await waitForPort(wharfPort, 30_000);
    const result = await runWrk(1, `http://127.0.0.1:${wharfPort}/api/books`, c, COLD_SECONDS);
    const loopDelay = await takeLoopDelay({ name: 'wharf', port: wharfPort, child: wharf.child, loopDelayFile: wharf.file });
    rows.push({ name: 'wharf', connections: c, result, loopP99: loopDelay?.p99 });
    await stop(wharf.child);
  }
  return rows;
}

async function main(): Promise<void> {
  const backendPort = await freePort();
  const backend = await startNginx('backend', 1, `access_log off; server { listen 127.0.0.1:${backendPort}; keepalive_requests 100000; location / { return 200 "hello from the backend\\n"; } }`, backendPort);
  const upstream = `127.0.0.1:${backendPort}`;
  const targets: Target[] = [{ name: 'direct', port: backendPort }];

  const nginxPort = await freePort();
  targets.push(
    await startNginx(
      'nginx',
      0,
      `access_log ${dir}/nginx-access.log combined buffer=64k;
       upstream app { server ${upstream}; keepalive 64; }
       server { listen 127.0.0.1:${nginxPort}; keepalive_requests 100000;
         location /api/ { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
           proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; }
         location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
           proxy_set_header X-Real-IP $remote_addr; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; } }`,
      nginxPort,
    ),
  );

  if (has('haproxy')) {
    const port = await freePort();
    writeFileSync(join(dir, 'haproxy.cfg'), `global\n  nbthread 1\n  maxconn 4000\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n  option forwardfor\n  http-reuse always\nfrontend fe\n  bind 127.0.0.1:${port}\n  default_backend be\nbackend be\n  server s1 ${upstream}\n`);
    const child = spawnPinned(0, 'haproxy', ['-f', join(dir, 'haproxy.cfg')]);
    await waitForPort(port);
    targets.push({ name: 'haproxy', port, child });
  } else console.error('haproxy not installed: skipping it (apt-get install -y haproxy)');

  for (const [name, script] of [['http-proxy', 'http-proxy.mjs'], ['undici-min', 'undici-proxy.mjs'], ['lean-ref', 'lean-proxy.mjs']] as const) {
    const port = await freePort();
    const probe = loopDelayProbe(name);
    const child = spawnPinned(0, process.execPath, [...probe.args, join(import.meta.dirname, script), String(port), upstream], { env: probe.env });
    await waitForPort(port);
    targets.push({ name, port, child, loopDelayFile: probe.file });
  }

  const wharfPort = await freePort();
  const controlPort = await freePort();
  const sinkPort = await freePort();
  const sink = await startSink(sinkPort);
  const routes = Array.from({ length: 20 }, (_, i) => `  - { path: /svc${i}, proxy: app }`).join('\n');
  writeFileSync(
    join(dir, 'wharf.yaml'),
    `listen: [127.0.0.1:${wharfPort}]\ncontrol: { address: 127.0.0.1:${controlPort} }\naccess_log: ${dir}/wharf-access.log\nlog_level: warn\nupstreams:\n  app: { keepalive: 64, servers: [${upstream}] }\n  sink: { servers: [127.0.0.1:${sinkPort}] }\nroutes:\n${routes}\n  - { path: /upload, proxy: sink }\n  - { path: /api, proxy: app }\n  - { path: /, proxy: app }\n`,
  );
  const startWharf = () => {
    const probe = loopDelayProbe('wharf');
    return { child: spawnPinned(0, process.execPath, [...probe.args, join(ROOT, 'dist/cli/main.js'), 'up', '-c', join(dir, 'wharf.yaml')], { env: probe.env }), file: probe.file };
  };
  const cold = process.env.BENCH_COLD === '0' ? [] : await coldRuns(startWharf, wharfPort, upstream);
  const started = startWharf();
  const wharf = started.child;
  await waitForPort(wharfPort);
  targets.push({ name: 'wharf', port: wharfPort, child: wharf, loopDelayFile: started.file });

  if (ONLY) targets.splice(0, targets.length, ...targets.filter((t) => t.name === 'nginx' || ONLY.includes(t.name)));
  type Row = { rps: number[]; p50: number[]; p99: number[]; loopP99: number[]; cpuUs: number[]; kInstr: number[]; rss: number; errors: number };
  const results = new Map<string, Row>();
  for (const c of CONCURRENCY) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) {
        const pids = target.child ? treePids(target.child.pid!) : [];
        const url = `http://127.0.0.1:${target.port}/api/books`;
        if (round === 0) await runWrk(1, url, c, 1); // warm-up (JIT, pools)
        await takeLoopDelay(target); // starts this run's histogram afresh
        const cpuBefore = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
        const counter = countInstructions(pids);
        const result = await runWrk(1, url, c, SECONDS);
        const instructions = await counter.stop();
        const cpuAfter = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
        const loopDelay = await takeLoopDelay(target);
        const key = `${target.name}|${c}`;
        const row = results.get(key) ?? { rps: [], p50: [], p99: [], loopP99: [], cpuUs: [], kInstr: [], rss: 0, errors: 0 };
        if (loopDelay) row.loopP99.push(loopDelay.p99);
        if (instructions !== undefined) row.kInstr.push(instructions / 1000 / Math.max(1, result.requests));
        row.rps.push(result.rps);
        row.p50.push(result.p50Ms);
        row.p99.push(result.p99Ms);
        if (pids.length) row.cpuUs.push(((cpuAfter - cpuBefore) * 1000) / Math.max(1, result.requests));
        row.rss = Math.max(row.rss, pids.reduce((sum, pid) => sum + rssBytes(pid), 0));
        row.errors += result.errors;
        results.set(key, row);
      }
    }
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : Number.NaN;
  };
  console.log(`\nwharf edge benchmark: ${SECONDS}s x ${ROUNDS} rounds per target, proxies on core 0, backend+wrk on core 1 (medians)\n`);
  for (const c of CONCURRENCY) {
    const base = results.get(`nginx|${c}`)!;
    console.log(`connections=${c}`);
    console.log('| target | req/s | x nginx | p50 ms | p99 ms | p99 x nginx | loop delay p99 ms | CPU us/req | k instr/req | RSS MB | errors |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const target of targets) {
      const row = results.get(`${target.name}|${c}`)!;
      const rps = median(row.rps);
      const p99 = median(row.p99);
      console.log(
        `| ${target.name} | ${rps.toFixed(0)} | ${(rps / median(base.rps)).toFixed(2)} | ${median(row.p50).toFixed(2)} | ${p99.toFixed(2)} | ${(p99 / median(base.p99)).toFixed(2)} | ${row.loopP99.length ? median(row.loopP99).toFixed(1) : '-'} | ${row.cpuUs.length ? median(row.cpuUs).toFixed(1) : '-'} | ${row.kInstr.length ? median(row.kInstr).toFixed(0) : '-'} | ${row.rss ? (row.rss / 1048576).toFixed(1) : '-'} | ${row.errors} |`,
      );
    }
    console.log('');
  }

  if (cold.length) {
    console.log(`cold: the first ${COLD_SECONDS} s after start, no warm-up (a fresh process per row)`);
    console.log('| target | connections | req/s | p50 ms | p99 ms | p99 x nginx | loop delay p99 ms | errors |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const row of cold) {
      const base = cold.find((other) => other.name === 'nginx' && other.connections === row.connections)!;
      console.log(`| ${row.name} | ${row.connections} | ${row.result.rps.toFixed(0)} | ${row.result.p50Ms.toFixed(2)} | ${row.result.p99Ms.toFixed(2)} | ${(row.result.p99Ms / base.result.p99Ms).toFixed(2)} | ${row.loopP99 === undefined ? '-' : row.loopP99.toFixed(1)} | ${row.result.errors} |`);
    }
    console.log('');
  }

  const uploadMb = Number(process.env.BENCH_UPLOAD_MB ?? 1024);
  if (uploadMb > 0) {
    const upload = await uploadThrough(`http://127.0.0.1:${wharfPort}/upload`, wharf.pid!, uploadMb, sink);
    console.log(`1 GB upload through wharf: ${upload.mb} MB in ${upload.seconds.toFixed(1)} s, wharf RSS ${upload.rssBeforeMb.toFixed(1)} -> peak ${upload.rssPeakMb.toFixed(1)} MB (+${(upload.rssPeakMb - upload.rssBeforeMb).toFixed(1)} MB), backend received ${upload.receivedMb} MB`);
  }

  for (const target of targets) if (target.child) await stop(target.child);
  await stop(backend.child!);
  sink.server.close();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
