// The last cluster state a node saw (shared config, placement, scale overrides, every node's
// registry entries), kept in state_dir/cluster-state.json. A node that starts while etcd is
// unreachable starts degraded from it instead of refusing to serve; written whole to a
// temporary file and renamed, at most once a second.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { join } from 'node:path';
import type { MirroredValue, PrefixMirror } from './prefix-mirror.js';

interface SavedState {
  readonly savedAt: number;
  /** prefix -> [key, value] of its mirror. */
  readonly mirrors: Record<string, [string, MirroredValue][]>;
}

const SAVE_DELAY_MS = 1_000;

export class ClusterStateFile {
  private readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly stateDir: string,
    private readonly mirrors: readonly PrefixMirror[],
  ) {
    this.file = join(stateDir, 'cluster-state.json');
  }

  /** Seeds every mirror from the saved state; false when there is none. */
  restore(): { restored: boolean; savedAt?: number } {
    let saved: SavedState;
    try {
      saved = JSON.parse(readFileSync(this.file, 'utf8')) as SavedState;
    } catch {
      return { restored: false };
    }
    for (const mirror of this.mirrors) mirror.seed(saved.mirrors[mirror.prefix] ?? []);
    return { restored: true, savedAt: saved.savedAt };
  }

  /** Something mirrored changed: saved within a second. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.save()).catch(() => {});
    }, SAVE_DELAY_MS);
    this.timer.unref();
  }

  private async save(): Promise<void> {
    const state: SavedState = {
      savedAt: Date.now(),
      mirrors: Object.fromEntries(this.mirrors.map((m) => [m.prefix, [...m.entries()]])),
    };
    await writeFileAtomic(this.file, JSON.stringify(state), 0o600);
  }

  async close(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.writing = this.writing.then(() => this.save()).catch(() => {});
    }
    await this.writing;
  }
}
