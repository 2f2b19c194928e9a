import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { get, NODE, poolAddresses, statesOf, suiteFixtures, waitFor, type Fixture } from './helpers.js';

/** Accepts connections at once, but /healthz says 503 until READY_AFTER ms have passed. */
const SLOW_READY_JS = `
import { createServer } from 'node:http';
const readyAt = Date.now() + Number(process.env.READY_AFTER);
createServer((req, res) => {
  res.statusCode = req.url === '/healthz' && Date.now() < readyAt ? 503 : 200;
  res.end(String(process.pid));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** Listens at once; tells wharf it is ready over IPC after a second. */
const WAIT_READY_JS = `
import { createServer } from 'node:http';
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
setTimeout(() => process.send('ready'), 1000);
`;

const LATE_LISTEN_JS = `
import { createServer } from 'node:http';
setTimeout(() => createServer((req, res) => res.end(process.env.WHARF_APP + ' ' + process.env.WHARF_INSTANCE + ' ' + process.env.GREETING)).listen(Number(process.env.PORT), '127.0.0.1'), 300);
`;

const select = (f: Fixture, app: string) => f.pools.get(app)!.select({ clientIp: '127.0.0.1' }, new Set());

describe('readiness', () => {
  const fixtures = suiteFixtures();

  test('an instance joins the pool only after its health check passes', async () => {
    const f = fixtures.create(
      `apps:
  slow:
    command: [${NODE}, slow.js]
    env: { READY_AFTER: 2000 }
    health: { path: /healthz, interval: 1s }
`,
      { 'slow.js': SLOW_READY_JS },
    );
    const started = Date.now();
    const applied = f.supervisor.apply(f.snapshot.apps);
    const instance = await waitFor('a pid', () => f.supervisor.status()[0]?.instances[0]?.pid ?? undefined);
    const port = f.supervisor.status()[0]!.instances[0]!.port!;
    await waitFor('port answering', async () => (await get(port, '/healthz').catch(() => ({ status: 0 }))).status === 503);
    while (Date.now() - started < 1500) {
      assert.deepEqual(poolAddresses(f, 'slow'), [], 'not in the pool while its check fails');
      assert.equal(select(f, 'slow'), undefined);
      assert.deepEqual(statesOf(f, 'slow'), ['starting']);
      await sleep(50);
    }
    await applied;
    assert.ok(Date.now() - started >= 1900, 'apply resolved once the instance was ready');
    assert.deepEqual(statesOf(f, 'slow'), ['ready']);
    assert.deepEqual(poolAddresses(f, 'slow'), [`127.0.0.1:${port}`]);
    const picked = select(f, 'slow');
    assert.equal(picked?.address, `127.0.0.1:${port}`);
    f.pools.get('slow')!.release(picked!, { ok: true });
    assert.equal((await get(port)).body, String(instance));
  });

  test('wait_ready: joins after process.send("ready"), not when the port opens', async () => {
    const f = fixtures.create(
      `apps:
  ipc:
    command: [${NODE}, wait-ready.js]
    wait_ready: true
`,
      { 'wait-ready.js': WAIT_READY_JS },
    );
    const applied = f.supervisor.apply(f.snapshot.apps);
    const port = await waitFor('a port', () => f.supervisor.status()[0]?.instances[0]?.port ?? undefined);
    await waitFor('port answering', async () => (await get(port).catch(() => ({ status: 0 }))).status === 200);
    assert.deepEqual(poolAddresses(f, 'ipc'), [], 'an open port is not readiness with wait_ready');
    assert.deepEqual(statesOf(f, 'ipc'), ['starting']);
    await applied;
    assert.deepEqual(statesOf(f, 'ipc'), ['ready']);
    assert.deepEqual(poolAddresses(f, 'ipc'), [`127.0.0.1:${port}`]);
  });

  test('without a health check, a TCP connect to $PORT is readiness; env and instance index are injected', async () => {
    const f = await fixtures.start(
      `apps:
  plain:
    command: [${NODE}, late.js]
    instances: 2
    env: { GREETING: hello }
`,
      { 'late.js': LATE_LISTEN_JS },
    );
    const instances = f.supervisor.status()[0]!.instances;
    assert.deepEqual(instances.map((i) => i.state), ['ready', 'ready']);
    assert.equal(new Set(instances.map((i) => i.port)).size, 2, 'one port per instance');
    assert.deepEqual(await Promise.all(instances.map(async (i) => (await get(i.port!)).body)), ['plain 0 hello', 'plain 1 hello']);
    assert.deepEqual(poolAddresses(f, 'plain'), instances.map((i) => `127.0.0.1:${i.port}`).sort());
  });

  test('start_timeout kills an instance that never becomes ready and counts it as a failed start', async () => {
    const f = await fixtures.start(
      `apps:
  stuck:
    command: [${NODE}, slow.js]
    env: { READY_AFTER: 600000 }
    health: { path: /healthz }
    start_timeout: 400ms
    stop_timeout: 500ms
    restart: on-failure
    max_restarts: 1
`,
      { 'slow.js': SLOW_READY_JS },
    );
    assert.ok(f.seen.some((e) => e.from === 'starting' && e.to === 'stopping' && /not ready within 400ms/.test(e.reason ?? '')));
    await waitFor('fatal', () => statesOf(f, 'stuck')[0] === 'fatal');
    const instance = f.supervisor.status()[0]!.instances[0]!;
    assert.match(instance.reason ?? '', /crash loop.*not ready within 400ms/);
    assert.equal(f.seen.filter((e) => e.to === 'ready').length, 0);
    assert.deepEqual(poolAddresses(f, 'stuck'), []);
  });
});
