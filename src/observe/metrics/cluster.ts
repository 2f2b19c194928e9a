// Cluster metrics, read at scrape time: whether this node reaches etcd, how many nodes are
// alive, which shared config revision it runs against the latest, and whether it leads placement.
import type { Registry } from 'prom-client';
import { registerScraped } from './scraped.js';

export interface ClusterReading {
  readonly node: string;
  readonly state: 'connected' | 'degraded';
  readonly revision: number;
  readonly latest: number;
  readonly leader: boolean;
  readonly nodes: number;
}

export function registerClusterMetrics(registry: Registry, read: () => ClusterReading): void {
  const gauge = (name: string, help: string, value: (r: ClusterReading) => number) =>
    registerScraped<'node'>(registry, 'gauge', {
      name,
      help,
      labelNames: ['node'],
      *samples() {
        const reading = read();
        yield [{ node: reading.node }, value(reading)];
      },
    });
  gauge('wharf_cluster_degraded', '1 while this node cannot reach etcd and serves the last state it knew (cluster: degraded).', (r) => (r.state === 'degraded' ? 1 : 0));
  gauge('wharf_cluster_nodes', 'Live nodes of the cluster, as this node sees them.', (r) => r.nodes);
  gauge('wharf_cluster_config_revision', 'The revision of the shared config this node runs (0: its own file only).', (r) => r.revision);
  gauge('wharf_cluster_config_latest_revision', 'The latest shared config revision stored in etcd.', (r) => r.latest);
  gauge('wharf_cluster_placement_leader', '1 on the node elected to compute placement.', (r) => (r.leader ? 1 : 0));
}
