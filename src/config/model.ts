// The normalized, immutable config snapshot every part is built from. Units are resolved
// (milliseconds, bytes, requests per second) and defaults applied, so no consumer parses
// strings or guesses defaults again.

export type BalanceName = 'round_robin' | 'least_conn' | 'ip_hash' | 'hash' | 'least_time' | 'random';

export interface TlsCert { readonly cert: string; readonly key: string }

export interface ListenConfig {
  readonly host: string;
  readonly port: number;
  readonly tls?: readonly TlsCert[];
  readonly http2: boolean;
}

export interface HealthConfig {
  readonly type: 'http' | 'tcp';
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly fails: number;
  readonly passes: number;
  readonly statusMin: number;
  readonly statusMax: number;
  readonly body?: string;
}

export interface ServerConfig {
  readonly address: string;
  readonly weight: number;
  readonly maxFails: number;
  readonly failTimeoutMs: number;
  readonly backup: boolean;
  readonly down: boolean;
  readonly maxConns: number;
  readonly slowStartMs: number;
}

/**
 * Where a pool's members come from. Balance binds each kind to a member source; the edge never
 * sees which one a pool has.
 */
export type MemberSpec =
  /** The servers listed in the file. */
  | { readonly kind: 'servers'; readonly servers: readonly ServerConfig[] }
  /** The ready instances the supervisor publishes under the pool's name (an app, or its APP@canary beside it). */
  | { readonly kind: 'supervisor' }
  /** A registry service's passing instances having every tag listed. */
  | { readonly kind: 'service'; readonly service: string; readonly tags: readonly string[] };

export interface PoolConfig {
  readonly name: string;
  readonly members: MemberSpec;
  readonly balance: BalanceName;
  readonly hashKey: string;
  readonly leastTime: 'first_byte' | 'last_byte';
  readonly keepalive: number;
  /** Retries of a request that was sent (idempotent only); a never-sent request tries every server. */
  readonly retries: number;
  readonly retryTimeoutMs: number;
  /** Retries of sent requests stay under `percent` of the last 10 s of requests, plus `minRetries`. */
  readonly retryBudget: { readonly percent: number; readonly minRetries: number };
  readonly connectTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly queue?: { readonly size: number; readonly timeoutMs: number };
  readonly health?: HealthConfig;
  readonly hostHeader?: string;
}

export interface UpstreamConfig extends PoolConfig {
  /**
   * The servers listed in the file ([] when the members come from the registry: an upstream
   * with `service`, or an app with `service` and no `command`, which is normalized into an upstream).
   */
  readonly servers: readonly ServerConfig[];
}

export interface LogFilesConfig { readonly dir: string; readonly maxSize: number; readonly keep: number }

export interface AppConfig extends PoolConfig {
  readonly argv: readonly string[];
  /** Registry tags of its instances. */
  readonly tags: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly instances: number;
  /** Cluster mode: the cluster-wide count (`replicas`); undefined when the app sets `instances` (that many on every node). */
  readonly replicas?: number;
  /** Cluster mode: `placement.constraints` as written (node.name == a, node.labels.zone != b). */
  readonly constraints: readonly string[];
  /** 'auto' or the first port; instance i then listens on port + i. */
  readonly port: 'auto' | number;
  readonly liveness?: HealthConfig;
  readonly waitReady: boolean;
  readonly startTimeoutMs: number;
  /** What start_timeout does to an instance that is not ready: stop and retry it, or call it ready (PM2's listen_timeout). */
  readonly onStartTimeout: 'restart' | 'ready';
  readonly restart: 'always' | 'on-failure' | 'never';
  readonly minUptimeMs: number;
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
  readonly stopSignal: NodeJS.Signals;
  readonly stopTimeoutMs: number;
  readonly maxMemory: number;
  readonly logs: LogFilesConfig;
  readonly rollout: RolloutConfig;
  readonly source?: SourceConfig;
}

export interface RolloutConfig {
  readonly strategy: 'rolling' | 'canary';
  /** Shares (0..1] of the app's traffic on the new release, increasing, the last 1. */
  readonly steps: readonly number[];
  readonly intervalMs: number;
  readonly analysis: {
    readonly maxErrorRate: number;
    readonly maxP99Ratio: number;
    readonly minRequests: number;
    /** How long a step may wait for min_requests before the rollout pauses. */
    readonly maxWaitMs: number;
  };
  readonly pin?: { readonly header: string } | { readonly cookie: string };
}

