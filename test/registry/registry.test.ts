import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, type StatusChange } from '../../src/registry/registry.js';
import type { CheckDefinition, ServiceDefinition } from '../../src/registry/types.js';

function ttlCheck(id: string, initialStatus: CheckDefinition['initialStatus'] = 'critical'): CheckDefinition {
  return { id, name: id, kind: 'ttl', notes: '', intervalMs: 0, timeoutMs: 0, ttlMs: 10_000, successBeforePassing: 0, failuresBeforeCritical: 0, deregisterCriticalAfterMs: 0, initialStatus };
}

function service(id: string, name: string, extra: Partial<ServiceDefinition> = {}): ServiceDefinition {
  return { id, name, address: '10.0.0.1', port: 80, tags: [], meta: {}, checks: [], ...extra };
}

test('managed entries: status set by the owner, index moves on every change, listeners told', () => {
  const registry = new Registry();
  let calls = 0;
  registry.subscribe(() => calls++);
  const start = registry.index;
  registry.registerManaged({ id: 'books-1', name: 'books', address: '127.0.0.1', port: 4001, tags: ['v1'] }, 'critical', 'starting');
  assert.equal(registry.index, start + 1);
  assert.equal(calls, 1);
  assert.equal(registry.service('books')[0]!.status, 'critical');
  assert.equal(registry.service('books')[0]!.origin, 'supervisor');
  registry.setManagedStatus('books-1', 'passing', 'ready');
  assert.equal(registry.index, start + 2);
  assert.equal(calls, 2);
  assert.equal(registry.service('books')[0]!.status, 'passing');
  assert.equal(registry.service('books')[0]!.checks[0]!.output, 'ready');
  // No change, no index move.
  registry.setManagedStatus('books-1', 'passing', 'ready');
  assert.equal(registry.index, start + 2);
  assert.equal(calls, 2);
  assert.equal(registry.deregister('books-1'), true);
  assert.equal(registry.deregister('books-1'), false);
  assert.equal(registry.index, start + 3);
  assert.deepEqual(registry.service('books'), []);
  assert.equal(registry.services().size, 0);
});

test('service(name, tags) filters on every tag; services() groups by name', () => {
  const registry = new Registry();
  registry.register(service('a', 'web', { tags: ['Go', 'Awesome'] }));
  registry.register(service('b', 'web', { tags: ['Go'] }));
  registry.register(service('c', 'db'));
  assert.deepEqual(registry.service('web', ['Go']).map((e) => e.id), ['a', 'b']);
  assert.deepEqual(registry.service('web', ['Go', 'Awesome']).map((e) => e.id), ['a']);
  assert.deepEqual(registry.service('web', ['go']).map((e) => e.id), []);
  assert.deepEqual([...registry.services().keys()], ['db', 'web']);
  assert.equal(registry.services().get('web')!.length, 2);
});

test('aggregate status: critical beats warning beats passing; no checks is passing', () => {
  const registry = new Registry();
  registry.register(service('a', 'web'));
  assert.equal(registry.entry('a')!.status, 'passing');
  registry.register(service('a', 'web', { checks: [ttlCheck('c1', 'passing'), ttlCheck('c2', 'passing')] }));
  assert.equal(registry.entry('a')!.status, 'passing');
  registry.updateCheck('c1', 'warning', 'slow');
  assert.equal(registry.entry('a')!.status, 'warning');
  registry.updateCheck('c2', 'critical', 'down');
  assert.equal(registry.entry('a')!.status, 'critical');
  registry.updateCheck('c2', 'passing', '');
  assert.equal(registry.entry('a')!.status, 'warning');
  assert.equal(registry.updateCheck('nope', 'passing', ''), false);
});

test('per-name index: a change to one service does not move another name\'s index', () => {
  const registry = new Registry();
  registry.register(service('a', 'web'));
  registry.register(service('b', 'db'));
  const webIndex = registry.indexOf('web');
  registry.register(service('b', 'db', { port: 81 }));
  assert.equal(registry.indexOf('web'), webIndex);
  assert.equal(registry.indexOf('db'), registry.index);
  // A name that is gone reports the global index, so waiters on it wake.
  registry.deregister('a');
  assert.equal(registry.indexOf('web'), registry.index);
  assert.ok(registry.indexOf('web') > webIndex);
});

test('re-registering keeps check states by id unless replaceExistingChecks', () => {
  const registry = new Registry();
  registry.register(service('a', 'web', { checks: [ttlCheck('c1'), ttlCheck('c2')] }));
  registry.updateCheck('c1', 'passing', 'ok');
  registry.register(service('a', 'web', { port: 90, checks: [ttlCheck('c1')] }));
  let entry = registry.entry('a')!;
  assert.equal(entry.port, 90);
  assert.deepEqual(entry.checks.map((c) => [c.definition.id, c.status]), [['c2', 'critical'], ['c1', 'passing']]);
  registry.register(service('a', 'web', { checks: [ttlCheck('c1')] }), { replaceExistingChecks: true });
  entry = registry.entry('a')!;
  assert.deepEqual(entry.checks.map((c) => [c.definition.id, c.status]), [['c1', 'passing']]);
  assert.equal(registry.checkOwner('c2'), undefined);
});

