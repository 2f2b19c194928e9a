// Pools over registry services: `service`/`tags` on upstreams and apps, normalized into member
// specs, and positioned errors for every combination that does not say where members come from.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lines, onlyProblem, problemsOf, snapshotOf } from './load-helpers.js';

describe('member keys', () => {
  test('an upstream with service (and tags) takes its members from the registry; every pool key applies', () => {
    const snapshot = snapshotOf(lines(
      'upstreams:',
      '  catalog:',
      '    service: catalog',
      '    tags: [v2, eu]',
      '    balance: least_conn',
      '    retries: 2',
      '    health: { path: /healthz, interval: 2s }',
    ));
    const catalog = snapshot.upstreams.get('catalog')!;
    assert.deepEqual(catalog.members, { kind: 'service', service: 'catalog', tags: ['v2', 'eu'] });
    assert.deepEqual(catalog.servers, []);
    assert.equal(catalog.balance, 'least_conn');
    assert.equal(catalog.retries, 2);
    assert.equal(catalog.health?.intervalMs, 2000);
  });

  test('an app with service and no command is a registry-backed pool (an upstream), not a supervised app', () => {
    const snapshot = snapshotOf(lines(
      'apps:',
      '  books:',
      '    command: node server.js',
      '    tags: [go, v1]',
      '  catalog:',
      '    service: catalog-svc',
      '    balance: random',
      'routes:',
      '  - { path: /, proxy: catalog }',
    ));
    assert.deepEqual([...snapshot.apps.keys()], ['books']);
    assert.deepEqual(snapshot.apps.get('books')!.tags, ['go', 'v1']);
    assert.deepEqual(snapshot.apps.get('books')!.members, { kind: 'supervisor' });
    const catalog = snapshot.upstreams.get('catalog')!;
    assert.deepEqual(catalog.members, { kind: 'service', service: 'catalog-svc', tags: [] });
    assert.equal(catalog.balance, 'random');
    assert.equal(snapshot.upstreams.get('legacy'), undefined);
  });

  test('listed servers stay a servers spec', () => {
    const snapshot = snapshotOf(lines('upstreams:', '  api:', '    servers: [127.0.0.1:9001]'));
    assert.deepEqual(snapshot.upstreams.get('api')!.members.kind, 'servers');
  });

  test('an upstream needs exactly one of servers and service', () => {
    const both = onlyProblem(lines('upstreams:', '  api:', '    servers: [127.0.0.1:9001]', '    service: api'));
    assert.deepEqual([both.line, both.col], [4, 14]);
    assert.equal(both.message, 'upstreams.api has both "servers" and "service"; choose one');
    const neither = onlyProblem(lines('upstreams:', '  api:', '    balance: random'));
    assert.deepEqual([neither.line, neither.col], [3, 5]);
    assert.match(neither.message, /missing required key "servers" \(or "service"/);
    const tags = onlyProblem(lines('upstreams:', '  api:', '    servers: [127.0.0.1:9001]', '    tags: [v1]'));
    assert.deepEqual([tags.line, tags.col], [4, 11]);
    assert.match(tags.message, /"tags" filters a registry service and needs "service"/);
  });

  test('an app runs a command or names a service, never both; a registry-backed app takes pool keys only', () => {
    const both = onlyProblem(lines('apps:', '  web:', '    command: node server.js', '    service: web'));
    assert.deepEqual([both.line, both.col], [4, 14]);
    assert.match(both.message, /both "command" \(a supervised app\) and "service"/);
    const neither = onlyProblem(lines('apps:', '  web:', '    balance: random'));
    assert.match(neither.message, /apps\.web: missing required key "command" \(or "service"/);
    const problems = problemsOf(lines('apps:', '  web:', '    service: web', '    instances: 2', '    env: { A: 1 }', '    retries: 2'));
    assert.deepEqual(problems.map((p) => [p.line, p.col]), [[4, 16], [5, 10]]);
    assert.match(problems[0]!.message, /apps\.web: "instances" applies to supervised apps \(with "command"\); this app's members come from service "web"/);
    assert.match(problems[1]!.message, /"env" applies to supervised apps/);
  });

  test('service names and tags are validated by the schema', () => {
    const bad = onlyProblem(lines('upstreams:', '  api:', '    service: "a b"'));
    assert.match(bad.message, /service/);
    const emptyTag = onlyProblem(lines('upstreams:', '  api:', '    service: api', '    tags: [""]'));
    assert.match(emptyTag.message, /tags/);
  });
});
