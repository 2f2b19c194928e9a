// Where releases live between runs: one JSON file per app under state_dir/releases/, written
// whole to a temporary file and renamed, so a kill -9 mid-write leaves the old or the new
// file, never half of one. Every save names the version it read; a save from a stale read is
// refused, which is the compare a cluster store does on an etcd revision.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { join } from 'node:path';
import type { Release } from './release.js';

export interface ReleaseLog {
  readonly version: number;
  readonly releases: readonly Release[];
}

export interface ReleaseStore {
  load(app: string): Promise<ReleaseLog>;
  /** Replaces the app's log if it is still at `expected`; resolves to the new version. */
  save(app: string, expected: number, releases: readonly Release[]): Promise<number>;
}

export class StaleReleaseLogError extends Error {
  readonly code = 'WHARF_RELEASE_CONFLICT';
  constructor(app: string) {
    super(`the releases of ${app} changed meanwhile; try again`);
  }
}

export class FileReleaseStore implements ReleaseStore {
  constructor(private readonly stateDir: string) {}

  private fileOf(app: string): string {
    return join(this.stateDir, 'releases', `${app}.json`);
  }

  async load(app: string): Promise<ReleaseLog> {
    try {
      const parsed = JSON.parse(await readFile(this.fileOf(app), 'utf8')) as ReleaseLog;
      return { version: parsed.version ?? 0, releases: parsed.releases ?? [] };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 0, releases: [] };
      throw error;
    }
  }

  async save(app: string, expected: number, releases: readonly Release[]): Promise<number> {
    const current = await this.load(app);
    if (current.version !== expected) throw new StaleReleaseLogError(app);
    const file = this.fileOf(app);
    const version = expected + 1;
    await writeFileAtomic(file, `${JSON.stringify({ version, releases }, null, 2)}\n`, 0o600);
    return version;
  }
}
