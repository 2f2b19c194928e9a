// What `wharf status` needs to explain an instance that takes no traffic: a starting one says
// what it waits for, a crashed one keeps its last stderr lines, and on_start_timeout: ready
// (PM2's listen_timeout) makes a silent instance ready instead of restarting it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE, poolAddresses, suiteFixtures, waitFor } from './helpers.js';

const UNHEALTHY_JS = `
import { createServer } from 'node:http';
createServer((req, res) => { res.statusCode = 503; res.end('warming up'); }).listen(Number(process.env.PORT), '127.0.0.1');
`;

const CRASH_JS = `
console.error('loading config');
console.error('fatal: DATABASE_URL is not set');
process.exit(3);
`;

const SILENT_JS = `
import { createServer } from 'node:http';
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

describe('why an instance is not ready', () => {
  const fixtures = suiteFixtures();

  test('a starting instance names the readiness check that fails and how', async () => {
    const f = fixtures.create(`apps:\n  warm:\n    command: [${NODE}, warm.js]\n    health: { path: /healthz }\n`, { 'warm.js': UNHEALTHY_JS });
    void f.supervisor.apply(f.snapshot.apps);
    const waiting = await waitFor('a failed check', () => {
      const instance = f.supervisor.status()[0]?.instances[0];
      return instance?.waiting_for?.includes('returned') ? instance : undefined;
    });
    assert.equal(waiting.state, 'starting');
    assert.match(waiting.waiting_for!, new RegExp(`^readiness check on port ${waiting.port}: GET /healthz returned 503$`));
  });

  test('a crash loop keeps the last stderr lines of the app, in the status and in the reason', async () => {
    const f = fixtures.create(`apps:\n  crash:\n    command: [${NODE}, crash.js]\n    max_restarts: 1\n    restart_window: 1m\n`, { 'crash.js': CRASH_JS });
    void f.supervisor.apply(f.snapshot.apps);
    const fatal = await waitFor('fatal', () => {
      const instance = f.supervisor.status()[0]?.instances[0];
      return instance?.state === 'fatal' ? instance : undefined;
    });
    assert.deepEqual(fatal.last_stderr, ['loading config', 'fatal: DATABASE_URL is not set']);
    assert.match(fatal.reason!, /crash loop: .*last stderr: fatal: DATABASE_URL is not set/);
  });

  test('wait_ready with on_start_timeout: ready joins the pool after start_timeout without a ready message', async () => {
    const f = fixtures.create(
      `apps:\n  quiet:\n    command: [${NODE}, quiet.js]\n    wait_ready: true\n    start_timeout: 600ms\n    on_start_timeout: ready\n`,
      { 'quiet.js': SILENT_JS },
    );
    void f.supervisor.apply(f.snapshot.apps);
    const starting = await waitFor('starting', () => f.supervisor.status()[0]?.instances[0]?.state === 'starting' && f.supervisor.status()[0]!.instances[0]!);
    assert.equal(starting.waiting_for, "process.send('ready') from the app");
    const ready = await waitFor('ready', () => f.supervisor.status()[0]?.instances[0]?.state === 'ready' && f.supervisor.status()[0]!.instances[0]!);
    assert.equal(ready.restarts, 0, 'taken as ready, not restarted');
    assert.equal(ready.pid, starting.pid);
    assert.deepEqual(poolAddresses(f, 'quiet'), [`127.0.0.1:${ready.port}`]);
  });

  test('without on_start_timeout the same instance is stopped at start_timeout and the reason says what it waited for', async () => {
    const f = fixtures.create(`apps:\n  quiet:\n    command: [${NODE}, quiet.js]\n    wait_ready: true\n    start_timeout: 600ms\n`, { 'quiet.js': SILENT_JS });
    void f.supervisor.apply(f.snapshot.apps);
    const stopped = await waitFor('restart', () => {
      const instance = f.supervisor.status()[0]?.instances[0];
      return instance && /not ready within 600ms/.test(instance.reason ?? '') ? instance : undefined;
    });
    assert.match(stopped.reason!, /waiting for process\.send\('ready'\)/);
    assert.deepEqual(poolAddresses(f, 'quiet'), []);
  });
});
