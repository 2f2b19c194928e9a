// Makes every node's registry the union of all nodes' entries. Out: this node's own entries
// (supervised instances, API registrations) are written under its lease, at
// /wharf/registry/NODE/ID, whenever they change. In: the other nodes' entries are mirrored
// into the local registry as entries whose status their owner sets, with ids NODE:ID (ids are
// unique per node only, as in Consul). Pools over a service, the Consul API and DNS read the
// local registry, so they see the union without knowing. A node whose lease ends takes its
// keys along; the deletes reach every mirror and every pool drops its instances.
import type { Etcd3 } from 'etcd3';
import type { HealthStatus, Registry } from '../registry/registry.js';
import type { ServiceEntry } from '../registry/types.js';
import type { Logger } from '../observe/logger.js';
import { KEYS } from './cluster-keys.js';
import { PrefixMirror } from './prefix-mirror.js';

/** One registry entry as stored in etcd: what another node needs to route to it. */
export type StoredEntry = Pick<ServiceEntry, 'id' | 'name' | 'address' | 'port' | 'tags' | 'meta' | 'status'>;

/** Operations per etcd transaction (etcd's default limit is 128). */
const TXN_OPS = 100;
/** Changes are written at most this often (a rolling restart moves many entries at once). */
const FLUSH_DELAY_MS = 20;

export class RegistrySync {
  /** Our entries as last written: id -> JSON. */
  private written = new Map<string, string>();
  /** Ids in the local registry that mirror another node's entry. */
  private readonly mirrored = new Set<string>();
  readonly mirror: PrefixMirror;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private dirty = false;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly client: Etcd3,
    /** The local registry (there once the rest of wharf is built). */
    private readonly registryOf: () => Registry | undefined,
    private readonly node: string,
    /** The lease our keys are written with ('' while there is none). */
    private readonly leaseId: () => string,
    private readonly logger: Logger,
  ) {
    this.mirror = new PrefixMirror(client, KEYS.registry, (keys) => this.mirrorChanged(keys));
  }

  private get registry(): Registry {
    const registry = this.registryOf();
    if (!registry) throw new Error('cluster registry sync used before the registry exists');
    return registry;
  }

  /** Follows the local registry and the other nodes' entries; resolves once both are in line. */
  async start(): Promise<void> {
    this.unsubscribe ??= this.registry.subscribe(() => this.schedule());
    this.replay();
    await this.mirror.start();
    await this.flush();
  }

  /** Registers what the mirror holds (a saved state, before etcd answers). */
  replay(): void {
    this.mirrorChanged([...this.mirror.entries().keys()]);
  }

  /** A new lease: the keys of the old one are gone, so everything is written again. */
  rewriteAll(): void {
    this.written = new Map();
    this.schedule();
  }

  /** Ready instances of each app on every node, by node (for `wharf nodes`). */
  readyByNode(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    const count = (node: string, entry: { name: string; status: HealthStatus; meta: Readonly<Record<string, string>> }) => {
      if (entry.status !== 'passing' || entry.meta.app === undefined) return;
      const apps = out.get(node) ?? new Map<string, number>();
      apps.set(entry.meta.app, (apps.get(entry.meta.app) ?? 0) + 1);
      out.set(node, apps);
    };
    for (const entry of this.own()) count(this.node, entry);
    for (const [key, { value }] of this.mirror.entries()) {
      const node = key.slice(0, key.indexOf('/'));
      if (node !== this.node) count(node, JSON.parse(value) as StoredEntry);
    }
    return out;
  }

  private own(): ServiceEntry[] {
    if (!this.registryOf()) return [];
    return this.registry.entries().filter((entry) => !this.mirrored.has(entry.id));
  }

  private schedule(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, FLUSH_DELAY_MS);
  }

  /** Writes what changed since the last successful write; a failure leaves it for the next try. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.dirty = true;
      return this.flushing;
    }
    this.flushing = this.writeChanges()
      .catch((error: Error) => {
        this.logger.debug({ err: error.message }, 'cluster: registry entries not written yet; retried when etcd answers');
      })
      .finally(() => {
        this.flushing = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.schedule();
        }
      });
    return this.flushing;
  }

  private async writeChanges(): Promise<void> {
    const lease = this.leaseId();
    if (!lease) return;
    const wanted = new Map<string, string>();
    for (const entry of this.own()) {
      const stored: StoredEntry = { id: entry.id, name: entry.name, address: entry.address, port: entry.port, tags: entry.tags, meta: entry.meta, status: entry.status };
      wanted.set(entry.id, JSON.stringify(stored));
    }
    const prefix = `${KEYS.registry}${this.node}/`;
    const ops: { id: string; json?: string }[] = [];
    for (const [id, json] of wanted) if (this.written.get(id) !== json) ops.push({ id, json });
    for (const id of this.written.keys()) if (!wanted.has(id)) ops.push({ id });
    // One transaction per batch (etcd allows 128 operations in one): a thousand instances
    // starting at once are a few round trips, not a thousand.
    for (let i = 0; i < ops.length; i += TXN_OPS) {
      const batch = ops.slice(i, i + TXN_OPS);
      await this.client.kv.txn({
        success: batch.map(({ id, json }) =>
          json === undefined
            ? { request_delete_range: { key: Buffer.from(prefix + id) } }
            : { request_put: { key: Buffer.from(prefix + id), value: Buffer.from(json), lease: lease } },
        ),
      });
      for (const { id, json } of batch) {
        if (json === undefined) this.written.delete(id);
        else this.written.set(id, json);
      }
    }
  }

  private mirrorChanged(keys: readonly string[]): void {
    if (!this.registryOf()) return;
    for (const key of keys) {
      const slash = key.indexOf('/');
      const node = key.slice(0, slash);
      if (slash < 0 || node === this.node) continue;
      const localId = `${node}:${key.slice(slash + 1)}`;
      const held = this.mirror.get(key);
      if (!held) {
        this.mirrored.delete(localId);
        this.registry.deregister(localId);
        continue;
      }
      const entry = JSON.parse(held.value) as StoredEntry;
      this.mirrored.add(localId);
      this.registry.registerManaged(
        { id: localId, name: entry.name, address: entry.address, port: entry.port, tags: entry.tags, meta: { ...entry.meta, node } },
        entry.status,
        `on node ${node}`,
      );
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.unsubscribe?.();
    await this.mirror.close();
  }
}
