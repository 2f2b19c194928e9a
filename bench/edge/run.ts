// `npm run bench`: wharf's edge against nginx, HAProxy, node-http-proxy, a minimal undici
// proxy and the lean reference (lean-proxy.mjs: no routing, no logging), in one run,
// alternating targets. Each proxy is pinned to core 0; the backend (nginx) and the load
// generator (wrk) share core 1. Prints req/s, p50/p99, CPU per request and RSS, each as a ratio
// to nginx, then the RSS cost of a 1 GB upload through wharf.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { countInstructions, cpuMs, freePort, has, rssBytes, runWrk, spawnPinned, stop, treePids, waitForPort } from '../lib/procs.js';
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
    const child = spawnPinned(0, process.execPath, [join(import.meta.dirname, script), String(port), upstream]);
    await waitForPort(port);
    targets.push({ name, port, child });
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
  const wharf = spawnPinned(0, process.execPath, [join(ROOT, 'dist/cli/main.js'), 'up', '-c', join(dir, 'wharf.yaml')]);
  await waitForPort(wharfPort);
  targets.push({ name: 'wharf', port: wharfPort, child: wharf });

  if (ONLY) targets.splice(0, targets.length, ...targets.filter((t) => t.name === 'nginx' || ONLY.includes(t.name)));
  type Row = { rps: number[]; p50: number[]; p99: number[]; cpuUs: number[]; kInstr: number[]; rss: number; errors: number };
  const results = new Map<string, Row>();
  for (const c of CONCURRENCY) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) {
        const pids = target.child ? treePids(target.child.pid!) : [];
        const url = `http://127.0.0.1:${target.port}/api/books`;
        if (round === 0) await runWrk(1, url, c, 1); // warm-up (JIT, pools)
        const cpuBefore = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
        const counter = countInstructions(pids);
        const result = await runWrk(1, url, c, SECONDS);
        const instructions = await counter.stop();
        const cpuAfter = pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
        const key = `${target.name}|${c}`;
        const row = results.get(key) ?? { rps: [], p50: [], p99: [], cpuUs: [], kInstr: [], rss: 0, errors: 0 };
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
    console.log('| target | req/s | x nginx | p50 ms | p99 ms | p99 x nginx | CPU us/req | k instr/req | RSS MB | errors |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const target of targets) {
      const row = results.get(`${target.name}|${c}`)!;
      const rps = median(row.rps);
      const p99 = median(row.p99);
      console.log(
        `| ${target.name} | ${rps.toFixed(0)} | ${(rps / median(base.rps)).toFixed(2)} | ${median(row.p50).toFixed(2)} | ${p99.toFixed(2)} | ${(p99 / median(base.p99)).toFixed(2)} | ${row.cpuUs.length ? median(row.cpuUs).toFixed(1) : '-'} | ${row.kInstr.length ? median(row.kInstr).toFixed(0) : '-'} | ${row.rss ? (row.rss / 1048576).toFixed(1) : '-'} | ${row.errors} |`,
      );
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
