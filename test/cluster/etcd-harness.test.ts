// The etcd test harness against itself: the cluster it starts is a real one (replicated,
// electing, durable), which the cluster-mode tests rely on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { etcdMissing, eventually, startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';

describe('etcd test cluster', { skip: etcdMissing() }, () => {
  let cluster: EtcdCluster;
  const clients: Etcd3[] = [];
  const client = (hosts: string | string[]): Etcd3 => {
    const made = new Etcd3({ hosts, dialTimeout: 2_000 });
    clients.push(made);
    return made;
  };

  before(async () => {
    cluster = await startEtcdCluster();
  });
  after(async () => {
    for (const made of clients) made.close();
    await cluster?.stop();
  });

  test('three members, each with its own client URL and process', () => {
    assert.equal(cluster.members.length, 3);
    assert.equal(new Set(cluster.endpoints).size, 3);
    for (const member of cluster.members) {
      assert.match(member.clientUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(member.running && member.pid! > 0, `${member.name} runs`);
    }
  });

  test('a put through one member is read through another', async () => {
    const [first, second] = cluster.endpoints;
    await client(first!).put('/harness/greeting').value('hello');
    assert.equal(await client(second!).get('/harness/greeting').string(), 'hello');
  });

  test('killing the leader leads to a new leader, and writes still succeed', async () => {
    const old = await cluster.leader();
    const oldPid = cluster.member(old).pid;
    await cluster.kill(old);
    assert.equal(cluster.member(old).running, false);
    const next = await cluster.leader();
    assert.notEqual(next, old);
    const everywhere = client(cluster.endpoints);
    await eventually('a put after the leader died', () => everywhere.put('/harness/after-kill').value('still writable').exec());
    const survivor = cluster.members.find((m) => m.running && m.name !== next)!;
    assert.equal(await client(survivor.clientUrl).get('/harness/after-kill').string(), 'still writable');

    await cluster.restart(old);
    const back = cluster.member(old);
    assert.ok(back.running);
    assert.notEqual(back.pid, oldPid);
    // The restarted member caught up from its own data dir and its peers.
    assert.equal(await eventually('a read through the restarted member', () => client(back.clientUrl).get('/harness/after-kill').string()), 'still writable');
  });

  test('killAll then restartAll keeps the data', async () => {
    await client(cluster.endpoints).put('/harness/durable').value('kept');
    await cluster.killAll();
    assert.ok(cluster.members.every((m) => !m.running));
    await cluster.restartAll();
    assert.ok(cluster.members.every((m) => m.running));
    for (const endpoint of cluster.endpoints) {
      assert.equal(await eventually(`a read through ${endpoint}`, () => client(endpoint).get('/harness/durable').string()), 'kept');
    }
  });

  test('stop kills every member and may be called again', async () => {
    const pids = cluster.members.map((m) => m.pid!);
    await cluster.stop();
    await cluster.stop();
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    await assert.rejects(cluster.restartAll(), { code: 'WHARF_TEST_ETCD_STOPPED' });
  });
});
