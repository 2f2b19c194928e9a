// Every named pool (upstreams and apps), living across reloads. A reload reconciles it with
// the new snapshot; the supervisor sets app pools' members as instances become ready. Each
// pool keeps its own peers (two upstreams naming one address balance independently, as in nginx).
import type { AppConfig, Snapshot, UpstreamConfig } from '../config/model.js';
import { PeerTable } from './peer.js';
import { UpstreamPool } from './upstream-pool.js';

export class PoolDirectory {
  private readonly pools = new Map<string, UpstreamPool>();

  get(name: string): UpstreamPool | undefined {
    return this.pools.get(name);
  }

  all(): IterableIterator<UpstreamPool> {
    return this.pools.values();
  }

  /** Brings pools in line with a snapshot; app pools keep their current members. Returns removed pools' names. */
  reconcile(snapshot: Snapshot): string[] {
    const wanted = new Map<string, UpstreamConfig | AppConfig>([...snapshot.upstreams, ...snapshot.apps]);
    const removed: string[] = [];
    for (const name of [...this.pools.keys()]) {
      if (!wanted.has(name)) {
        this.pools.delete(name);
        removed.push(name);
      }
    }
    for (const [name, config] of wanted) {
      const servers = 'servers' in config ? config.servers : undefined;
      const pool = this.pools.get(name);
      if (pool) pool.configure(config, servers);
      else this.pools.set(name, new UpstreamPool(config, new PeerTable(), servers ?? []));
    }
    return removed;
  }
}
