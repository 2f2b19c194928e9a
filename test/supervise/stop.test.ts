import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { PID_FILE_NAME } from '../../src/supervise/pid-file.js';
import { isAlive, NODE, pidsOf, poolAddresses, SERVER_JS, statesOf, suiteFixtures, waitFor } from './helpers.js';

/** Ignores SIGTERM and starts a grandchild that ignores it too. */
const STUBBORN_JS = `
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
writeFileSync('grandchild-' + process.env.WHARF_INSTANCE + '.pid', String(grandchild.pid));
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** /slow answers after 300 ms; no SIGTERM handler, so a signal mid-request would cut it off. */
const FRAGILE_JS = `
import { createServer } from 'node:http';
createServer((req, res) => {
  if (req.url === '/slow') return setTimeout(() => res.end('finished'), 300);
  res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

describe('graceful stop', () => {
  const fixtures = suiteFixtures();

  test('a process ignoring SIGTERM is SIGKILLed with its grandchildren after stop_timeout', async () => {
    const f = await fixtures.start(
      `apps:
  stubborn:
    command: [${NODE}, stubborn.js]
    instances: 2
    stop_timeout: 500ms
`,
      { 'stubborn.js': STUBBORN_JS },
    );
    const children = pidsOf(f, 'stubborn');
    const grandchildren = await waitFor('grandchild pid files', () => {
      const files = [0, 1].map((i) => join(f.dir, `grandchild-${i}.pid`));
      return files.every((file) => existsSync(file) && readFileSync(file, 'utf8')) ? files.map((file) => Number(readFileSync(file, 'utf8'))) : undefined;
    });
    assert.ok([...children, ...grandchildren].every(isAlive));

    const started = Date.now();
    await f.supervisor.stop('stubborn');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 450, `waited for stop_timeout before SIGKILL (${elapsed} ms)`);
    for (const pid of [...children, ...grandchildren]) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
    const instances = f.supervisor.status()[0]!.instances;
    assert.deepEqual(instances.map((i) => [i.state, i.lastExit?.signal]), [['exited', 'SIGKILL'], ['exited', 'SIGKILL']]);
    assert.deepEqual(poolAddresses(f, 'stubborn'), []);
  });

  test('stop takes the instance out of the pool first and signals it only after its in-flight request ends', async () => {
    const f = await fixtures.start(
      `apps:
  fragile:
    command: [${NODE}, fragile.js]
    stop_timeout: 5s
`,
      { 'fragile.js': FRAGILE_JS },
    );
    const pool = f.pools.get('fragile')!;
    // Act as the edge does: pick a peer, forward, release when the response is done.
    const peer = pool.select({ clientIp: '127.0.0.1' }, new Set())!;
    let finishedAt = 0;
    const inFlight = request(`http://${peer.address}/slow`).then(async (response) => {
      const body = await response.body.text();
      finishedAt = Date.now();
      pool.release(peer, { ok: true });
      return { status: response.statusCode, body };
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = f.supervisor.stop('fragile');
    await waitFor('out of the pool', () => poolAddresses(f, 'fragile').length === 0, 200, 5);
    assert.equal(pool.select({ clientIp: '127.0.0.1' }, new Set()), undefined, 'no new requests once stopping');
    await stopping;
    assert.deepEqual(await inFlight, { status: 200, body: 'finished' });
    const exited = f.seen.find((e) => e.to === 'exited')!;
    assert.ok(exited.at >= finishedAt, 'the process ended after its last response');
    assert.equal(f.supervisor.status()[0]!.instances[0]!.lastExit?.signal, 'SIGTERM');
  });

  test('shutdown stops every app and removes the pid file', async () => {
    const f = await fixtures.start(
      `apps:
  one: { command: [${NODE}, server.js], instances: 2 }
  two: { command: [${NODE}, server.js] }
`,
      { 'server.js': SERVER_JS },
    );
    const pidFile = join(f.snapshot.stateDir, PID_FILE_NAME);
    const recorded = JSON.parse(readFileSync(pidFile, 'utf8')) as { owner: { pid: number }; children: { pid: number; app: string }[] };
    const pids = [...pidsOf(f, 'one'), ...pidsOf(f, 'two')];
    assert.equal(recorded.owner.pid, process.pid);
    assert.deepEqual(recorded.children.map((c) => c.pid).sort((a, b) => a - b), [...pids].sort((a, b) => a - b));
    await f.supervisor.shutdown();
    assert.ok(pids.every((pid) => !isAlive(pid)));
    assert.equal(existsSync(pidFile), false);
    assert.deepEqual([...statesOf(f, 'one'), ...statesOf(f, 'two')], ['exited', 'exited', 'exited']);
    await assert.rejects(f.supervisor.apply(f.snapshot.apps), { code: 'WHARF_SUPERVISOR_SHUT_DOWN' });
  });
});
