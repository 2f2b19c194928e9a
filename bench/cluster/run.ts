// Cluster mode: `npx tsx bench/cluster/run.ts`
//
// A real 3-member etcd and three wharf nodes (separate processes on 127.0.0.2-4). Prints:
//   1. propagation: a service registered through node n2's Consul API, until nodes n3 and n4
//      see it (a blocking query on each returns; pools read the same registry in the same
//      tick). p50/p99 over BENCH_REGISTRATIONS registrations (default 100). Target p99 < 500 ms.
//   2. node loss: kill -9 of n4 and its instances under keep-alive GET load on n2 (4
//      connections): time until no live node's pool holds n4's instances, and failed requests
//      (target 0), over BENCH_LOSSES rounds (default 2; n4 restarts between rounds).
//   3. scale: BENCH_INSTANCES registrations per node (default 1000, through each node's Consul
//      API): etcd keys, bytes etcd sent to its clients meanwhile (its own grpc counter: watch
//      traffic), and each node's RSS before and after.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startEtcdCluster, waitFor } from '../../test/helpers/etcd-cluster.js';
import { CLUSTER_TOKEN, keepAliveLoad, startWharfNode, writeApp, type WharfNode } from '../../test/helpers/wharf-cluster.js';

const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 100);
const LOSSES = Number(process.env.BENCH_LOSSES ?? 2);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1000);

const SHARED = `apps:
  web:
    command: [node, app.mjs]
    replicas: 3
    health: { path: /, interval: 100ms }
routes:
  - { path: /, proxy: web }
`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
/** The wharf process itself (the CLI child runs it in-process). */
const pidOf = (node: WharfNode) => node.child.pid!;

async function etcdSentBytes(endpoints: readonly string[]): Promise<number> {
  let total = 0;
  for (const endpoint of endpoints) {
    const text = await fetch(`${endpoint}/metrics`).then((r) => r.text());
    for (const line of text.split('\n')) if (line.startsWith('etcd_network_client_grpc_sent_bytes_total ')) total += Number(line.split(' ')[1]);
  }
  return total;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-cluster-'));
  writeApp(dir);
  const etcd = await startEtcdCluster();
  const specs = [2, 3, 4].map((i) => ({ name: `n${i}`, ip: `127.0.0.${i}`, etcd: etcd.endpoints }));
  const ports = new Map<string, { edge: number; control: number }>();
  const nodes = await Promise.all(specs.map((spec) => startWharfNode(dir, spec)));
  for (const node of nodes) ports.set(node.spec.name, { edge: Number(new URL(node.edgeUrl).port), control: Number(new URL(node.controlUrl).port) });
  try {
    const [n2, n3, n4] = nodes as [WharfNode, WharfNode, WharfNode];
    writeFileSync(join(dir, 'shared.yaml'), SHARED);
    await n2.api('/api/cluster/config', { body: { file: 'shared.yaml', text: SHARED } });
    const readyTotal = async (node: WharfNode) =>
      (await node.api<{ nodes: { state: string; apps: Record<string, number> }[] }>('/api/nodes')).body.nodes.filter((n) => n.state === 'alive').reduce((s, n) => s + (n.apps.web ?? 0), 0);
    await waitFor('three ready replicas', async () => (await readyTotal(n2)) === 3, 60_000);

    // 1. propagation
    const delays: number[] = [];
    for (let i = 0; i < REGISTRATIONS; i++) {
      const service = `prop-${i}`;
      const seen = [n3, n4].map(async (node) => {
        for (;;) {
          const { body } = await node.api<unknown[]>(`/v1/health/service/${service}?index=1&wait=5s`);
          if (body.length > 0) return Date.now();
        }
      });
      const started = Date.now();
      await n2.api('/v1/agent/service/register', { method: 'PUT', body: { ID: service, Name: service, Address: '127.0.0.2', Port: 10000 + i } });
      delays.push(Math.max(...(await Promise.all(seen))) - started);
    }
    console.log(`propagation (${REGISTRATIONS} registrations on n2, seen on n3 and n4): p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${Math.max(...delays)} ms (target p99 < 500 ms)`);

    // 2. node loss
    let victim = n4;
    for (let round = 1; round <= LOSSES; round++) {
      const load = keepAliveLoad(`${n2.edgeUrl}/`, 4);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await victim.killHard();
      const killedAt = Date.now();
      for (const node of [n2, n3]) {
        await waitFor('pool without n4', async () => {
          const { body } = await node.api<{ upstreams: { name: string; servers: { address: string }[] }[] }>('/api/status');
          return !body.upstreams.find((u) => u.name === 'web')!.servers.some((s) => s.address.startsWith('127.0.0.4:'));
        }, 30_000, 10);
      }
      const goneMs = Date.now() - killedAt;
      await waitFor('three ready replicas again', async () => (await readyTotal(n2)) === 3, 60_000);
      const result = await load.stop();
      console.log(`node loss round ${round} (ttl 2s): out of every pool after ${goneMs} ms; ${result.ok} requests, ${result.failed} failed${result.failed ? ` (${result.failures.slice(0, 3).join('; ')})` : ''}`);
      victim = await startWharfNode(dir, specs[2]!, ports.get('n4'));
      nodes[2] = victim;
      await waitFor('n4 back', async () => (await n2.api<{ nodes: { name: string; state: string }[] }>('/api/nodes')).body.nodes.some((n) => n.name === 'n4' && n.state === 'alive'), 30_000);
    }

    // 3. scale
    const live = nodes as WharfNode[];
    const rssBefore = live.map((n) => rssMb(pidOf(n)));
    const sentBefore = await etcdSentBytes(etcd.endpoints);
    const started = Date.now();
    await Promise.all(
      live.map(async (node, n) => {
        for (let i = 0; i < INSTANCES; i++) {
          await node.api('/v1/agent/service/register', { method: 'PUT', body: { ID: `bulk-${n}-${i}`, Name: `bulk-${i % 100}`, Address: node.spec.ip, Port: 20000 + i } });
        }
      }),
    );
    const total = INSTANCES * live.length;
    // Each node's registry metric counts every node's bulk entries once they have all arrived.
    const bulkSeen = async (node: WharfNode) => {
      const text = await fetch(`${node.controlUrl}/metrics`, { headers: { authorization: `Bearer ${CLUSTER_TOKEN}` } }).then((r) => r.text());
      let count = 0;
      for (const match of text.matchAll(/^wharf_registry_instances\{service="bulk-\d+",state="passing"\} (\d+)$/gm)) count += Number(match[1]);
      return count;
    };
    await waitFor('every node sees every bulk entry', async () => (await Promise.all(live.map(bulkSeen))).every((count) => count === total), 120_000, 200);
    const elapsed = Date.now() - started;
    const sent = (await etcdSentBytes(etcd.endpoints)) - sentBefore;
    const client = new Etcd3({ hosts: [...etcd.endpoints] });
    const keys = await client.getAll().prefix('/wharf/').count();
    client.close();
    const rssAfter = live.map((n) => rssMb(pidOf(n)));
    console.log(`scale: ${live.length} nodes x ${INSTANCES} instances = ${total} in ${elapsed} ms; etcd keys under /wharf/: ${keys}; etcd sent ${(sent / 1e6).toFixed(1)} MB to clients (${Math.round(sent / total)} B per instance)`);
    console.log(`RSS per node before/after (MB): ${live.map((n, i) => `${n.spec.name} ${rssBefore[i]!.toFixed(0)}/${rssAfter[i]!.toFixed(0)}`).join(', ')}`);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
