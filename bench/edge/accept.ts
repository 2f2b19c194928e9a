// `npx tsx bench/edge/accept.ts`: what the extra accepting handles of `wharf up` buy
// (src/net/accept-handles.ts). The same config runs on the built wharf as shipped and on a copy of
// the build whose handle count is patched to 1, alternating, BENCH_ROUNDS times. wharf is pinned
// to core 0, the backend (nginx) and wrk to core 1. Per variant: the first 10 s after the port
// opens at c=200 (cold), two warm 5 s runs at c=200 and c=50, and a new connection per request at
// c=50 with wharf's CPU per request.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cpuMs, freePort, has, runWrk, spawnPinned, stop, waitForPort } from '../lib/procs.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONSTANT = /const ACCEPT_HANDLES = (\d+);/;

for (const tool of ['nginx', 'wrk']) {
  if (!has(tool)) {
    console.error(`bench needs ${tool}`);
    process.exit(1);
  }
}
spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

/** A copy of dist/ beside it (so its imports resolve to the same node_modules) with `handles` handles. */
function variantBuild(handles: number): string {
  const copy = join(ROOT, `.bench-accept-${handles}`);
  rmSync(copy, { recursive: true, force: true });
  cpSync(join(ROOT, 'dist'), copy, { recursive: true });
  const up = join(copy, 'cli/up.js');
  const source = readFileSync(up, 'utf8');
  if (!CONSTANT.test(source)) throw new Error(`${up}: ACCEPT_HANDLES not found; update this bench`);
  writeFileSync(up, source.replace(CONSTANT, `const ACCEPT_HANDLES = ${handles};`));
  return copy;
}

async function main(): Promise<void> {
  const shipped = Number(CONSTANT.exec(readFileSync(join(ROOT, 'dist/cli/up.js'), 'utf8'))?.[1]);
  const variants = [
    { handles: 1, build: variantBuild(1) },
    { handles: shipped, build: join(ROOT, 'dist') },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'wharf-accept-bench-'));
  const backendPort = await freePort();
  mkdirSync(join(dir, 'backend'));
  const prefix = join(dir, 'backend');
  writeFileSync(
    join(dir, 'backend.conf'),
    `worker_processes 1; daemon off; pid ${prefix}/pid; error_log ${prefix}/error.log warn; events { worker_connections 4096; }
http { client_body_temp_path ${prefix}; proxy_temp_path ${prefix}; fastcgi_temp_path ${prefix}; uwsgi_temp_path ${prefix}; scgi_temp_path ${prefix};
  access_log off; server { listen 127.0.0.1:${backendPort}; keepalive_requests 100000; location / { return 200 "hello from the backend\\n"; } } }`,
  );
  const backend = spawnPinned(1, 'nginx', ['-p', prefix, '-c', join(dir, 'backend.conf')]);
  await waitForPort(backendPort);
  const port = await freePort();
  const controlPort = await freePort();
  const routes = Array.from({ length: 20 }, (_, i) => `  - { path: /svc${i}, proxy: app }`).join('\n');
  writeFileSync(
    join(dir, 'wharf.yaml'),
    `listen: [127.0.0.1:${port}]\ncontrol: { address: 127.0.0.1:${controlPort} }\naccess_log: ${dir}/access.log\nlog_level: warn\nupstreams:\n  app: { keepalive: 64, servers: [127.0.0.1:${backendPort}] }\nroutes:\n${routes}\n  - { path: /api, proxy: app }\n  - { path: /, proxy: app }\n`,
  );
  const url = `http://127.0.0.1:${port}/api/books`;
  console.log(`accepting handles: 1 against ${shipped}, ${ROUNDS} round(s), wharf on core 0, backend and wrk on core 1\n`);
  console.log('| handles | round | cold c=200 p99 ms | cold wrk errors (timeouts) | warm c=200 p99 ms (1st / 2nd run) | warm c=200 req/s | warm c=50 p99 ms | new connection per request, c=50: req/s | CPU µs/req |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { handles, build } of variants) {
        const child = spawnPinned(0, process.execPath, [join(build, 'cli/main.js'), 'up', '-c', join(dir, 'wharf.yaml')]);
        try {
          await waitForPort(port, 30_000);
          const cold = await runWrk(1, url, 200, 10);
          const warm200 = [await runWrk(1, url, 200, 5), await runWrk(1, url, 200, 5)];
          const warm50 = [await runWrk(1, url, 50, 5), await runWrk(1, url, 50, 5)];
          const before = cpuMs(child.pid!);
          const close = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', '-c50', '-d5s', '-H', 'Connection: close', url], { encoding: 'utf8' });
          const cpu = cpuMs(child.pid!) - before;
          const requests = Number(/(\d+) requests in/.exec(close.stdout)?.[1] ?? 0);
          const closeRps = Number(/Requests\/sec:\s+([\d.]+)/.exec(close.stdout)?.[1] ?? 0);
          console.log(
            `| ${handles} | ${round} | ${cold.p99Ms} | ${cold.errors} | ${warm200.map((r) => r.p99Ms).join(' / ')} | ${warm200.map((r) => r.rps.toFixed(0)).join(' / ')} | ${warm50.map((r) => r.p99Ms).join(' / ')} | ${closeRps.toFixed(0)} | ${((cpu * 1000) / Math.max(1, requests)).toFixed(0)} |`,
          );
        } finally {
          await stop(child);
        }
      }
    }
  } finally {
    await stop(backend);
    rmSync(variants[0]!.build, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
