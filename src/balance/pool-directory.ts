// Every named pool (upstreams and apps), living across reloads, each bound to the member
// source its config names (see member-source.ts). A reload reconciles the directory with the
// new snapshot: a pool whose source is unchanged keeps its binding, one whose source changed
// is re-bound; either way peers are kept by address, so their state (fails, in-flight,
// latency) survives. Each pool keeps its own peers (two upstreams naming one address balance
// independently, as in nginx).
import type { AppConfig, Snapshot, UpstreamConfig } from '../config/model.js';
import type { MemberSource } from './member-source.js';
import { MemberSources, memberSpecKey } from './member-sources.js';
import { PeerTable } from './peer.js';
import { UpstreamPool } from './upstream-pool.js';

interface Binding {
  readonly key: string;
  readonly source: MemberSource;
  readonly unsubscribe: () => void;
}

/** A pool's source as a reload plans it: `source` is set only when the binding changes. */
interface PlannedSource {
  readonly key: string;
  readonly source?: MemberSource;
}

export class PoolDirectory {
  private readonly pools = new Map<string, UpstreamPool>();
  private readonly bindings = new Map<string, Binding>();

  constructor(readonly sources: MemberSources = new MemberSources()) {}

  get(name: string): UpstreamPool | undefined {
    return this.pools.get(name);
  }

  all(): IterableIterator<UpstreamPool> {
    return this.pools.values();
  }

  /** Brings pools in line with a snapshot. Returns removed pools' names. */
  reconcile(snapshot: Snapshot): string[] {
    return this.stage(snapshot).commit();
  }

  /**
   * Prepares a reload without changing anything: `get` answers with the pools the snapshot
   * will have (existing ones, or new ones not yet registered or subscribed), and `commit`
   * applies it. A runtime that fails to build from the staged set leaves the running pools
   * untouched; a pool whose member kind no source serves throws here.
   */
  stage(snapshot: Snapshot): StagedPools {
    const wanted = new Map<string, UpstreamConfig | AppConfig>([...snapshot.upstreams, ...snapshot.apps]);
    const planned = new Map<string, PlannedSource>();
    for (const [name, config] of wanted) {
      const key = memberSpecKey(config.members);
      const bound = this.bindings.get(name);
      planned.set(name, bound && this.pools.has(name) && bound.key === key ? { key } : { key, source: this.sources.create(config.members, name) });
    }
    const created = new Map<string, UpstreamPool>();
    const get = (name: string): UpstreamPool | undefined => {
      const existing = this.pools.get(name);
      if (existing && wanted.has(name)) return existing;
      const config = wanted.get(name);
      if (!config) return undefined;
      let pool = created.get(name);
      if (!pool) created.set(name, (pool = new UpstreamPool(config, new PeerTable(), planned.get(name)!.source!.members())));
      return pool;
    };
    const commit = (): string[] => {
      const removed: string[] = [];
      for (const name of [...this.pools.keys()]) {
        if (wanted.has(name)) continue;
        this.unbind(name);
        this.pools.delete(name);
        removed.push(name);
      }
      for (const [name, config] of wanted) {
        const plan = planned.get(name)!;
        let pool = this.pools.get(name);
        if (pool) pool.configure(config);
        else this.pools.set(name, (pool = get(name)!));
        if (plan.source) this.bind(name, pool, plan.key, plan.source);
      }
      return removed;
    };
    return { get, commit };
  }

  private bind(name: string, pool: UpstreamPool, key: string, source: MemberSource): void {
    this.unbind(name);
    const unsubscribe = source.subscribe(() => pool.setMembers(source.members()));
    this.bindings.set(name, { key, source, unsubscribe });
    // What the source holds now: it may have moved since the pool was staged.
    pool.setMembers(source.members());
  }

  private unbind(name: string): void {
    this.bindings.get(name)?.unsubscribe();
    this.bindings.delete(name);
  }
}

export interface PoolLookup {
  get(name: string): UpstreamPool | undefined;
}

export interface StagedPools extends PoolLookup {
  commit(): string[];
}
