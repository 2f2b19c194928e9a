// Where cluster state lives in etcd: one prefix per kind, under /wharf/. Keys marked "lease"
// vanish with their node's lease (a dead node takes them along); the others stay.
export const KEYS = {
  /** lease: one record per live node, NodeRecord JSON. */
  nodes: '/wharf/nodes/',
  /** Every node that ever joined (no lease): a node in here but not in `nodes` is lost. */
  members: '/wharf/members/',
  /** The applied config: { file, text } JSON, its mod revision is the config's revision. */
  config: '/wharf/config',
  /** lease: per node, which config revision it runs and why not the latest. */
  applied: '/wharf/applied/',
  /** lease: NODE/ID -> a registry entry of that node (supervised instance or API registration). */
  registry: '/wharf/registry/',
  /** The placement leader's assignment: { APP: { NODE: count } } JSON. */
  placement: '/wharf/placement',
  /** `wharf scale APP N` in cluster mode: APP -> N, overriding the config's replicas. */
  scale: '/wharf/scale/',
  /** Release logs per app (the rollout state machine's state). */
  releases: '/wharf/releases/',
  /** The election of the node that computes placement. */
  election: 'wharf-placement',
} as const;
