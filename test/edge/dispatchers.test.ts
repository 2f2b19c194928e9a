// The table of upstream connection pools: one per address, reused, and closed once unused for
// a while (without cutting a request still running on it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DispatcherTable } from '../../src/edge/dispatchers.js';
import type { PoolConfig } from '../../src/config/model.js';
import { startBackend, type Backend } from '../helpers/backends.js';

const config = { connectTimeoutMs: 1000, keepalive: 8 } as PoolConfig;

describe('DispatcherTable', () => {
  let backend: Backend;
  let table: DispatcherTable;

  before(async () => {
    backend = await startBackend('pooled', (req, res) => {
      const delay = req.url === '/slow' ? 300 : 0;
      setTimeout(() => res.end(`done ${req.url}`), delay);
    });
    table = new DispatcherTable({ idleMs: 1000, sweepMs: 60_000 });
  });

  after(async () => {
    await table?.closeAll();
    await backend?.close();
  });

  test('the same address and settings share one pool', () => {
    assert.equal(table.get(backend.address, config), table.get(backend.address, config));
    assert.notEqual(table.get(backend.address, config), table.get(backend.address, { ...config, keepalive: 0 }));
    assert.equal(table.size, 2);
  });

  test('an unused pool is swept; a request running on it still completes; a new one is opened after', async () => {
    const pool = table.get(backend.address, config);
    const running = pool.request({ path: '/slow', method: 'GET' }).then((r) => r.body.text());
    table.sweep(Date.now() + 5000);
    assert.equal(table.size, 0);
    assert.equal(await running, 'done /slow');
    const fresh = table.get(backend.address, config);
    assert.notEqual(fresh, pool);
    assert.equal(await (await fresh.request({ path: '/again', method: 'GET' })).body.text(), 'done /again');
  });

  test('a recently used pool is kept by the sweep', () => {
    const pool = table.get(backend.address, config);
    table.sweep(Date.now() + 10);
    assert.equal(table.get(backend.address, config), pool);
  });
});
