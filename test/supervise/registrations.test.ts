// Supervised instances in the service registry (a real Registry behind the supervisor's narrow
// interface): registered critical while starting, passing only once ready, critical when they
// stop being ready, gone once their process is; tags follow the app's `tags`, even on reload.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/registry/registry.js';
import { get, NODE, SERVER_JS, statesOf, suiteFixtures, waitFor } from './helpers.js';

/** Listens at once, but /healthz says 503 until READY_AFTER ms have passed. */
const SLOW_READY_JS = `
import { createServer } from 'node:http';
const readyAt = Date.now() + Number(process.env.READY_AFTER);
const server = createServer((req, res) => {
  res.statusCode = req.url === '/healthz' && Date.now() < readyAt ? 503 : 200;
  res.end(String(process.pid));
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

/** Binds $HOST only (so a check on 127.0.0.1 could not reach it); /host answers $HOST. */
const HOST_JS = `
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end(req.url === '/host' ? process.env.HOST : 'ok'))
  .listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

const statuses = (registry: Registry, service: string) => registry.service(service).map((e) => e.status);

describe('instances in the registry', () => {
  const fixtures = suiteFixtures();

  test('registered critical while starting, passing only after readiness; tags, address and id from the app', async () => {
    const registry = new Registry();
    const f = fixtures.create(
      `apps:
  slow:
    command: [${NODE}, slow.js]
    env: { READY_AFTER: 1500 }
    health: { path: /healthz, interval: 100ms }
    tags: [go, v1]
`,
      { 'slow.js': SLOW_READY_JS },
      { registry },
    );
    const applied = f.supervisor.apply(f.snapshot.apps);
    const port = await waitFor('a port', () => f.supervisor.status()[0]?.instances[0]?.port ?? undefined);
    await waitFor('the instance answering', async () => (await get(port, '/healthz').catch(() => ({ status: 0 }))).status === 503);
    const [starting] = registry.service('slow');
    assert.ok(starting, 'registered as soon as it runs');
    assert.equal(starting.status, 'critical', 'not passing before readiness');
    assert.deepEqual(statesOf(f, 'slow'), ['starting']);
    assert.equal(starting.id, `slow-0-${port}`);
    assert.equal(starting.address, '127.0.0.1');
    assert.equal(starting.port, port);
    assert.deepEqual(starting.tags, ['go', 'v1']);
    assert.equal(starting.origin, 'supervisor');
    await applied;
    assert.deepEqual(statuses(registry, 'slow'), ['passing'], 'passing once ready');
    assert.deepEqual(registry.service('slow', ['v1']).map((e) => e.port), [port], 'found by tag');
  });

  test('critical when no longer ready, deregistered when stopped; a reload re-tags without new processes', async () => {
    const registry = new Registry();
    const yaml = (tags: string) => `apps:
  web:
    command: [${NODE}, server.js]
    instances: 2
    tags: [${tags}]
`;
    const f = await fixtures.start(yaml('blue'), { 'server.js': SERVER_JS }, { registry });
    assert.deepEqual(statuses(registry, 'web'), ['passing', 'passing']);
    const pids = f.supervisor.status()[0]!.instances.map((i) => i.pid);
    f.load(yaml('green'));
    await f.supervisor.apply(f.snapshot.apps);
    assert.deepEqual(f.supervisor.status()[0]!.instances.map((i) => i.pid), pids, 'same processes');
    assert.deepEqual(registry.service('web', ['green']).map((e) => e.status), ['passing', 'passing'], 'new tags, still passing');
    assert.deepEqual(registry.service('web', ['blue']), []);

    const seen: string[] = [];
    const off = registry.subscribe(() => seen.push(statuses(registry, 'web').join(',')));
    await f.supervisor.stop('web');
    off();
    assert.deepEqual(registry.service('web'), [], 'deregistered once stopped');
    assert.ok(seen.some((s) => s.includes('critical')), `went critical before leaving: ${seen.join(' | ')}`);
  });

  test('a crashed instance leaves the registry and comes back passing after its restart', async () => {
    const registry = new Registry();
    const f = await fixtures.start(
      `apps:
  crashy:
    command: [${NODE}, server.js]
    restart: always
`,
      { 'server.js': SERVER_JS },
      { registry },
    );
    const [before] = registry.service('crashy');
    assert.equal(before?.status, 'passing');
    const pid = f.supervisor.status()[0]!.instances[0]!.pid!;
    let left = false;
    const off = registry.subscribe(() => (left ||= registry.service('crashy').length === 0));
    process.kill(pid, 'SIGKILL');
    await waitFor('deregistered', () => left);
    off();
    const after = await waitFor('back and passing', () => registry.service('crashy').find((e) => e.status === 'passing'));
    assert.equal(after.port, f.supervisor.status()[0]!.instances[0]!.port);
    assert.equal(registry.service('crashy').length, 1, 'one entry per running instance');
  });

  test('instances listen on the supervisor host ($HOST): registered, published and checked there', async () => {
    const registry = new Registry();
    const f = await fixtures.start(
      `apps:
  web:
    command: [${NODE}, host.js]
    health: { path: /healthz, interval: 100ms }
`,
      { 'host.js': HOST_JS },
      { registry, host: '127.0.0.3' },
    );
    const [entry] = registry.service('web');
    assert.equal(entry?.address, '127.0.0.3', 'the address other nodes reach it on');
    assert.equal(entry?.status, 'passing', 'ready: its readiness check reached it on that address');
    const pool = f.pools.get('web')!;
    assert.deepEqual(pool.peers.map((p) => p.address), [`127.0.0.3:${entry!.port}`]);
    const answer = await fetch(`http://127.0.0.3:${entry!.port}/host`).then((r) => r.text());
    assert.equal(answer, '127.0.0.3', 'the app was given $HOST and bound it');
  });
});
