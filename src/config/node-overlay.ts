// A cluster node runs the cluster's shared config (stored by `wharf apply`) with its own file's
// node settings laid over it: where it listens, its control address and token, its state dir
// and its cluster block are the machine's, never the cluster's. Everything else (apps,
// upstreams, routes, registry, limits, logs) comes from the shared config.
import type { SharedConfigRevision, Snapshot } from './model.js';

/** The keys a node's own file keeps in cluster mode (what `wharf apply` warns it ignores). */
export const NODE_LOCAL_KEYS = ['listen', 'control', 'state_dir', 'cluster'] as const;

export function overlayNode(shared: Snapshot, node: Snapshot, revision: SharedConfigRevision): Snapshot {
  return {
    ...shared,
    // The node's file is what SIGHUP re-reads; the shared text is fetched again from etcd.
    file: node.file,
    hash: `${shared.hash}+${node.hash}`,
    stateDir: node.stateDir,
    listen: node.listen,
    control: node.control,
    cluster: node.cluster,
    warnings: [...node.warnings, ...shared.warnings],
    shared: revision,
  };
}
