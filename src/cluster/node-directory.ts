// The cluster's nodes as this node knows them: the live ones (their records under leases) and
// every node that ever joined (so one that died shows as lost), and the view `wharf nodes` gets.
import type { Etcd3 } from 'etcd3';
import { KEYS } from './cluster-keys.js';
import type { NodeRecord } from './membership.js';
import type { NodeFacts } from '../config/placement-constraints.js';
import { PrefixMirror } from './prefix-mirror.js';
import type { NodeConfigReport } from './shared-config.js';

export interface ClusterNodeView {
  readonly name: string;
  readonly address: string;
  readonly state: 'alive' | 'lost';
  readonly apps: Readonly<Record<string, number>>;
  readonly control?: string;
  readonly cpus?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly version?: string;
  readonly revision?: number;
  readonly failed?: NodeConfigReport['failed'];
  readonly leader?: boolean;
}

export class NodeDirectory {
  readonly nodes: PrefixMirror;
  readonly members: PrefixMirror;

  constructor(
    client: Etcd3,
    private readonly self: { readonly name: string; readonly advertise: string },
    /** The live set changed (the placement leader looks again). */
    onLiveChange: () => void,
  ) {
    this.nodes = new PrefixMirror(client, KEYS.nodes, () => onLiveChange());
    this.members = new PrefixMirror(client, KEYS.members, () => {});
  }

  async start(): Promise<void> {
    await Promise.all([this.nodes.start(), this.members.start()]);
  }

  async resync(): Promise<void> {
    await Promise.all([this.nodes.resync(), this.members.resync()]);
  }

  liveNodes(): NodeFacts[] {
    return [...this.nodes.entries().values()].map(({ value }) => {
      const record = JSON.parse(value) as NodeRecord;
      return { name: record.name, labels: record.labels };
    });
  }

  /** Every known node, by name; this node is always alive to itself (it serves). */
  view(ready: ReadonlyMap<string, ReadonlyMap<string, number>>, reportOf: (node: string) => NodeConfigReport | undefined, leader: boolean): ClusterNodeView[] {
    const records = new Map<string, NodeRecord>();
    for (const [name, { value }] of this.members.entries()) records.set(name, JSON.parse(value) as NodeRecord);
    for (const [name, { value }] of this.nodes.entries()) records.set(name, JSON.parse(value) as NodeRecord);
    if (!records.has(this.self.name)) records.set(this.self.name, { name: this.self.name, advertise: this.self.advertise } as NodeRecord);
    return [...records.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((record) => {
        const report = reportOf(record.name);
        return {
          name: record.name,
          address: record.advertise,
          state: record.name === this.self.name || this.nodes.get(record.name) !== undefined ? 'alive' : 'lost',
          apps: Object.fromEntries(ready.get(record.name) ?? []),
          control: record.control,
          cpus: record.cpus,
          labels: record.labels,
          version: record.version,
          ...(report ? { revision: report.revision, ...(report.failed ? { failed: report.failed } : {}) } : {}),
          ...(record.name === this.self.name ? { leader } : {}),
        };
      });
  }

  async close(): Promise<void> {
    await Promise.all([this.nodes.close(), this.members.close()]);
  }
}
