import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AppStatus } from '../../src/supervise/status.js';
import { isAlive, NODE, pidsOf, suiteFixtures, tempDir, waitFor, writeFiles } from './helpers.js';

const RUNNER = join(import.meta.dirname, 'fixtures', 'run-supervisor.ts');

/** Serves, starts a grandchild, and notes when it was asked to stop. */
const APP_JS = `
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
appendFileSync('grandchildren.txt', grandchild.pid + '\\n');
process.on('SIGTERM', () => { appendFileSync('stopped.txt', Date.now() + '\\n'); process.exit(0); });
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

const CONFIG = `state_dir: ./state
apps:
  svc:
    command: [${NODE}, app.js]
    instances: 2
    stop_timeout: 2s
`;

/** Runs the supervisor in a separate node process; resolves with it and its first status line. */
async function runSupervisorProcess(dir: string, mode: 'hold' | 'exit') {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, join(dir, 'wharf.yaml'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`supervisor process exited with ${code} before reporting`)));
  });
  return { child, status: JSON.parse(first) as AppStatus[] };
}

describe('children of a wharf that died', () => {
  const fixtures = suiteFixtures();
  const stray: number[] = [];
  after(async () => {
    for (const pid of stray) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  test('after wharf is SIGKILLed, the next supervisor on the same state dir stops its orphans before starting', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'wharf.yaml': CONFIG, 'app.js': APP_JS });
    const { child, status } = await runSupervisorProcess(dir, 'hold');
    const orphans = status[0]!.instances.map((i) => i.pid!);
    const grandchildren = await waitFor('grandchildren', () => {
      const file = join(dir, 'grandchildren.txt');
      const pids = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map(Number) : [];
      return pids.length === 2 ? pids : undefined;
    });
    stray.push(...orphans, ...grandchildren);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.ok([...orphans, ...grandchildren].every(isAlive), 'children outlive a SIGKILLed wharf');

    const f = await fixtures.start(CONFIG, {}, { dir });
    for (const pid of [...orphans, ...grandchildren]) assert.equal(isAlive(pid), false, `orphan ${pid} was stopped`);
    const stoppedAt = readFileSync(join(dir, 'stopped.txt'), 'utf8').trim().split('\n').map(Number);
    assert.equal(stoppedAt.length, 2, 'each orphan got its stop signal');
    const fresh = f.supervisor.status()[0]!.instances;
    assert.deepEqual(fresh.map((i) => i.state), ['ready', 'ready']);
    assert.ok(fresh.every((i) => i.startedAt! >= Math.max(...stoppedAt)), 'new instances started after the orphans were stopped');
    assert.ok(pidsOf(f, 'svc').every((pid) => !orphans.includes(pid)));
  });

  test('a recorded pid now used by an unrelated process (other start time) is left alone', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'wharf.yaml': CONFIG, 'app.js': APP_JS });
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
    stray.push(bystander.pid!);
    const f = fixtures.create(CONFIG, {}, { dir });
    // A stale record: a dead wharf as owner, and the bystander's pid with a start time it never had.
    mkdirSync(f.snapshot.stateDir, { recursive: true });
    writeFileSync(
      join(f.snapshot.stateDir, 'supervisor.pids.json'),
      JSON.stringify({ owner: { pid: 999_999_999, startTime: 1 }, children: [{ app: 'svc', id: 0, pid: bystander.pid, startTime: 1 }] }),
    );
    await f.supervisor.apply(f.snapshot.apps);
    assert.equal(isAlive(bystander.pid!), true);
    bystander.kill('SIGKILL');
  });

  test('a second supervisor refuses a state dir whose owner is alive', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'wharf.yaml': CONFIG, 'app.js': APP_JS });
    const { child, status } = await runSupervisorProcess(dir, 'hold');
    stray.push(...status[0]!.instances.map((i) => i.pid!));
    const f = fixtures.create(CONFIG, {}, { dir });
    try {
      await assert.rejects(f.supervisor.apply(f.snapshot.apps), { code: 'WHARF_STATE_DIR_IN_USE' });
      assert.ok(status[0]!.instances.every((i) => isAlive(i.pid!)), "the other wharf's children were not touched");
      await f.supervisor.shutdown();
      assert.ok(existsSync(join(f.snapshot.stateDir, 'supervisor.pids.json')), "the other wharf's pid file stays");
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      // That runner dies by the signal without stopping its apps: their grandchildren are ours to end.
      const file = join(dir, 'grandchildren.txt');
      if (existsSync(file)) stray.push(...readFileSync(file, 'utf8').trim().split('\n').map(Number));
    }
  });

  test('when wharf exits without shutting down, no child is left behind', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'wharf.yaml': CONFIG, 'app.js': APP_JS });
    const { child, status } = await runSupervisorProcess(dir, 'exit');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    const pids = status[0]!.instances.map((i) => i.pid!);
    const grandchildren = readFileSync(join(dir, 'grandchildren.txt'), 'utf8').trim().split('\n').map(Number);
    stray.push(...pids, ...grandchildren);
    await waitFor('children gone', () => [...pids, ...grandchildren].every((pid) => !isAlive(pid)), 2000);
    rmSync(dir, { recursive: true, force: true });
  });
});
