// The registry: block: addresses normalized into the snapshot, bad ones reported at their position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lines, onlyProblem, snapshotOf } from '../config/load-helpers.js';

test('registry addresses are normalized; a host-less address means 127.0.0.1', () => {
  const snapshot = snapshotOf(lines('registry:', '  consul_api: 127.0.0.1:8500', '  dns: ":8600"', 'routes: []'));
  assert.deepEqual(snapshot.registry.consulApi, { host: '127.0.0.1', port: 8500 });
  assert.deepEqual(snapshot.registry.dns, { host: '127.0.0.1', port: 8600 });
});

test('without a registry block there are no registry listeners', () => {
  const snapshot = snapshotOf(lines('routes: []'));
  assert.equal(snapshot.registry.consulApi, undefined);
  assert.equal(snapshot.registry.dns, undefined);
});

test('an invalid DNS address is reported at its value', () => {
  const problem = onlyProblem(lines('registry:', '  dns: "no-port-here"'));
  assert.deepEqual([problem.line, problem.col], [2, 8]);
  assert.match(problem.message, /invalid DNS address "no-port-here"/);
});

test('an unknown key under registry is reported with a suggestion', () => {
  const problem = onlyProblem(lines('registry:', '  consul_ap: 127.0.0.1:8500'));
  assert.deepEqual([problem.line, problem.col], [2, 3]);
  assert.match(problem.message, /unknown key "consul_ap" in registry \(did you mean "consul_api"\?\)/);
});
