// Through the edge: a route to a pool over a registry service works with no reload as
// instances register, turn critical, recover and deregister through the Consul API; a
// supervised app's instances are reachable through a pool over its own service.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { startBackend, type Backend } from '../helpers/backends.js';
import { eventually, request } from './support.js';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function backend(id: string): Promise<Backend> {
  const b = await startBackend(id, (_req, res) => res.end(id));
  cleanup.push(() => b.close());
  return b;
}

async function answer(w: RunningWharf, path = '/'): Promise<{ status: number; body: string }> {
  const res = await fetch(`${w.baseUrl}${path}`);
  return { status: res.status, body: await res.text() };
}

function consul(w: RunningWharf) {
  const base = `http://127.0.0.1:${w.wharf.registry.consulAddress()!.port}`;
  const put = async (path: string, body?: unknown) => {
    const res = await request(`${base}${path}`, { method: 'PUT', headers: { 'x-consul-token': w.controlToken }, ...(body !== undefined && { body: JSON.stringify(body) }) });
    assert.equal(res.status, 200, `${path}: ${res.text}`);
  };
  return {
    register: (id: string, port: number, tags: string[]) => put('/v1/agent/service/register', { ID: id, Name: 'catalog', Address: '127.0.0.1', Port: port, Tags: tags, Check: { TTL: '1h', Status: 'passing' } }),
    fail: (id: string) => put(`/v1/agent/check/fail/service:${id}`),
    pass: (id: string) => put(`/v1/agent/check/pass/service:${id}`),
    deregister: (id: string) => put(`/v1/agent/service/deregister/${id}`),
  };
}

describe('registry-backed upstreams through the edge', () => {
  test('routes follow registrations live: passing instances with the tags get traffic, none passing is 503', async () => {
    const v2 = await backend('v2');
    const v1 = await backend('v1');
    const w = await startWharf(`${LOOPBACK}registry: { consul_api: "127.0.0.1:0" }
upstreams:
  catalog:
    service: catalog
    tags: [v2]
    retries: 0
routes:
  - { path: /, proxy: catalog }
`);
    cleanup.push(() => w.stop());
    const api = consul(w);
    assert.equal((await answer(w)).status, 503, 'no instance yet');
    await api.register('catalog-v1', v1.port, ['v1']);
    assert.equal((await answer(w)).status, 503, 'an instance without the tag is not a member');
    await api.register('catalog-v2', v2.port, ['v2', 'eu']);
    await eventually(async () => assert.deepEqual(await answer(w), { status: 200, body: 'v2' }));
    for (let i = 0; i < 4; i++) assert.equal((await answer(w)).body, 'v2');
    assert.deepEqual(w.wharf.status().upstreams.find((u) => u.name === 'catalog')!.servers.map((s) => s.address), [v2.address]);

    await api.fail('catalog-v2');
    await eventually(async () => assert.equal((await answer(w)).status, 503));
    const served = v2.seen.length;
    for (let i = 0; i < 3; i++) assert.equal((await answer(w)).status, 503);
    assert.equal(v2.seen.length, served, 'a critical instance gets nothing');

    await api.pass('catalog-v2');
    await eventually(async () => assert.equal((await answer(w)).body, 'v2'));
    await api.deregister('catalog-v2');
    await eventually(async () => assert.equal((await answer(w)).status, 503));
    assert.equal(v1.seen.length, 0, 'the untagged instance never served');
  });

  test('apps.X with service and no command is a pool over the registry; a supervised app is found by its own name', async () => {
    const w = await startWharf(`${LOOPBACK}
apps:
  books:
    command: [${JSON.stringify(process.execPath)}, server.js]
    instances: 2
    tags: [blue]
  via_registry:
    service: books
    tags: [blue]
routes:
  - { path: /, proxy: via_registry }
`, {
      files: {
        'server.js': `require('node:http').createServer((req, res) => res.end('books ' + process.env.WHARF_INSTANCE)).listen(Number(process.env.PORT), '127.0.0.1');`,
      },
    });
    cleanup.push(() => w.stop());
    assert.deepEqual(w.wharf.status().apps.map((a) => a.name), ['books'], 'only the supervised app runs');
    const bodies = new Set<string>();
    for (let i = 0; i < 6; i++) bodies.add((await answer(w)).body);
    assert.deepEqual([...bodies].sort(), ['books 0', 'books 1']);
    await w.wharf.supervisor.stop('books');
    await eventually(async () => assert.equal((await answer(w)).status, 503));
  });
});
