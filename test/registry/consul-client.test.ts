// The real npm `consul` client, unchanged, against a real wharf's registry.consul_api listener:
// registration with tags and a TTL check, health queries with tag and passing, TTL expiry and
// renewal, HTTP checks failing and recovering, deregistration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { startBackend } from '../helpers/backends.js';
import { eventually } from './support.js';

const CONFIG = `${LOOPBACK}registry: { consul_api: "127.0.0.1:0" }\nroutes: []\n`;

async function withWharf(run: (consul: Consul, running: RunningWharf) => Promise<void>): Promise<void> {
  const running = await startWharf(CONFIG);
  // The client's own ACL-token setting carries wharf's control token.
  const consul = new Consul({ host: '127.0.0.1', port: running.wharf.registry.consulAddress()!.port, defaults: { token: running.controlToken } });
  try {
    await run(consul, running);
  } finally {
    consul.destroy();
    await running.stop();
  }
}

/** The client's typings ask more of a check than its code (and Consul) do; the call is unchanged. */
const register = (consul: Consul, options: Record<string, unknown>): Promise<unknown> =>
  consul.agent.service.register(options as never);

const passingIds = async (consul: Consul, service: string, tag?: string): Promise<string[]> =>
  ((await consul.health.service({ service, passing: true, ...(tag && { tag }) })) as { Service: { ID: string } }[]).map((e) => e.Service.ID).sort();

test('a service registers itself with tags and a TTL check; health.service finds it by tag once passing', async () => {
  await withWharf(async (consul) => {
    await register(consul, { name: 'web', id: 'web-1', address: '127.0.0.1', port: 8080, tags: ['Go', 'Awesome'], check: { ttl: '30s' } });
    await register(consul, { name: 'web', id: 'web-2', address: '127.0.0.1', port: 8081, tags: ['Rust'], check: { ttl: '30s', status: 'passing' } });
    // A new TTL check starts critical, as in Consul.
    assert.deepEqual(await passingIds(consul, 'web', 'Go'), []);
    await consul.agent.check.pass({ id: 'service:web-1', note: 'all good' });
    assert.deepEqual(await passingIds(consul, 'web', 'Go'), ['web-1']);
    assert.deepEqual(await passingIds(consul, 'web'), ['web-1', 'web-2']);
    const [entry] = (await consul.health.service({ service: 'web', tag: 'Go', passing: true })) as any[];
    assert.equal(entry.Service.Port, 8080);
    assert.deepEqual(entry.Service.Tags, ['Go', 'Awesome']);
    const check = entry.Checks.find((c: { CheckID: string }) => c.CheckID === 'service:web-1');
    assert.equal(check.Status, 'passing');
    assert.equal(check.Output, 'all good');
    assert.equal(check.Name, "Service 'web' check");
    // The catalog and the agent see the same.
    assert.deepEqual(await consul.catalog.service.list(), { web: ['Go', 'Awesome', 'Rust'] });
    const nodes = (await consul.catalog.service.nodes({ service: 'web', tag: 'Rust' })) as any[];
    assert.deepEqual(nodes.map((n) => [n.ServiceID, n.ServicePort]), [['web-2', 8081]]);
    const services = (await consul.agent.service.list()) as Record<string, { Service: string; Tags: string[] }>;
    assert.deepEqual(services['web-1']!.Tags, ['Go', 'Awesome']);
    await consul.agent.service.deregister('web-1');
    assert.deepEqual(await passingIds(consul, 'web'), ['web-2']);
  });
});

test('a TTL not renewed turns critical and leaves the passing list; renewed, it comes back', async () => {
  await withWharf(async (consul) => {
    await register(consul, { name: 'api', id: 'api-1', port: 9000, tags: ['Go'], check: { checkid: 'api-ttl', ttl: '400ms' } });
    await consul.agent.check.pass('api-ttl');
    assert.deepEqual(await passingIds(consul, 'api', 'Go'), ['api-1']);
    await eventually(async () => assert.deepEqual(await passingIds(consul, 'api', 'Go'), []));
    const checks = (await consul.agent.check.list()) as Record<string, { Status: string; Output: string }>;
    assert.equal(checks['api-ttl']!.Status, 'critical');
    assert.match(checks['api-ttl']!.Output, /TTL expired/);
    await consul.agent.check.pass('api-ttl');
    assert.deepEqual(await passingIds(consul, 'api', 'Go'), ['api-1']);
    // warn is not passing either.
    await consul.agent.check.warn({ id: 'api-ttl', note: 'slow' });
    assert.deepEqual(await passingIds(consul, 'api'), []);
    const all = (await consul.health.service('api')) as any[];
    assert.equal(all.length, 1);
    assert.equal(all[0].Checks.find((c: { CheckID: string }) => c.CheckID === 'api-ttl').Status, 'warning');
  });
});

test('an HTTP check turns critical when its endpoint fails and passing when it recovers', async () => {
  let healthy = true;
  const backend = await startBackend('svc', (_req, res) => {
    res.writeHead(healthy ? 200 : 500);
    res.end(healthy ? 'ok' : 'down');
  });
  try {
    await withWharf(async (consul) => {
      await register(consul, {
        name: 'books', id: 'books-1', address: '127.0.0.1', port: backend.port,
        check: { http: `http://127.0.0.1:${backend.port}/healthz`, interval: '1s', timeout: '1s' },
      });
      await eventually(async () => assert.deepEqual(await passingIds(consul, 'books'), ['books-1']));
      assert.ok(backend.seen.some((r) => r.url === '/healthz'));
      healthy = false;
      await eventually(async () => assert.deepEqual(await passingIds(consul, 'books'), []));
      const [entry] = (await consul.health.service('books')) as any[];
      const check = entry.Checks.find((c: { CheckID: string }) => c.CheckID === 'service:books-1');
      assert.equal(check.Status, 'critical');
      assert.match(check.Output, /500/);
      assert.equal(check.Type, 'http');
      healthy = true;
      await eventually(async () => assert.deepEqual(await passingIds(consul, 'books'), ['books-1']));
    });
  } finally {
    await backend.close();
  }
});

test('a TCP check passes while the port accepts connections', async () => {
  const backend = await startBackend('tcp');
  try {
    await withWharf(async (consul) => {
      await register(consul, { name: 'db', port: backend.port, check: { tcp: `127.0.0.1:${backend.port}`, interval: '1s' } });
      await eventually(async () => assert.deepEqual(await passingIds(consul, 'db'), ['db']));
      await backend.close();
      await eventually(async () => assert.deepEqual(await passingIds(consul, 'db'), []));
    });
  } finally {
    await backend.close();
  }
});

test('DeregisterCriticalServiceAfter removes a service whose check stays critical', async () => {
  await withWharf(async (consul) => {
    await register(consul, { name: 'temp', port: 1, check: { ttl: '10s', deregistercriticalserviceafter: '300ms' } });
    await register(consul, { name: 'keep', port: 2, check: { ttl: '10s', status: 'passing', deregistercriticalserviceafter: '300ms' } });
    await eventually(async () => assert.deepEqual(Object.keys((await consul.agent.service.list()) as object), ['keep']));
  });
});
