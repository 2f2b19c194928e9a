// Pools over a registry service (a real Registry and PoolDirectory): members are the passing
// instances with every tag listed, follow registrations, status changes and deregistrations
// live, and other services' churn does not disturb the pool.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigLoader } from '../../src/config/load.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import { MemberSources } from '../../src/balance/member-sources.js';
import { Registry } from '../../src/registry/registry.js';
import { RegistryMemberSource, type ServiceCatalog } from '../../src/registry/registry-member-source.js';

const load = (config: Record<string, unknown>) => new ConfigLoader({}).fromText('/nowhere/wharf.yaml', JSON.stringify(config));
const entry = (id: string, port: number, tags: string[] = [], name = 'catalog') => ({ id, name, address: '127.0.0.1', port, tags });

function directoryOver(registry: ServiceCatalog): PoolDirectory {
  const sources = new MemberSources();
  sources.register('service', (spec) => new RegistryMemberSource(registry, spec.service, spec.tags));
  return new PoolDirectory(sources);
}

describe('RegistryMemberSource', () => {
  test('a pool follows the passing instances of its service with every listed tag, live', () => {
    const registry = new Registry();
    registry.registerManaged(entry('c1', 9001, ['v2', 'eu']), 'passing');
    const directory = directoryOver(registry);
    directory.reconcile(load({ upstreams: { catalog: { service: 'catalog', tags: ['v2'] } } }));
    const pool = directory.get('catalog')!;
    const addresses = () => pool.peers.map((p) => p.address);
    assert.deepEqual(addresses(), ['127.0.0.1:9001']);
    registry.registerManaged(entry('c2', 9002, ['v2']), 'critical');
    registry.registerManaged(entry('c3', 9003, ['v1']), 'passing');
    assert.deepEqual(addresses(), ['127.0.0.1:9001'], 'critical and untagged instances stay out');
    registry.setManagedStatus('c2', 'passing');
    assert.deepEqual(addresses(), ['127.0.0.1:9001', '127.0.0.1:9002'], 'joins when passing');
    registry.setManagedStatus('c1', 'warning');
    assert.deepEqual(addresses(), ['127.0.0.1:9002'], 'warning is not passing');
    registry.deregister('c2');
    assert.deepEqual(addresses(), [], 'leaves when deregistered');
    registry.setManagedStatus('c1', 'passing');
    assert.deepEqual(addresses(), ['127.0.0.1:9001']);
  });

  test('subscribes to the registry only while bound; tells the pool only when its members changed', () => {
    const registry = new Registry();
    let live = 0;
    const counting: ServiceCatalog = {
      service: (name, tags) => registry.service(name, tags),
      indexOf: (name) => registry.indexOf(name),
      subscribe(listener) {
        live++;
        const off = registry.subscribe(listener);
        return () => {
          live--;
          off();
        };
      },
    };
    registry.registerManaged(entry('c1', 9001), 'passing');
    const source = new RegistryMemberSource(counting, 'catalog', []);
    assert.deepEqual(source.members().map((s) => s.address), ['127.0.0.1:9001'], 'readable before any subscription');
    assert.equal(live, 0);
    let changes = 0;
    const off = source.subscribe(() => changes++);
    assert.equal(live, 1);
    registry.registerManaged(entry('o1', 7001, [], 'other'), 'passing');
    registry.setManagedStatus('o1', 'critical');
    registry.registerManaged(entry('c2', 9002), 'critical');
    registry.setManagedStatus('c2', 'warning');
    assert.equal(changes, 0, 'no member change: no call');
    registry.setManagedStatus('c2', 'passing');
    assert.equal(changes, 1);
    assert.deepEqual(source.members().map((s) => s.address), ['127.0.0.1:9001', '127.0.0.1:9002']);
    off();
    assert.equal(live, 0, 'let go with the last subscriber');
    registry.deregister('c1');
    assert.equal(changes, 1);
    assert.deepEqual(source.members().map((s) => s.address), ['127.0.0.1:9002'], 'read through once unsubscribed');
  });

  test('a reload moving a pool from servers to a service keeps peers at the same address; unknown kinds fail the stage', () => {
    const registry = new Registry();
    registry.registerManaged(entry('c1', 9001), 'passing');
    const directory = directoryOver(registry);
    directory.reconcile(load({ upstreams: { catalog: { servers: ['127.0.0.1:9001', '127.0.0.1:9009'] } } }));
    const pool = directory.get('catalog')!;
    const peer = pool.select({ clientIp: '127.0.0.1' }, new Set())!;
    assert.equal(peer.address, '127.0.0.1:9001');
    pool.release(peer, { ok: false });
    const failsBefore = peer.fails;
    directory.reconcile(load({ upstreams: { catalog: { service: 'catalog' } } }));
    assert.deepEqual(pool.peers.map((p) => p.address), ['127.0.0.1:9001']);
    assert.equal(pool.peers[0], peer, 'same peer, same state');
    assert.equal(peer.fails, failsBefore);
    registry.registerManaged(entry('c9', 9009), 'passing');
    assert.equal(pool.peers.length, 2, 'now follows the registry');
    const bare = new PoolDirectory();
    assert.throws(() => bare.stage(load({ upstreams: { catalog: { service: 'catalog' } } })), { code: 'WHARF_NO_MEMBER_SOURCE' });
  });
});
