// Errors of cluster mode, each with a stable code and the HTTP status the control API answers.
export type ClusterErrorCode =
  | 'WHARF_ETCD_UNREACHABLE'
  | 'WHARF_ETCD_AUTH_FAILED'
  | 'WHARF_NODE_NAME_TAKEN'
  | 'WHARF_CLUSTER_DEGRADED'
  | 'WHARF_CLUSTER_UNAVAILABLE'
  | 'WHARF_CONFIG_REJECTED';

const STATUS: Record<ClusterErrorCode, number> = {
  WHARF_ETCD_UNREACHABLE: 503,
  WHARF_ETCD_AUTH_FAILED: 503,
  WHARF_NODE_NAME_TAKEN: 409,
  WHARF_CLUSTER_DEGRADED: 503,
  WHARF_CLUSTER_UNAVAILABLE: 409,
  WHARF_CONFIG_REJECTED: 400,
};

export class ClusterError extends Error {
  readonly status: number;

  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    /** WHARF_CONFIG_REJECTED: every problem, as FILE:LINE:COL: message. */
    readonly errors: readonly string[] = [],
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

/** Refused while etcd cannot be reached: a change nobody else would see must not look applied. */
export function degraded(what: string): ClusterError {
  return new ClusterError('WHARF_CLUSTER_DEGRADED', `${what} is refused: this node cannot reach etcd (cluster: degraded); it keeps serving the last state it knew. Try again once etcd is back.`);
}
