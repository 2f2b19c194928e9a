// The cluster block, placement constraints, and a node's file laid over the applied config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayNode } from '../../src/config/node-overlay.js';
import { ConfigLoader } from '../../src/config/load.js';
import { lines, onlyProblem, snapshotOf } from './load-helpers.js';

const NODE = lines(
  'listen: [127.0.0.2:8080]',
  'control: { address: 127.0.0.2:9901, token: t }',
  'state_dir: /var/lib/wharf-a',
  'cluster: { node: a, advertise: 127.0.0.2, etcd: [http://127.0.0.1:2379], ttl: 3s, labels: { zone: east } }',
);

test('cluster: defaults (advertise loopback, ttl 5s, no labels) and the values given', () => {
  const given = snapshotOf(NODE).cluster!;
  assert.deepEqual(given, { node: 'a', advertise: '127.0.0.2', etcd: ['http://127.0.0.1:2379'], ttlMs: 3000, labels: { zone: 'east' } });
  const defaults = snapshotOf(lines('cluster: { node: b, etcd: [http://127.0.0.1:2379] }')).cluster!;
  assert.deepEqual([defaults.advertise, defaults.ttlMs, defaults.labels], ['127.0.0.1', 5000, {}]);
});

test('replicas without instances is a cluster-wide count; instances alone runs on every node', () => {
  const apps = snapshotOf(lines('apps:', '  web: { command: node a.js, replicas: 4 }', '  each: { command: node b.js, instances: 2 }', '  both: { command: node c.js, replicas: 4, instances: 1 }')).apps;
  assert.deepEqual([apps.get('web')!.replicas, apps.get('web')!.instances], [4, 4]);
  assert.equal(apps.get('each')!.replicas, undefined);
  assert.equal(apps.get('both')!.replicas, undefined, 'instances wins, as on one machine');
});

test('placement constraints: Swarm syntax accepted and trimmed; anything else refused at its position', () => {
  const web = snapshotOf(lines('apps:', '  web:', '    command: node a.js', '    placement: { constraints: [ "node.labels.zone == east", " node.name!=b " ] }')).apps.get('web')!;
  assert.deepEqual(web.constraints, ['node.labels.zone == east', 'node.name!=b']);
  const bad = onlyProblem(lines('apps:', '  web:', '    command: node a.js', '    placement: { constraints: [ "node.role == manager" ] }'));
  assert.equal(bad.line, 4);
  assert.equal(bad.message, 'placement constraint "node.role == manager": unknown field "node.role"; use node.name or node.labels.<key>');
});

test("a node runs the applied config with its own listen, control, state_dir and cluster; relative paths resolve on the node", () => {
  const node = snapshotOf(NODE, {}, '/etc/wharf/node.yaml');
  const shared = new ConfigLoader({}).fromText('shared.yaml', lines('listen: [0.0.0.0:80]', 'state_dir: /elsewhere', 'apps:', '  web: { command: node a.js, cwd: ., replicas: 2 }'), '/tmp');
  const running = overlayNode(shared, node, { revision: 7, file: 'shared.yaml' });
  assert.deepEqual(running.listen, node.listen);
  assert.deepEqual(running.control, node.control);
  assert.equal(running.stateDir, '/var/lib/wharf-a');
  assert.deepEqual(running.cluster, node.cluster);
  assert.equal(running.file, '/etc/wharf/node.yaml', 'SIGHUP re-reads the node file');
  assert.equal(running.apps.get('web')!.replicas, 2);
  assert.equal(running.apps.get('web')!.cwd, '/tmp', 'resolved against the base dir the node gave');
  assert.deepEqual(running.shared, { revision: 7, file: 'shared.yaml' });
  assert.notEqual(running.hash, shared.hash, 'a change of either file changes the hash');
});

test('etcd over TLS with users: paths resolve against the file, the password stays in its file', () => {
  const cluster = snapshotOf(
    lines(
      'cluster:',
      '  node: a',
      '  etcd: [https://10.0.0.1:2379, https://10.0.0.2:2379]',
      '  etcd_tls: { ca: /etc/ssl/certs/ca-certificates.crt }',
      '  etcd_auth: { username: wharf, password_file: /etc/hostname }',
    ),
    {},
    '/etc/wharf/node.yaml',
  ).cluster!;
  assert.deepEqual(cluster.etcdTls, { ca: '/etc/ssl/certs/ca-certificates.crt' });
  assert.deepEqual(cluster.etcdAuth, { username: 'wharf', passwordFile: '/etc/hostname' });
  assert.equal(snapshotOf(NODE).cluster!.etcdTls, undefined);
});

test('etcd TLS refused at its position: https without etcd_tls, etcd_tls with http, a cert without its key, a missing file', () => {
  const https = onlyProblem(lines('cluster:', '  node: a', '  etcd: [https://10.0.0.1:2379]'));
  assert.equal(https.line, 3);
  assert.match(https.message, /https:\/\/10\.0\.0\.1:2379 is https:\/\/: set cluster\.etcd_tls/);
  const mixed = onlyProblem(lines('cluster:', '  node: a', '  etcd: [https://10.0.0.1:2379, http://10.0.0.2:2379]', '  etcd_tls: {}'));
  assert.match(mixed.message, /http:\/\/10\.0\.0\.2:2379 is not https:\/\/, but cluster\.etcd_tls is set/);
  const half = onlyProblem(lines('cluster:', '  node: a', '  etcd: [https://10.0.0.1:2379]', '  etcd_tls: { cert: /etc/hostname }'));
  assert.equal(half.line, 4);
  assert.equal(half.message, 'a client cert needs its key');
  const gone = onlyProblem(lines('cluster:', '  node: a', '  etcd: [http://10.0.0.1:2379]', '  etcd_auth: { username: wharf, password_file: /nowhere/pw }'));
  assert.equal(gone.line, 4);
  assert.equal(gone.message, 'password file "/nowhere/pw" does not exist');
});
