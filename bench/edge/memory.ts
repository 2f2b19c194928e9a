// `npx tsx bench/edge/memory.ts`: the RSS targets of wharf's edge, each from a fresh `wharf up`
// started the way a user starts it (the `bin/wharf.js` launcher):
//   idle    the demo config (examples/wharf.yaml, ports moved to free ones), sampled for 30 s;
//   c=200   a minimal proxy config after 10 s of wrk at 200 connections, then 5 and 15 s later;
//   upload  1 GB streamed through to a backend that discards it;
//   download 1 GB from a fast backend through a route with limit_rate (the throttle must
//           back-pressure the backend instead of holding its body), twice in one wharf.
// Prints the wharf process's RSS only (its apps are separate processes). Bounded: every step
// has a time limit, and nothing is sent anywhere but 127.0.0.1.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, has, rssBytes, runWrk, stop, waitForPort } from '../lib/procs.js';
import { startSink, uploadThrough } from './upload.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MB = 1048576;
const TRANSFER_MB = Number(process.env.BENCH_TRANSFER_MB ?? 1024);
const dir = mkdtempSync(join(tmpdir(), 'wharf-memory-'));
const mb = (bytes: number) => (bytes / MB).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function up(name: string, yaml: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml.replaceAll('LISTEN_PORT', String(port)));
  // BENCH_NODE_FLAGS: V8/Node flags to try (e.g. --max-semi-space-size=2); the launcher as users run it otherwise.
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const [command, args] = flags.length ? [process.execPath, [...flags, join(ROOT, 'bin/wharf.js')]] : [join(ROOT, 'bin/wharf.js'), []];
  const child = spawn(command, [...args, 'up', '-c', file], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, WHARF_TOKEN: 'bench' } });
  await waitForPort(port, 30_000);
  return { child, port };
}

/** The demo config, with free ports and absolute paths, so it runs from the temporary directory. */
function demoConfig(controlPort: number): string {
  const examples = join(ROOT, 'examples');
  return readFileSync(join(examples, 'wharf.yaml'), 'utf8')
    .replace('- 127.0.0.1:8080', '- 127.0.0.1:LISTEN_PORT')
    .replace('address: 127.0.0.1:9901', `address: 127.0.0.1:${controlPort}`)
    .replaceAll('command: node ', `command: node ${examples}/`)
    .replace('static: ./public', `static: ${examples}/public`)
    .replace('access_log: stdout', `access_log: ${dir}/demo-access.log`);
}

async function idle(): Promise<void> {
  const wharf = await up('demo', demoConfig(await freePort()));
  const samples: string[] = [];
  let elapsed = 0;
  for (const at of [2, 5, 10, 20, 30]) {
    await sleep((at - elapsed) * 1000);
    elapsed = at;
    samples.push(`${at}s ${mb(rssBytes(wharf.child.pid!))}`);
  }
  console.log(`idle (demo config): RSS MB at ${samples.join(', ')}`);
  await stop(wharf.child);
}

async function underLoad(backendPort: number): Promise<void> {
  if (!has('wrk')) return void console.log('c=200: skipped (wrk not installed)');
  const wharf = await up('load', `listen: [127.0.0.1:LISTEN_PORT]\ncontrol: { address: 127.0.0.1:${await freePort()} }\naccess_log: ${dir}/load-access.log\nlog_level: warn\nupstreams:\n  app: { keepalive: 64, servers: [127.0.0.1:${backendPort}] }\nroutes:\n  - { path: /, proxy: app }\n`);
  const before = rssBytes(wharf.child.pid!);
  const result = await runWrk(1, `http://127.0.0.1:${wharf.port}/`, 200, 10);
  const after = rssBytes(wharf.child.pid!);
  await sleep(5000);
  const later5 = rssBytes(wharf.child.pid!);
  await sleep(10_000);
  console.log(`c=200: ${result.requests} requests, p99 ${result.p99Ms} ms, RSS MB ${mb(before)} before, ${mb(after)} at the end, ${mb(later5)} 5 s and ${mb(rssBytes(wharf.child.pid!))} 15 s later`);
  await stop(wharf.child);
}

