// The /v1/ API over HTTP on a real wharf: blocking queries, the control address mount, the
// token, and every kind of bad input answered 4xx with nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { createServer } from 'node:http';
import { request } from './support.js';
import { Registry } from '../../src/registry/registry.js';
import { consulApi } from '../../src/registry/consul-api.js';
import { nodeIdentity } from '../../src/registry/node-identity.js';

let token = '';

async function withWharf(extra: string, run: (api: string, running: RunningWharf) => Promise<void>): Promise<void> {
  const running = await startWharf(`${LOOPBACK}${extra}registry: { consul_api: "127.0.0.1:0" }\nroutes: []\n`);
  token = running.controlToken;
  try {
    await run(`http://127.0.0.1:${running.wharf.registry.consulAddress()!.port}`, running);
  } finally {
    await running.stop();
  }
}

/** PUT and GET with wharf's control token as a Consul client sends its ACL token. */
const put = (url: string, body?: unknown, headers: Record<string, string> = { 'x-consul-token': token }) =>
  request(url, { method: 'PUT', headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
const get = (url: string, headers: Record<string, string> = { 'x-consul-token': token }) => request(url, { headers });

test('a blocking health query returns soon after a change, with a newer index and the changed answer', async () => {
  await withWharf('', async (api) => {
    assert.equal((await put(`${api}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 80, Check: { TTL: '30s', Status: 'passing' } })).status, 200);
    const first = await get(`${api}/v1/health/service/web?passing`);
    const index = Number(first.headers.get('x-consul-index'));
    assert.ok(index > 0);
    assert.equal(first.headers.get('x-consul-knownleader'), 'true');
    assert.equal(first.json().length, 1);
    // Waits up to a minute; the change below must end it long before.
    const blocked = get(`${api}/v1/health/service/web?passing&index=${index}&wait=60s`);
    let settled = false;
    void blocked.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(settled, false, 'the query waits while nothing changes');
    // A change to another service does not answer it either.
    await put(`${api}/v1/agent/service/register`, { Name: 'other', Port: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(settled, false, 'another service changing does not end the wait');
    assert.equal((await put(`${api}/v1/agent/check/fail/service:web-1?note=broken`)).status, 200);
    const answer = await blocked;
    assert.ok(Number(answer.headers.get('x-consul-index')) > index);
    assert.deepEqual(answer.json(), []);
  });
});

test('a blocking query with nothing changing answers after its wait with the same index', async () => {
  await withWharf('', async (api) => {
    await put(`${api}/v1/agent/service/register`, { Name: 'web', Port: 80 });
    const first = await get(`${api}/v1/catalog/service/web`);
    const index = first.headers.get('x-consul-index');
    const answer = await get(`${api}/v1/catalog/service/web?index=${index}&wait=300ms`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-consul-index'), index);
    assert.deepEqual(answer.json().map((e: { ServiceName: string }) => e.ServiceName), ['web']);
    const services = await get(`${api}/v1/catalog/services?index=${Number(index)}&wait=200ms`);
    assert.deepEqual(services.json(), { web: [] });
  });
});

test('the API is also on the control address, and answers GET /api/services for wharf status', async () => {
  await withWharf('', async (_api, running) => {
    assert.equal((await put(`${running.controlUrl}/v1/agent/service/register`, { Name: 'cache', Port: 6379, Tags: ['v1'] })).status, 200);
    const agent = (await get(`${running.controlUrl}/v1/agent/services`)).json();
    assert.equal(agent.cache.Service, 'cache');
    assert.equal(agent.cache.Address, '127.0.0.1');
    const services = (await get(`${running.controlUrl}/api/services`)).json().services;
    assert.deepEqual(services.map((s: { name: string; passing: number }) => [s.name, s.passing]), [['cache', 1]]);
    const status = (await get(`${running.controlUrl}/api/status`)).json();
    assert.equal(status.services[0].instances[0].id, 'cache');
    const metrics = (await get(`${running.controlUrl}/metrics`)).text;
    assert.match(metrics, /wharf_registry_instances\{service="cache",state="passing"\} 1/);
    assert.match(metrics, /wharf_registry_instances\{service="cache",state="critical"\} 0/);
  });
});

test('requests without the control token get 403 on both addresses; the header, bearer and ?token= forms work', async () => {
  await withWharf('', async (api, running) => {
    const body = { Name: 'web', Port: 80 };
    const denied = await put(`${api}/v1/agent/service/register`, body, {});
    assert.equal(denied.status, 403);
    assert.match(denied.text, /Permission denied/);
    assert.equal((await put(`${api}/v1/agent/service/register`, body, { 'x-consul-token': 'wrong' })).status, 403);
    assert.equal((await get(`${api}/v1/agent/services`, {})).status, 403);
    assert.equal((await put(`${running.controlUrl}/v1/agent/service/register`, body, {})).status, 403);
    assert.equal((await get(`${running.controlUrl}/v1/catalog/services`, {})).status, 403);
    assert.equal(running.wharf.registry.registry.size, 0);
    assert.equal((await put(`${api}/v1/agent/service/register`, body, { 'x-consul-token': token })).status, 200);
    assert.equal((await put(`${api}/v1/agent/service/register`, { ...body, ID: 'web-2' }, { authorization: `Bearer ${token}` })).status, 200);
    assert.deepEqual(Object.keys((await get(`${api}/v1/agent/services?token=${token}`, {})).json()).sort(), ['web', 'web-2']);
    assert.equal((await put(`${running.controlUrl}/v1/agent/service/register`, { ...body, ID: 'web-3' }, { 'x-consul-token': token })).status, 200);
    assert.equal(running.wharf.registry.registry.size, 3);
    // The leader endpoint of the Consul address needs no token, as in Consul.
    assert.equal((await get(`${api}/v1/status/leader`, {})).status, 200);
  });
});

test('bad input is refused with 4xx and a message, and changes nothing', async () => {
  await withWharf('', async (api, running) => {
    const registry = running.wharf.registry.registry;
    assert.equal((await put(`${api}/v1/agent/service/register`, { Name: 'web', ID: 'web-1', Port: 80, Check: { TTL: '10s', CheckID: 'ttl-1' } })).status, 200);
    const index = registry.index;
    const before = JSON.stringify(registry.entries());
    const cases: [string, unknown, RegExp][] = [
      ['malformed JSON', '{"Name": "x",', /Request decode failed/],
      ['not an object', '[1,2]', /JSON object/],
      ['missing Name', { Port: 80 }, /Missing service name/],
      ['negative port', { Name: 'x', Port: -1 }, /Invalid Port/],
      ['oversized port', { Name: 'x', Port: 65536 }, /Invalid Port/],
      ['fractional port', { Name: 'x', Port: 80.5 }, /Invalid Port/],
      ['unknown check kind', { Name: 'x', Check: { Args: ['/bin/true'], Interval: '10s' } }, /script checks are not supported/],
      ['check without kind', { Name: 'x', Check: { Interval: '10s' } }, /needs one of HTTP, TCP or TTL/],
      ['two kinds in one check', { Name: 'x', Check: { TTL: '10s', TCP: '127.0.0.1:1', Interval: '1s' } }, /choose one/],
      ['HTTP check without interval', { Name: 'x', Check: { HTTP: 'http://127.0.0.1:1/' } }, /Interval must be > 0/],
      ['bad duration', { Name: 'x', Check: { TTL: 'ten seconds' } }, /not a duration/],
      ['bad URL', { Name: 'x', Check: { HTTP: 'not a url', Interval: '1s' } }, /not a URL/],
      ['tags not strings', { Name: 'x', Tags: [1] }, /Invalid Tags/],
      ['meta not strings', { Name: 'x', Meta: { a: 1 } }, /Invalid Meta/],
      ['replacing a check of another service', { Name: 'x', Check: { TTL: '1s', CheckID: 'ttl-1' } }, /belongs to service/],
    ];
    for (const [what, body, message] of cases) {
      const answer = await put(`${api}/v1/agent/service/register`, body);
      assert.ok(answer.status >= 400 && answer.status < 500, `${what}: status ${answer.status}`);
      assert.match(answer.text, message, what);
    }
    const huge = await put(`${api}/v1/agent/service/register`, JSON.stringify({ Name: 'x', Meta: { a: 'y'.repeat(1024 * 1024 + 10) } }));
    assert.equal(huge.status, 413);
    assert.match(huge.text, /too large/);
    const updates: [string, string, unknown, number, RegExp][] = [
      ['unknown check', 'pass/nope', undefined, 404, /Unknown check ID/],
      ['bad status', 'update/ttl-1', { Status: 'fine' }, 400, /Invalid check status/],
      ['malformed update', 'update/ttl-1', '{', 400, /Request decode failed/],
    ];
    for (const [what, path, body, status, message] of updates) {
      const answer = await put(`${api}/v1/agent/check/${path}`, body);
      assert.equal(answer.status, status, what);
      assert.match(answer.text, message, what);
    }
    const badIndex = await get(`${api}/v1/health/service/web?index=abc`);
    assert.equal(badIndex.status, 400);
    assert.equal((await get(`${api}/v1/health/service/web?passing=maybe`)).status, 400);
    assert.equal((await get(`${api}/v1/health/service/web?wait=forever&index=1`)).status, 400);
    const unknown = await get(`${api}/v1/kv/some/key`);
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /no endpoint \/v1\/kv\/some\/key/);
    const wrongMethod = await get(`${api}/v1/agent/service/register`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(registry.index, index);
    assert.equal(JSON.stringify(registry.entries()), before);
  });
});

test('registrations beyond the bound are refused with 400', async () => {
  {
    // The bound is 50,000 by default; a registry built with a small one shows the behaviour.
    const registry = new Registry({ maxServices: 2 });
    const route = consulApi({ registry, node: nodeIdentity('test'), authorize: () => 'ok' });
    const server = createServer((req, res) => void route(req, res, new URL(req.url ?? '/', 'http://x')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      for (const name of ['a', 'b']) assert.equal((await put(`${api}/v1/agent/service/register`, { Name: name })).status, 200);
      const full = await put(`${api}/v1/agent/service/register`, { Name: 'c' });
      assert.equal(full.status, 400);
      assert.match(full.text, /maximum of 2 services/);
      assert.equal(registry.size, 2);
      // Re-registering an existing one still works.
      assert.equal((await put(`${api}/v1/agent/service/register`, { Name: 'a', Port: 5 })).status, 200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }
});
