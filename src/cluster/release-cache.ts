// The release logs a node last read from etcd, kept in state_dir/cluster-releases/APP.json. A
// node that starts (or reloads) while etcd is away runs the releases it knew instead of failing
// to start; nothing is ever saved to it except what etcd answered.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { join } from 'node:path';
import type { ReleaseLog, ReleaseStore } from '../release/release-store.js';

export class CachedReleaseStore implements ReleaseStore {
  private readonly dir: string;

  constructor(
    private readonly store: ReleaseStore,
    stateDir: string,
    /** True while etcd cannot be reached: loads come from the cache. */
    private readonly away: () => boolean,
    /** Throws the error a refused write gets while etcd is away. */
    private readonly refuse: () => void,
  ) {
    this.dir = join(stateDir, 'cluster-releases');
  }

  async load(app: string): Promise<ReleaseLog> {
    if (this.away()) return this.cached(app);
    let log: ReleaseLog;
    try {
      log = await this.store.load(app);
    } catch (error) {
      if (this.away()) return this.cached(app);
      throw error;
    }
    await this.keep(app, log);
    return log;
  }

  async save(app: string, expected: number, releases: ReadonlyArray<ReleaseLog['releases'][number]>): Promise<number> {
    if (this.away()) this.refuse();
    const version = await this.store.save(app, expected, releases);
    await this.keep(app, { version, releases });
    return version;
  }

  private async cached(app: string): Promise<ReleaseLog> {
    try {
      return JSON.parse(await readFile(join(this.dir, `${app}.json`), 'utf8')) as ReleaseLog;
    } catch {
      return { version: 0, releases: [] };
    }
  }

  private async keep(app: string, log: ReleaseLog): Promise<void> {
    await writeFileAtomic(join(this.dir, `${app}.json`), JSON.stringify(log), 0o600);
  }
}
