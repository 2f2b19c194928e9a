// Where a reload reads the config from: on one machine the file; on a cluster node the node's
// file with the cluster's applied config beneath it. The reload transaction never knows which.
import type { ConfigLoader } from './load.js';
import type { Snapshot } from './model.js';

export interface SnapshotSource {
  /** The config as it is now; rejects with a ConfigError listing every problem. */
  load(): Promise<Snapshot>;
}

export function fileSource(loader: ConfigLoader, file: string): SnapshotSource {
  return { load: () => loader.load(file) };
}
