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
    return this.stage(snapshot).commit();
  }

  /**
   * Prepares a reload without changing anything: `get` answers with the pools the snapshot
   * will have (existing ones, or new ones not yet registered), and `commit` applies it. A
   * runtime that fails to build from the staged set leaves the running pools untouched.
   */
  stage(snapshot: Snapshot): StagedPools {
    const wanted = new Map<string, UpstreamConfig | AppConfig>([...snapshot.upstreams, ...snapshot.apps]);
    const created = new Map<string, UpstreamPool>();
    const get = (name: string): UpstreamPool | undefined => {
      const existing = this.pools.get(name);
      if (existing && wanted.has(name)) return existing;
      const config = wanted.get(name);
      if (!config) return undefined;
      let pool = created.get(name);
      if (!pool) created.set(name, (pool = new UpstreamPool(config, new PeerTable(), 'servers' in config ? config.servers : [])));
      return pool;
    };
    const commit = (): string[] => {
      const removed: string[] = [];
      for (const name of [...this.pools.keys()]) {
        if (!wanted.has(name)) {
          this.pools.delete(name);
          removed.push(name);
        }
      }
      for (const [name, config] of wanted) {
        const existing = this.pools.get(name);
        if (existing) existing.configure(config, 'servers' in config ? config.servers : undefined);
        else this.pools.set(name, get(name)!);
      }
      return removed;
    };
    return { get, commit };
  }
}

export interface PoolLookup {
  get(name: string): UpstreamPool | undefined;
}

export interface StagedPools extends PoolLookup {
  commit(): string[];
}