export interface SourceConfig {
  readonly repo: string;
  readonly build: readonly string[];
  readonly keep: number;
}

export interface LimitReqConfig {
  readonly rate: number;
  readonly burst: number;
  readonly nodelay: boolean;
  readonly delay: number;
  readonly key: string;
  readonly status: number;
}

export interface RouteConfig {
  readonly index: number;
  /** Stable label for metrics and logs: "host/path" or the path. */
  readonly name: string;
  readonly hosts: readonly string[];
  readonly path: string;
  /** Keys ("host:port") of the listeners this route answers on; empty: every listener. */
  readonly listeners: readonly string[];
  readonly action:
    | { readonly kind: 'proxy'; readonly pool: string; readonly stripPrefix: boolean }
    | { readonly kind: 'static'; readonly root: string }
    | { readonly kind: 'redirect'; readonly to: string; readonly status: number };
  readonly access?: readonly string[];
  readonly limitReq?: LimitReqConfig;
  readonly limitConn?: { readonly perIp: number; readonly total: number; readonly status: number };
  readonly limitRate: number;
  readonly limitRateAfter: number;
  readonly maxBody: number;
  readonly auth?: { readonly htpasswd: string; readonly realm: string };
}

export interface TimeoutsConfig {
  readonly clientHeaderMs: number;
  readonly clientBodyMs: number;
  readonly keepaliveMs: number;
  readonly upstreamConnectMs: number;
  readonly upstreamReadMs: number;
  readonly shutdownMs: number;
  /** How long `wharf up` keeps its public listeners closed waiting for every app's first ready instance. */
  readonly startupMs: number;
}

/** Control endpoints a config may open to requests without the token. */
export type PublicControlEndpoint = 'metrics' | 'health';

export interface ControlConfig {
  readonly host: string;
  readonly port: number;
  /** '' when the config sets none: `wharf up` then generates one into state_dir/control.token. */
  readonly token: string;
  readonly public: readonly PublicControlEndpoint[];
  /** Host names accepted in the Host header besides IP literals and localhost. */
  readonly hosts: readonly string[];
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** wharf as a service registry: optional listeners besides the control address's /v1/ API. */
export interface RegistryConfig {
  readonly consulApi?: { readonly host: string; readonly port: number };
  readonly dns?: { readonly host: string; readonly port: number };
}

/** Which applied config a node runs: the etcd revision it was stored at and the file it came from. */
export interface SharedConfigRevision {
  readonly revision: number;
  readonly file: string;
}

export interface ClusterConfig {
  readonly node: string;
  /** Where other nodes reach this node's instances; default 127.0.0.1. */
  readonly advertise: string;
  readonly etcd: readonly string[];
  /** TLS to etcd (absolute paths); set exactly when the endpoints are https://. */
  readonly etcdTls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** etcd's user and the file holding its password (absolute path). */
  readonly etcdAuth?: { readonly username: string; readonly passwordFile: string };
  readonly ttlMs: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Snapshot {
  readonly file: string;
  /** sha256 of the file's text, shown in metrics and status. */
  readonly hash: string;
  readonly baseDir: string;
  readonly stateDir: string;
  readonly listen: readonly ListenConfig[];
  readonly control: ControlConfig;
  /** Problems that do not stop the config from loading, as FILE:LINE:COL: warning: ... */
  readonly warnings: readonly string[];
  readonly accessLog: string;
  readonly accessLogFormat: 'combined' | 'json';
  readonly logLevel: string;
  readonly trustedProxies: readonly string[];
  readonly timeouts: TimeoutsConfig;
  readonly maxHeaderSize: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised to HTTP/2 clients (nginx: http2_max_concurrent_streams). */
  readonly http2MaxConcurrentStreams: number;
  readonly maxGuardKeys: number;
  readonly alerts?: { readonly webhooks: readonly string[]; readonly errorRate?: { readonly threshold: number; readonly forMs: number } };
  readonly registry: RegistryConfig;
  readonly cluster?: ClusterConfig;
  /** Cluster mode: the applied config this snapshot runs (absent: the node's own file alone). */
  readonly shared?: SharedConfigRevision;
  readonly upstreams: ReadonlyMap<string, UpstreamConfig>;
  readonly apps: ReadonlyMap<string, AppConfig>;
  readonly routes: readonly RouteConfig[];
}