test('renaming a service through re-registration moves it between names', () => {
  const registry = new Registry();
  registry.register(service('a', 'web'));
  registry.register(service('a', 'api'));
  assert.deepEqual(registry.service('web'), []);
  assert.equal(registry.service('api').length, 1);
});

test('empty address is filled with the registry address', () => {
  const registry = new Registry({ selfAddress: '127.0.0.9' });
  registry.register(service('a', 'web', { address: '' }));
  assert.equal(registry.entry('a')!.address, '127.0.0.9');
});

test('bounded: registrations past the maximum are refused and change nothing', () => {
  const registry = new Registry({ maxServices: 2 });
  registry.register(service('a', 'web'));
  registry.register(service('b', 'web'));
  const index = registry.index;
  assert.throws(() => registry.register(service('c', 'web')), { code: 'WHARF_REGISTRY_FULL' });
  assert.equal(registry.index, index);
  assert.equal(registry.size, 2);
  // Replacing an existing id is not a new registration.
  registry.register(service('b', 'web', { port: 99 }));
  assert.equal(registry.entry('b')!.port, 99);
});

test('an API registration cannot take over a supervised id, nor a check id of another service', () => {
  const registry = new Registry();
  registry.registerManaged({ id: 'books-1', name: 'books', address: '127.0.0.1', port: 1, tags: [] }, 'passing');
  assert.throws(() => registry.register(service('books-1', 'books')), { code: 'WHARF_REGISTRY_CONFLICT' });
  registry.register(service('a', 'web', { checks: [ttlCheck('shared')] }));
  assert.throws(() => registry.register(service('b', 'web', { checks: [ttlCheck('shared')] })), { code: 'WHARF_REGISTRY_CONFLICT' });
  assert.equal(registry.entry('b'), undefined);
  // setManagedStatus ignores API entries.
  registry.setManagedStatus('a', 'critical');
  assert.equal(registry.entry('a')!.status, 'critical');
  registry.updateCheck('shared', 'passing', '');
  registry.setManagedStatus('a', 'critical');
  assert.equal(registry.entry('a')!.status, 'passing');
});

test('status changes are reported once per move, with the previous state', () => {
  const changes: StatusChange[] = [];
  const registry = new Registry({ onStatusChange: (change) => changes.push(change) });
  registry.register(service('a', 'web', { checks: [ttlCheck('c1')] }));
  registry.updateCheck('c1', 'critical', 'still down');
  registry.updateCheck('c1', 'passing', 'up');
  registry.deregister('a');
  assert.deepEqual(changes.map((c) => `${c.from}->${c.to}`), ['absent->critical', 'critical->passing', 'passing->absent']);
});

test('views are frozen and reused until their entry changes', () => {
  const registry = new Registry();
  registry.register(service('a', 'web'));
  registry.register(service('b', 'web'));
  const first = registry.service('web');
  assert.equal(registry.service('web'), first);
  assert.ok(Object.isFrozen(first[0]));
  registry.register(service('b', 'web', { port: 1 }));
  const second = registry.service('web');
  assert.notEqual(second, first);
  assert.equal(second[0], first[0]);
});

test('the scheduler is asked to run API checks, stop them on deregistration, and restart TTL timers on touch', () => {
  const calls: string[] = [];
  const registry = new Registry({
    scheduler: {
      start: (s, c, status) => calls.push(`start ${s} ${c.id} ${status}`),
      stop: (id) => calls.push(`stop ${id}`),
      touched: (id) => calls.push(`touch ${id}`),
      statusChanged: (id, status) => calls.push(`${id} ${status}`),
    },
  });
  registry.register(service('a', 'web', { checks: [ttlCheck('c1')] }));
  registry.updateCheck('c1', 'passing', '', { touch: true });
  registry.registerManaged({ id: 'm', name: 'm', address: '127.0.0.1', port: 1, tags: [] }, 'passing');
  registry.setManagedStatus('m', 'critical');
  registry.deregister('a');
  assert.deepEqual(calls, ['start a c1 critical', 'touch c1', 'c1 passing', 'stop c1']);
});

test('startIndex keeps indexes increasing across restarts', () => {
  const registry = new Registry({ startIndex: 500 });
  assert.equal(registry.index, 500);
  registry.register(service('a', 'web'));
  assert.equal(registry.index, 501);
});
