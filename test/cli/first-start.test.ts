// `wharf up` on a first start, as a real process: public listeners open only once the apps
// have a ready instance (so the first request is not a 503), the access log's directory is
// created, a SIGTERM while an app is still starting leaves no process behind, a slow app
// opens the listeners at timeouts.startup anyway, and "wharf stopped" is the last line.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { edgeUrlOf, spawnCli } from './cli-process.js';

const NODE = JSON.stringify(process.execPath);

/** Listens on $PORT only after LISTEN_AFTER ms (0: never); writes its pid first. */
const APP_JS = `
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
writeFileSync(process.env.PID_FILE, String(process.pid));
const after = Number(process.env.LISTEN_AFTER);
if (after > 0) setTimeout(() => createServer((req, res) => res.end('hello')).listen(Number(process.env.PORT), '127.0.0.1'), after);
else setInterval(() => {}, 1000);
process.on('SIGTERM', () => process.exit(0));
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function get(port: number): Promise<{ status: number; body: string } | 'refused'> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error)));
    req.end();
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('wharf up: a clean first start', () => {
  const dirs: string[] = [];
  const children: ReturnType<typeof spawnCli>[] = [];
  const pids: number[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function setup(port: number, listenAfter: number, extra = ''): { dir: string; file: string; pidFile: string } {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-first-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'app.mjs'), APP_JS);
    const pidFile = join(dir, 'app.pid');
    const file = join(dir, 'wharf.yaml');
    writeFileSync(
      file,
      `listen: [127.0.0.1:${port}]
control: { address: 127.0.0.1:0 }
access_log: logs/edge/access.log
${extra}apps:
  web:
    command: [${NODE}, app.mjs]
    env: { LISTEN_AFTER: ${listenAfter}, PID_FILE: ${JSON.stringify(pidFile)} }
    start_timeout: 60s
routes:
  - { path: /, proxy: web }
`,
    );
    return { dir, file, pidFile };
  }

  test('listeners open once the app is ready: the first answer is 200; the access log directory is created; "wharf stopped" comes last', async () => {
    const port = await freePort();
    const { dir, file, pidFile } = setup(port, 1500);
    const child = spawnCli(['up', '-c', file]);
    children.push(child);
    let first: { status: number; body: string } | undefined;
    let refusals = 0;
    while (!first) {
      const answer = await get(port);
      if (answer === 'refused') {
        refusals++;
        assert.equal(child.exitCode, null, child.output.stderr);
        await sleep(20);
      } else first = answer;
    }
    assert.deepEqual(first, { status: 200, body: 'hello' });
    assert.ok(refusals > 0, 'the listener was closed while the app started');
    const appPid = Number(readFileSync(pidFile, 'utf8'));
    pids.push(appPid);

    const accessLog = join(dir, 'logs', 'edge', 'access.log');
    await waitFor('the access log line', () => existsSync(accessLog) && /"GET \/ HTTP\/1\.1" 200/.test(readFileSync(accessLog, 'utf8')));

    child.kill('SIGTERM');
    const exit = await child.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(isAlive(appPid), false, 'the app is stopped');
    const lines = exit.stderr.trim().split('\n');
    assert.match(lines.at(-1)!, /"msg":"wharf stopped"/);
  });

  test('SIGTERM while an instance is still starting stops its process too', async () => {
    const port = await freePort();
    const { file, pidFile } = setup(port, 0);
    const child = spawnCli(['up', '-c', file]);
    children.push(child);
    const appPid = await waitFor('the app pid', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')));
    pids.push(appPid);
    assert.equal(await get(port), 'refused', 'not serving while the app starts');
    child.kill('SIGTERM');
    const exit = await child.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(isAlive(appPid), false, `the starting app (pid ${appPid}) was stopped with wharf`);
    assert.match(exit.stderr, /"msg":"wharf stopped"/);
  });

  test('an app that is never ready: the listeners open at timeouts.startup and the log says why', async () => {
    const port = await freePort();
    const { file, pidFile } = setup(port, 0, 'timeouts: { startup: 1s }\n');
    const child = spawnCli(['up', '-c', file]);
    children.push(child);
    const url = await edgeUrlOf(child);
    pids.push(Number(readFileSync(pidFile, 'utf8')));
    assert.equal(new URL(url).port, String(port));
    const answer = await get(port);
    assert.notEqual(answer, 'refused');
    assert.equal((answer as { status: number }).status, 503);
    assert.match(child.output.stderr, /opening listeners before every app is ready: timeouts\.startup \(1000ms\) passed; requests to web get 503/);
    assert.match(child.output.stderr, /web\.0 starting: /);
    child.kill('SIGTERM');
    assert.equal((await child.exited).code, 0);
  });
});
