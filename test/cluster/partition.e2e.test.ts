// One node cut off from etcd while the rest of the cluster carries on (its etcd connections go
// through relays the test cuts): the cut-off node keeps serving what it knew and says
// degraded; the others drop its instances once its lease expires and place its replicas
// again; healed, it re-registers under a new lease and gets its share back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdMissing, startEtcdCluster, waitFor, type EtcdCluster } from '../helpers/etcd-cluster.js';
import { startWharfNode, writeApp, type WharfNode } from '../helpers/wharf-cluster.js';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.js';

interface NodeRow { name: string; state: string; apps: Record<string, number> }
interface Status { cluster: { state: string }; upstreams: { name: string; servers: { address: string }[] }[] }

const SHARED = `apps:
  web:
    command: [node, app.mjs]
    replicas: 2
    health: { path: /, interval: 100ms }
routes:
  - { path: /, proxy: web }
`;

describe('a node partitioned from etcd', { skip: etcdMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-partition-'));
  let etcd: EtcdCluster;
  let relays: TcpRelay[] = [];
  let n2: WharfNode;
  let n3: WharfNode;
  const view = async (node: WharfNode) => (await node.api<{ nodes: NodeRow[] }>('/api/nodes')).body.nodes.map((r) => `${r.name}:${r.state}:${r.apps.web ?? 0}`).join(' ');
  const pool = async (node: WharfNode) => (await node.api<Status>('/api/status')).body.upstreams.find((u) => u.name === 'web')?.servers.map((s) => s.address.split(':')[0]) ?? [];

  before(async () => {
    writeApp(dir);
    etcd = await startEtcdCluster();
    relays = await Promise.all(etcd.endpoints.map((endpoint) => startTcpRelay(new URL(endpoint))));
    [n2, n3] = await Promise.all([
      startWharfNode(dir, { name: 'n2', ip: '127.0.0.2', etcd: etcd.endpoints }),
      startWharfNode(dir, { name: 'n3', ip: '127.0.0.3', etcd: relays.map((r) => r.url) }),
    ]);
    await n2.api('/api/cluster/config', { body: { file: 'shared.yaml', text: SHARED } });
    await waitFor('one replica on each node', async () => (await view(n2)) === 'n2:alive:1 n3:alive:1', 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: n2 sees ${await view(n2)}, n3 sees ${await view(n3)}\n${n2.child.output.stderr.slice(-3000)}`);
    });
  });
  after(async () => {
    await Promise.all([n2?.stop(), n3?.stop()]);
    await Promise.all(relays.map((r) => r.close()));
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('cut off: it serves on, degraded; the others drop it after its lease and place its replica', async () => {
    for (const relay of relays) relay.cut();
    await waitFor('n3 degraded', async () => (await n3.api<Status>('/api/status')).body.cluster.state === 'degraded', 15_000);
    await waitFor('n2 has both replicas, n3 lost', async () => (await view(n2)) === 'n2:alive:2 n3:lost:0', 30_000);
    assert.deepEqual(await pool(n2), ['127.0.0.2', '127.0.0.2'], "n3's instance left n2's pool");
    // Static stability: n3 still routes with what it knew, its own instance included.
    const answers = new Set<string>();
    for (let i = 0; i < 20; i++) answers.add(await fetch(`${n3.edgeUrl}/`).then((r) => r.text()));
    assert.ok(answers.has('127.0.0.3'), `n3 serves its own instance: ${[...answers].join(', ')}`);
    assert.equal((await n3.api('/api/cluster/config', { body: { file: 'x.yaml', text: SHARED } })).status, 503);
  });

  test('healed: it re-registers under a new lease and gets its share back', async () => {
    for (const relay of relays) relay.heal();
    await waitFor('n3 connected', async () => (await n3.api<Status>('/api/status')).body.cluster.state === 'connected', 30_000);
    await waitFor('one replica on each node again', async () => (await view(n2)) === 'n2:alive:1 n3:alive:1', 60_000);
    await waitFor("n3's instance back in n2's pool", async () => (await pool(n2)).includes('127.0.0.3'), 15_000);
    assert.match(n3.child.output.stderr, /re-registered under a new lease/);
  });

  test('started while cut off: it serves from its saved state, degraded, and joins once etcd answers', async () => {
    const ports = { edge: Number(new URL(n3.edgeUrl).port), control: Number(new URL(n3.controlUrl).port) };
    await n3.stop();
    for (const relay of relays) relay.cut();
    n3 = await startWharfNode(dir, { name: 'n3', ip: '127.0.0.3', etcd: relays.map((r) => r.url) }, ports);
    assert.equal((await n3.api<Status>('/api/status')).body.cluster.state, 'degraded');
    await waitFor('n3 serves from its saved state', async () => (await fetch(`${n3.edgeUrl}/`).then((r) => r.status).catch(() => 0)) === 200, 20_000);
    for (const relay of relays) relay.heal();
    await waitFor('n3 connected', async () => (await n3.api<Status>('/api/status')).body.cluster.state === 'connected', 30_000);
    await waitFor('n3 alive in n2\'s view with its share', async () => (await view(n2)) === 'n2:alive:1 n3:alive:1', 60_000);
  });
});
