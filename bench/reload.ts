// Rolling reload and crash recovery under load: `npx tsx bench/reload.ts`
//
// 1. wharf: examples/accounts (3 instances) behind the edge, autocannon with 20 keep-alive
//    connections; a rolling reload through the control API in the middle of the run.
//    Reported: failed requests (errors, timeouts, non-2xx) and req/s during the reload.
// 2. wharf: kill -9 of one instance under the same load; time until its replacement is ready.
// 3. PM2 (cluster mode, `pm2 reload`) and supervisord (`supervisorctl restart`) the same way,
//    when their programs are installed (PM2_BIN / node_modules/.bin/pm2 / PATH; supervisord on
//    PATH); skipped with a message otherwise. supervisord has no load balancer, so it runs
//    one instance that autocannon hits directly.
//
// Bounded: every load phase runs a fixed number of seconds (BENCH_SECONDS, default 8).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { request } from 'undici';
import { Wharf } from '../src/wharf.js';
import { createLogger } from '../src/observe/logger.js';
import { freePort } from '../src/supervise/ports.js';
import { probeHttp } from '../src/checks/http-probe.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const APP = join(ROOT, 'examples', 'accounts', 'server.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 20;
const ACTION_AT_MS = 2_000;
const PATH = '/accounts/10042';

