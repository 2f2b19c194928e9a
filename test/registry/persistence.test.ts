// API registrations survive a restart of wharf on the same state_dir (checks critical until
// they pass again); supervisor-managed entries do not; a reload moves the registry listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK, startWharf } from '../helpers/wharf.js';
import { request } from './support.js';

const CONFIG = `${LOOPBACK}registry: { consul_api: "127.0.0.1:0" }\nroutes: []\n`;

let token = '';
const put = (url: string, body?: unknown) => request(url, { method: 'PUT', headers: { 'x-consul-token': token }, body: body === undefined ? undefined : JSON.stringify(body) });
const get = (url: string) => request(url, { headers: { 'x-consul-token': token } });

test('registrations made through the API are restored after a restart, their checks critical until they pass', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-registry-'));
  try {
    const first = await startWharf(CONFIG, { dir });
    token = first.controlToken;
    let api = `http://127.0.0.1:${first.wharf.registry.consulAddress()!.port}`;
    assert.equal((await put(`${api}/v1/agent/service/register`, {
      Name: 'web', ID: 'web-1', Address: '10.0.0.7', Port: 8080, Tags: ['Go'], Meta: { version: '1.2' },
      Checks: [{ TTL: '30s', Status: 'passing', CheckID: 'web-ttl', Notes: 'heartbeat' }, { TCP: '127.0.0.1:1', Interval: '1m', DeregisterCriticalServiceAfter: '1h' }],
    })).status, 200);
    assert.equal((await put(`${api}/v1/agent/service/register`, { Name: 'gone', Port: 1 })).status, 200);
    assert.equal((await put(`${api}/v1/agent/service/deregister/gone`)).status, 200);
    first.wharf.registry.registry.registerManaged({ id: 'books-1', name: 'books', address: '127.0.0.1', port: 4000, tags: [] }, 'passing');
    const indexBefore = first.wharf.registry.registry.index;
    await first.stop();
    const saved = JSON.parse(await readFile(join(dir, '.wharf', 'registry.json'), 'utf8'));
    assert.deepEqual(saved.services.map((s: { ID: string }) => s.ID), ['web-1']);

    const second = await startWharf(CONFIG, { dir });
    token = second.controlToken;
    try {
      api = `http://127.0.0.1:${second.wharf.registry.consulAddress()!.port}`;
      const services = (await get(`${api}/v1/agent/services`)).json();
      assert.deepEqual(Object.keys(services), ['web-1']);
      assert.deepEqual([services['web-1'].Address, services['web-1'].Port, services['web-1'].Tags, services['web-1'].Meta], ['10.0.0.7', 8080, ['Go'], { version: '1.2' }]);
      const checks = (await get(`${api}/v1/agent/checks`)).json();
      assert.deepEqual(Object.keys(checks).sort(), ['service:web-1:2', 'web-ttl']);
      assert.equal(checks['web-ttl'].Status, 'critical');
      assert.equal(checks['web-ttl'].Notes, 'heartbeat');
      assert.equal((await get(`${api}/v1/health/service/web?passing`)).json().length, 0);
      const health = await get(`${api}/v1/health/service/web`);
      assert.ok(Number(health.headers.get('x-consul-index')) > indexBefore, 'indexes keep increasing across a restart');
      assert.equal((await put(`${api}/v1/agent/check/pass/web-ttl`)).status, 200);
      // The TCP check to a closed port stays critical: passing needs every check.
      assert.equal(second.wharf.registry.registry.entry('web-1')!.checks.find((c) => c.definition.id === 'web-ttl')!.status, 'passing');
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged state file stops wharf from starting with a clear message', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-registry-'));
  try {
    await startWharf(CONFIG, { dir }).then((running) => running.stop());
    await writeFile(join(dir, '.wharf', 'registry.json'), '{"format": 1, "index": 3, "services": [{"Port": 1}]}');
    await assert.rejects(startWharf(CONFIG, { dir }), /registry\.json is damaged \(Missing service name\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a reload starts and stops the Consul API listener as the config says', async () => {
  const running = await startWharf(`${LOOPBACK}routes: []\n`);
  try {
    assert.equal(running.wharf.registry.consulAddress(), undefined);
    await running.reload(CONFIG);
    const port = running.wharf.registry.consulAddress()!.port;
    assert.equal((await request(`http://127.0.0.1:${port}/v1/status/leader`)).status, 200);
    await running.reload(`${LOOPBACK}routes: []\n`);
    assert.equal(running.wharf.registry.consulAddress(), undefined);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/v1/status/leader`));
  } finally {
    await running.stop();
  }
});
