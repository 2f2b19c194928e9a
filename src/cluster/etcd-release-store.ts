// Releases in etcd, for a cluster of wharfs: one key per app holding `{ releases }` as JSON,
// and the key's mod revision as the log's version. A save is one transaction that compares
// that revision with the one the caller read, so of two nodes saving from the same read
// exactly one wins, whichever members they talk to.
import { randomUUID } from 'node:crypto';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { Release } from '../release/release.js';
import { ReleaseError } from '../release/release-errors.js';
import { StaleReleaseLogError, type ReleaseLog, type ReleaseStore } from '../release/release-store.js';

interface StoredLog {
  readonly releases?: Release[];
  /**
   * Unique per save() call. The etcd3 client retries a transaction whose answer it lost (a
   * leader change, a dropped connection), and when the first try had in fact committed, the
   * retry's compare fails against our own write; this id tells that apart from a real conflict.
   */
  readonly write?: string;
}

export class EtcdReleaseStore implements ReleaseStore {
  constructor(
    private readonly client: Etcd3,
    private readonly prefix = '/wharf/releases/',
  ) {}

  private keyOf(app: string): string {
    return `${this.prefix}${app}`;
  }

  async load(app: string): Promise<ReleaseLog> {
    // A linearizable read (the client's default): what any member answers includes every
    // save acknowledged before, so a version read here is never behind another node's.
    const response = await this.client.get(this.keyOf(app)).exec();
    const kv = response.kvs[0];
    if (!kv) return { version: 0, releases: [] };
    return { version: revision(kv.mod_revision), releases: this.parse(app, kv).releases ?? [] };
  }

  async save(app: string, expected: number, releases: readonly Release[]): Promise<number> {
    const key = this.keyOf(app);
    const write = randomUUID();
    const stored: StoredLog = { releases: [...releases], write };
    // Version 0 means "no log yet": the key must not exist (its create revision is 0).
    const result = await this.client
      .if(key, expected === 0 ? 'Create' : 'Mod', '==', expected)
      .then(this.client.put(key).value(JSON.stringify(stored)))
      .else(this.client.get(key))
      .commit();
    // The transaction holds one put, so the revision it made is the key's new mod revision.
    if (result.succeeded) return revision(result.header.revision);
    const current = result.responses[0]?.response_range?.kvs[0];
    if (current && this.parse(app, current).write === write) return revision(current.mod_revision);
    throw new StaleReleaseLogError(app);
  }

  /**
   * Calls `onChange(app)` whenever an app's log changes, on any node (this one included);
   * resolves once etcd watches, to a function that stops watching. `onChange` must not throw.
   */
  async watch(onChange: (app: string) => void): Promise<() => Promise<void>> {
    let stopped = false;
    let watcher: Watcher;
    const report = (kv: IKeyValue): void => onChange(kv.key.toString().slice(this.prefix.length));
    const open = async (): Promise<void> => {
      const next = await this.client.watch().prefix(this.prefix).create();
      next.on('put', report).on('delete', report);
      // Without a listener this 'error' would throw and take the process down.
      next.once('error', () => void recover().catch(() => {}));
      watcher = next;
      if (stopped) await next.cancel();
    };
    // etcd cancelled the watch (its resume revision was compacted away): changes may have been
    // missed, so watching starts again from now and every app counts as changed.
    const recover = async (): Promise<void> => {
      if (stopped) return;
      await open();
      if (stopped) return;
      for (const key of await this.client.getAll().prefix(this.prefix).keys()) onChange(key.slice(this.prefix.length));
    };
    await open();
    return async () => {
      stopped = true;
      await watcher.cancel();
    };
  }

  private parse(app: string, kv: IKeyValue): StoredLog {
    try {
      return JSON.parse(kv.value.toString()) as StoredLog;
    } catch {
      throw new ReleaseError('WHARF_RELEASE_LOG_UNREADABLE', `the releases of ${app} in etcd (${kv.key.toString()}) are not JSON`, 500);
    }
  }
}

/** etcd's int64 revisions come as strings; a cluster does not reach 2^53 writes. */
function revision(value: string): number {
  return Number(value);
}