// autocannon ships no types; this is the part of its API used here.
interface LoadResult { requests: { average: number; total: number }; errors: number; timeouts: number; non2xx: number }
interface LoadRun extends PromiseLike<LoadResult> {
  on(event: 'response', listener: (client: unknown, status: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
}
type Autocannon = (options: Record<string, unknown>) => LoadRun;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface PhaseReport {
  readonly subject: string;
  readonly action: string;
  readonly requests: number;
  readonly failed: number;
  readonly rps: number;
  readonly rpsDuringAction: number;
  readonly actionMs: number;
  readonly note?: string;
}

/** Runs load against `url` for SECONDS, calling `action` after ACTION_AT_MS; counts outcomes over time. */
async function underLoad(subject: string, label: string, url: string, action: () => Promise<string | undefined>): Promise<PhaseReport> {
  const times: number[] = [];
  let failed = 0;
  const load = autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: SECONDS, timeout: 5 });
  load.on('response', (_client, status) => {
    times.push(Date.now());
    if (status < 200 || status >= 300) failed++;
  });
  load.on('reqError', () => failed++);
  await sleep(ACTION_AT_MS);
  const started = Date.now();
  const note = await action();
  const ended = Date.now();
  const result = await load;
  const during = times.filter((at) => at >= started && at <= ended).length;
  const actionMs = ended - started;
  return {
    subject,
    action: label,
    requests: result.requests.total,
    failed: Math.max(failed, result.errors + result.timeouts + result.non2xx),
    rps: Math.round(result.requests.average),
    rpsDuringAction: actionMs > 0 ? Math.round((during / actionMs) * 1000) : 0,
    actionMs,
    note,
  };
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const answers = async (port: number) => (await probeHttp({ host: '127.0.0.1', port, path: '/healthz' }, 1000)).status === 'passing';

async function benchWharf(dir: string): Promise<PhaseReport[]> {
  const file = join(dir, 'wharf.yaml');
  writeFileSync(
    file,
    `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: off
apps:
  accounts:
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(APP)}]
    instances: 3
    health: { path: /healthz, interval: 1s }
    stop_timeout: 10s
routes:
  - path: /
    proxy: accounts
`,
  );
  const devNull = new Writable({ write: (_chunk, _encoding, done) => done() });
  const wharf = await Wharf.start(file, { logger: createLogger('error'), stdout: devNull });
  try {
    const edge = wharf.edgeAddresses()[0]!;
    const control = wharf.controlAddress();
    const url = `http://127.0.0.1:${edge.port}${PATH}`;
    const reports: PhaseReport[] = [];
    reports.push(
      await underLoad('wharf', 'rolling reload (3 instances)', url, async () => {
        const response = await request(`http://127.0.0.1:${control.port}/api/apps/accounts/reload`, { method: 'POST' });
        const body = await response.body.text();
        return response.statusCode === 200 ? undefined : `reload answered ${response.statusCode} ${body}`;
      }),
    );
    reports.push(
      await underLoad('wharf', 'kill -9 one instance', url, async () => {
        const victim = wharf.supervisor.status()[0]!.instances.find((i) => i.state === 'ready')!;
        const replaced = new Promise<void>((done) => {
          const listener = (event: { id: number; to: string; pid?: number }) => {
            if (event.id === victim.id && event.to === 'ready' && event.pid !== victim.pid) {
              wharf.events.off('instance', listener);
              done();
            }
          };
          wharf.events.on('instance', listener);
        });
        process.kill(victim.pid!, 'SIGKILL');
        await replaced;
        return 'action time = kill to replacement ready';
      }),
    );
    return reports;
  } finally {
    await wharf.shutdown();
  }
}

function findPm2(): string | undefined {
  const candidates = [process.env.PM2_BIN, join(ROOT, 'node_modules', '.bin', 'pm2')];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  return whichSync('pm2');
}

function whichSync(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

async function benchPm2(pm2: string, dir: string): Promise<PhaseReport[]> {
  const port = await freePort();
  const env = { ...process.env, PM2_HOME: join(dir, 'pm2-home'), PORT: String(port) };
  const pm = (...args: string[]) => run(pm2, args, { env, cwd: dir, timeout: 60_000 });
  const list = async () => JSON.parse((await pm('jlist')).stdout) as { pid: number; pm2_env: { status: string } }[];
  try {
    await pm('start', APP, '--name', 'accounts', '-i', '3', '--kill-timeout', '10000');
    await waitUntil('pm2 instances online', async () => (await list()).filter((p) => p.pm2_env.status === 'online').length === 3 && (await answers(port)));
    const url = `http://127.0.0.1:${port}${PATH}`;
    const reports: PhaseReport[] = [];
    reports.push(await underLoad('pm2', 'pm2 reload (cluster, 3 instances)', url, async () => void (await pm('reload', 'accounts'))));
    reports.push(
      await underLoad('pm2', 'kill -9 one instance', url, async () => {
        const before = await list();
        const victim = before[0]!.pid;
        process.kill(victim, 'SIGKILL');
        await waitUntil('pm2 replacement online', async () => {
          const now = await list();
          return now.every((p) => p.pid !== victim && p.pm2_env.status === 'online') && now.length === 3;
        });
        return 'action time = kill to `pm2 jlist` showing the replacement online';
      }),
    );
    return reports;
  } finally {
    await pm('kill').catch(() => {});
  }
}

async function benchSupervisord(supervisord: string, dir: string): Promise<PhaseReport[]> {
  const port = await freePort();
  const conf = join(dir, 'supervisord.conf');
  const socket = join(dir, 'supervisor.sock');
  writeFileSync(
    conf,
    `[unix_http_server]
file=${socket}
[supervisord]
logfile=${join(dir, 'supervisord.log')}
pidfile=${join(dir, 'supervisord.pid')}
nodaemon=true
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://${socket}
[program:accounts]
command=${process.execPath} ${APP}
environment=PORT="${port}"
autorestart=true
startsecs=0
stopsignal=TERM
stopwaitsecs=10
`,
  );
  const daemon = spawn(supervisord, ['-c', conf], { stdio: 'ignore' });
  const ctl = (...args: string[]) => run(whichSync('supervisorctl') ?? 'supervisorctl', ['-c', conf, ...args], { timeout: 60_000 });
  try {
    await waitUntil('supervisord program up', () => answers(port));
    const url = `http://127.0.0.1:${port}${PATH}`;
    const reports: PhaseReport[] = [];
    reports.push(
      await underLoad('supervisord', 'supervisorctl restart (1 instance, no balancer)', url, async () => {
        await ctl('restart', 'accounts');
        await waitUntil('port answering', () => answers(port));
        return undefined;
      }),
    );
    reports.push(
      await underLoad('supervisord', 'kill -9 the instance', url, async () => {
        const pid = Number((await ctl('pid', 'accounts')).stdout.trim());
        process.kill(pid, 'SIGKILL');
        await sleep(20);
        await waitUntil('port answering again', () => answers(port));
        return 'action time = kill to the port answering again';
      }),
    );
    return reports;
  } finally {
    await ctl('shutdown').catch(() => {});
    await Promise.race([new Promise((done) => daemon.once('exit', done)), sleep(15_000)]);
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  }
}

function print(reports: readonly PhaseReport[]): void {
  const rows = reports.map((r) => [r.subject, r.action, String(r.requests), String(r.failed), String(r.rps), String(r.rpsDuringAction), `${r.actionMs} ms`]);
  const header = ['subject', 'action under load', 'requests', 'failed', 'req/s', 'req/s during action', 'action time'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const r of reports) if (r.note) console.log(`* ${r.subject} / ${r.action}: ${r.note}`);
  console.log('* req/s are not comparable across subjects: wharf is measured through its proxy, PM2 (node cluster) and supervisord directly.');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-reload-'));
  const reports: PhaseReport[] = [];
  try {
    console.log(`load: autocannon, ${CONNECTIONS} keep-alive connections, ${SECONDS}s per phase, action at ${ACTION_AT_MS / 1000}s, GET ${PATH}`);
    reports.push(...(await benchWharf(dir)));
    const pm2 = findPm2();
    if (pm2) reports.push(...(await benchPm2(pm2, dir)));
    else console.log('pm2: skipped (not installed; set PM2_BIN or `npm i -D pm2` to compare)');
    const supervisord = whichSync('supervisord');
    if (supervisord) reports.push(...(await benchSupervisord(supervisord, dir)));
    else console.log('supervisord: skipped (not installed; `apt-get install supervisor` to compare)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  print(reports);
}

await main();