async function upload(): Promise<void> {
  const sinkPort = await freePort();
  const sink = await startSink(sinkPort);
  const wharf = await up('upload', `listen: [127.0.0.1:LISTEN_PORT]\ncontrol: { address: 127.0.0.1:${await freePort()} }\nlog_level: warn\nupstreams:\n  sink: { servers: [127.0.0.1:${sinkPort}] }\nroutes:\n  - { path: /, proxy: sink }\n`);
  await sleep(3000);
  const result = await uploadThrough(`http://127.0.0.1:${wharf.port}/upload`, wharf.child.pid!, TRANSFER_MB, sink);
  console.log(`upload ${result.mb} MB in ${result.seconds.toFixed(1)} s: RSS MB ${mb(result.rssBeforeMb * MB)} -> peak ${mb(result.rssPeakMb * MB)} (+${(result.rssPeakMb - result.rssBeforeMb).toFixed(1)}), backend received ${result.receivedMb} MB`);
  await stop(wharf.child);
  sink.server.close();
}

async function download(): Promise<void> {
  const chunk = Buffer.alloc(MB, 7);
  const source = createServer((_req, res) => {
    res.writeHead(200, { 'content-length': String(TRANSFER_MB * MB) });
    let sent = 0;
    const pump = () => {
      while (sent < TRANSFER_MB) {
        sent++;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const sourcePort = await freePort();
  await new Promise<void>((r) => source.listen(sourcePort, '127.0.0.1', r));
  // 200 MB/s: well below what the source sends, so only back-pressure keeps the body out of wharf.
  const wharf = await up('download', `listen: [127.0.0.1:LISTEN_PORT]\ncontrol: { address: 127.0.0.1:${await freePort()} }\nlog_level: warn\nupstreams:\n  source: { servers: [127.0.0.1:${sourcePort}] }\nroutes:\n  - { path: /, proxy: source, limit_rate: ${process.env.BENCH_LIMIT_RATE ?? '200m'} }\n`);
  await sleep(3000);
  const rate = process.env.BENCH_LIMIT_RATE ?? '200m';
  // Twice: the first transfer also pays for V8 optimising undici's response parser.
  for (const run of ['first', 'second']) {
    const result = await fetchMeasured(`http://127.0.0.1:${wharf.port}/file`, wharf.child.pid!);
    console.log(`download (${run}) ${mb(result.bytes)} MB through limit_rate ${rate} in ${result.seconds.toFixed(1)} s: RSS MB ${mb(result.before)} -> peak ${mb(result.peak)} (+${mb(result.peak - result.before)})`);
  }
  await stop(wharf.child);
  source.close();
}

/** GETs url to the end, sampling pid's RSS every 50 ms; bounded to 120 s. */
async function fetchMeasured(url: string, pid: number): Promise<{ bytes: number; seconds: number; before: number; peak: number }> {
  const before = rssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 50);
  const started = performance.now();
  let bytes = 0;
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('download took over 120 s')), 120_000);
      request(url, (res) => {
        res.on('data', (d: Buffer) => (bytes += d.length));
        res.on('end', () => (clearTimeout(timer), done()));
      })
        .on('error', fail)
        .end();
    });
  } finally {
    clearInterval(sampler);
  }
  return { bytes, seconds: (performance.now() - started) / 1000, before, peak };
}

async function main(): Promise<void> {
  const only = process.env.BENCH_STEPS?.split(',') ?? ['idle', 'load', 'upload', 'download'];
  if (only.includes('idle')) await idle();
  if (only.includes('load')) {
    const backend = createServer((_req, res) => res.end('hello from the backend\n'));
    const port = await freePort();
    await new Promise<void>((r) => backend.listen(port, '127.0.0.1', r));
    await underLoad(port);
    backend.close();
  }
  if (only.includes('upload')) await upload();
  if (only.includes('download')) await download();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
