// A local copy of every key under one etcd prefix, kept current by a watch and re-listed
// whenever the link to etcd comes back (a watch resumed after a compaction, or a lost event,
// must not leave a stale copy behind). While etcd is away the copy stays as it was: that is
// what a node keeps serving from (static stability). Each key remembers its mod revision, so
// a listing older than an event already seen never undoes the event.
import type { Etcd3, Watcher } from 'etcd3';

export interface MirroredValue {
  readonly value: string;
  readonly modRevision: number;
}

export class PrefixMirror {
  private readonly values = new Map<string, MirroredValue>();
  private watcher: Watcher | undefined;
  private closed = false;
  private readonly listeners = new Set<(keys: readonly string[]) => void>();

  constructor(
    private readonly client: Etcd3,
    readonly prefix: string,
    /** Told the keys (without the prefix) that changed, after the copy is updated. */
    private readonly onChange: (keys: readonly string[]) => void,
  ) {}

  /** Another listener for changes (the saved state, the placement leader). */
  listen(listener: (keys: readonly string[]) => void): void {
    this.listeners.add(listener);
  }

  private changed(keys: readonly string[]): void {
    this.onChange(keys);
    for (const listener of this.listeners) listener(keys);
  }

  /** Key (without the prefix) -> value. */
  entries(): ReadonlyMap<string, MirroredValue> {
    return this.values;
  }

  get(key: string): MirroredValue | undefined {
    return this.values.get(key);
  }

  /** The copy from a saved state, before etcd could be reached (a degraded start). */
  seed(values: Iterable<[string, MirroredValue]>): void {
    for (const [key, value] of values) this.values.set(key, value);
  }

  /** Starts the watch, then lists; resolves once the copy is complete. */
  async start(): Promise<void> {
    const watcher = await this.client.watch().prefix(this.prefix).create();
    this.watcher = watcher;
    watcher.on('put', (kv) => this.applyPut(kv.key.toString().slice(this.prefix.length), kv.value.toString(), Number(kv.mod_revision)));
    watcher.on('delete', (kv) => this.applyDelete(kv.key.toString().slice(this.prefix.length), Number(kv.mod_revision)));
    watcher.on('error', () => void this.resync().catch(() => {}));
    await this.resync();
  }

  /** Lists the prefix and brings the copy in line with it (keys changed since are left alone). */
  async resync(): Promise<void> {
    if (this.closed) return;
    const response = await this.client.getAll().prefix(this.prefix).exec();
    const listedAt = Number(response.header.revision);
    const seen = new Set<string>();
    const changed: string[] = [];
    for (const kv of response.kvs) {
      const key = kv.key.toString().slice(this.prefix.length);
      seen.add(key);
      if (this.put(key, kv.value.toString(), Number(kv.mod_revision))) changed.push(key);
    }
    for (const [key, held] of this.values) {
      if (!seen.has(key) && held.modRevision <= listedAt) {
        this.values.delete(key);
        changed.push(key);
      }
    }
    if (changed.length > 0) this.changed(changed);
  }

  private applyPut(key: string, value: string, modRevision: number): void {
    if (this.put(key, value, modRevision)) this.changed([key]);
  }

  private applyDelete(key: string, modRevision: number): void {
    const held = this.values.get(key);
    // A delete's mod_revision is the revision of the delete itself.
    if (!held || (modRevision > 0 && held.modRevision > modRevision)) return;
    this.values.delete(key);
    this.changed([key]);
  }

  private put(key: string, value: string, modRevision: number): boolean {
    const held = this.values.get(key);
    if (held && (held.modRevision > modRevision || (held.modRevision === modRevision && held.value === value))) return false;
    this.values.set(key, { value, modRevision });
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.cancel().catch(() => {});
  }
}
