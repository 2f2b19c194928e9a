// The one config schema: validated by Ajv at load time and emitted as JSON Schema for editors
// (`schema/wharf.schema.json`). Types of the raw (unnormalized) config derive from it. The
// cluster-mode keys are in schema-cluster.ts, the pieces both build from in schema-parts.ts.
import { Type, type Static } from '@sinclair/typebox';
import { Address, Duration, Opt, Rate, Size, Strict } from './schema-parts.js';
import { ClusterSchema, PlacementKeys } from './schema-cluster.js';

const CertPair = Type.Object({ cert: Type.String(), key: Type.String() }, Strict);
export const ListenSchema = Type.Union([
  Address,
  Type.Object(
    {
      address: Address,
      tls: Opt(Type.Union([CertPair, Type.Array(CertPair, { minItems: 1 })])),
      http2: Opt(Type.Boolean({ description: 'offer HTTP/2 by ALPN on TLS listeners (default true)' })),
    },
    Strict,
  ),
]);

export const HealthSchema = Type.Object(
  {
    type: Opt(Type.Union([Type.Literal('http'), Type.Literal('tcp')])),
    path: Opt(Type.String({ pattern: '^/' })),
    interval: Opt(Duration),
    timeout: Opt(Duration),
    fails: Opt(Type.Integer({ minimum: 1 })),
    passes: Opt(Type.Integer({ minimum: 1 })),
    status: Opt(Type.String({ pattern: '^\\d{3}(-\\d{3})?$', description: 'expected status or range, e.g. 200-399' })),
    body: Opt(Type.String({ description: 'regular expression the body must match' })),
  },
  Strict,
);

export const ServerSchema = Type.Union([
  Address,
  Type.Object(
    {
      address: Address,
      weight: Opt(Type.Integer({ minimum: 0 })),
      max_fails: Opt(Type.Integer({ minimum: 0 })),
      fail_timeout: Opt(Duration),
      backup: Opt(Type.Boolean()),
      down: Opt(Type.Boolean()),
      max_conns: Opt(Type.Integer({ minimum: 0 })),
      slow_start: Opt(Duration),
    },
    Strict,
  ),
]);

const Balance = Type.Union(
  ['round_robin', 'least_conn', 'ip_hash', 'hash', 'least_time', 'random'].map((name) => Type.Literal(name)),
);

/** Keys every pool has, whether its peers are listed (upstreams) or supervised (apps). */
const PoolKeys = {
  balance: Opt(Balance),
  hash_key: Opt(Type.String({ pattern: '^(ip|path|uri|(header|cookie|arg):.+)$', description: 'for balance: hash' })),
  least_time: Opt(Type.Union([Type.Literal('first_byte'), Type.Literal('last_byte')])),
  keepalive: Opt(Type.Integer({ minimum: 0 })),
  retries: Opt(Type.Integer({ minimum: 0, description: 'further servers tried after a sent request failed (idempotent only); a refused connection always tries every server' })),
  retry_timeout: Opt(Duration),
  next_upstream_tries: Opt(Type.Integer({ minimum: 0, description: "nginx's proxy_next_upstream_tries: retries + 1 (0 = no limit); used when retries is not set" })),
  next_upstream_timeout: Opt(Duration),
  retry_budget: Opt(
    Type.Object(
      {
        percent: Opt(Type.Number({ minimum: 0, maximum: 100, description: 'share of the last 10 s of requests that may be retries (default 20)' })),
        min_retries: Opt(Type.Integer({ minimum: 0, description: 'retries allowed per 10 s however few requests there were (default 3)' })),
      },
      Strict,
    ),
  ),
  connect_timeout: Opt(Duration),
  read_timeout: Opt(Duration),
  queue: Opt(Type.Object({ size: Type.Integer({ minimum: 0 }), timeout: Opt(Duration) }, Strict)),
  health: Opt(HealthSchema),
  host_header: Opt(Type.String({ description: 'Host sent upstream; default: the client\'s Host' })),
};

const ServiceName = Type.String({ pattern: '^[A-Za-z0-9_.-]+$', description: 'a service name in the registry' });
const Tags = Type.Array(Type.String({ minLength: 1 }));

/** Where a pool's members come from besides listed servers or supervised instances: the registry. */
const ServiceKeys = {
  service: Opt(ServiceName),
  tags: Opt(Tags),
};

// Exactly one of servers/service is checked in member-keys.ts, with a positioned message.
export const UpstreamSchema = Type.Object({ ...PoolKeys, ...ServiceKeys, servers: Opt(Type.Array(ServerSchema, { minItems: 1 })) }, Strict);

const LogFiles = Type.Object({ dir: Opt(Type.String()), max_size: Opt(Size), keep: Opt(Type.Integer({ minimum: 0 })) }, Strict);

const Percent = Type.Union([Type.String({ pattern: '^\\d+(\\.\\d+)?%$' }), Type.Number({ minimum: 0, maximum: 1 })], {
  description: 'a share: 5% or 0.05',
});

export const RolloutSchema = Type.Object(
  {
    strategy: Opt(Type.Union([Type.Literal('rolling'), Type.Literal('canary')])),
    steps: Opt(Type.Array(Percent, { minItems: 1, description: 'share of traffic on the new release at each step; increasing, ending at 100%' })),
    interval: Opt(Duration),
    analysis: Opt(
      Type.Object(
        {
          max_error_rate: Opt(Percent),
          max_p99_ratio: Opt(Type.Number({ exclusiveMinimum: 0 })),
          min_requests: Opt(Type.Integer({ minimum: 0 })),
          max_wait: Opt(Duration),
        },
        Strict,
      ),
    ),
    pin: Opt(
      Type.Union([
        Type.Object({ header: Type.String({ minLength: 1 }) }, Strict),
        Type.Object({ cookie: Type.String({ minLength: 1 }) }, Strict),
      ], { description: 'a header or cookie whose value keeps a client on one release' }),
    ),
  },
  Strict,
);

export const AppSchema = Type.Object(
  {
    ...PoolKeys,
    ...ServiceKeys,
    // Required unless `service` is set (member-keys.ts).
    command: Opt(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })])),
    cwd: Opt(Type.String()),
    env: Opt(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    env_file: Opt(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
        description: 'KEY=VALUE file(s) (dotenv syntax) read at load and reload; env: wins over them, a later file over an earlier one',
      }),
    ),
    instances: Opt(Type.Union([Type.Integer({ minimum: 0 }), Type.Literal('max')])),
    port: Opt(Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 65535 })])),
    liveness: Opt(HealthSchema),
    wait_ready: Opt(Type.Boolean()),
    start_timeout: Opt(Duration),
    on_start_timeout: Opt(
      Type.Union([Type.Literal('restart'), Type.Literal('ready')], {
        description: "restart (default): an instance not ready by start_timeout is stopped and retried; ready: it joins the pool anyway (PM2's listen_timeout)",
      }),
    ),
    restart: Opt(Type.Union([Type.Literal('always'), Type.Literal('on-failure'), Type.Literal('never')])),
    min_uptime: Opt(Duration),
    max_restarts: Opt(Type.Integer({ minimum: 0 })),
    restart_window: Opt(Duration),
    stop_signal: Opt(Type.String({ pattern: '^SIG[A-Z0-9]+$' })),
    stop_timeout: Opt(Duration),
    max_memory: Opt(Size),
    logs: Opt(LogFiles),
    ...PlacementKeys,
    rollout: Opt(RolloutSchema),
    source: Opt(
      Type.Object(
        {
          repo: Type.String({ minLength: 1, description: 'a git repository (URL or path) that `wharf deploy --ref` fetches from' }),
          build: Opt(Type.Array(Type.String({ minLength: 1 }), { description: 'commands run in the release directory, in order (no shell)' })),
          keep: Opt(Type.Integer({ minimum: 1, description: 'release directories kept (default 5)' })),
        },
        Strict,
      ),
    ),
  },
  Strict,
);

const PoolName = Type.String({ pattern: '^[A-Za-z0-9_.-]+$' });
/** Without this a name outside the pattern would match no rule and escape validation entirely. */
const NamedOnly = { additionalProperties: false } as const;

const AccessRule = Type.String({ pattern: '^(allow|deny)\\s+\\S+$', description: '"allow CIDR|IP|all" or "deny ..."' });

export const RouteSchema = Type.Object(
  {
    host: Opt(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])),
    path: Opt(Type.String({ pattern: '^/' })),
    proxy: Opt(Type.String({ minLength: 1 })),
    static: Opt(Type.String({ minLength: 1 })),
    redirect: Opt(Type.Object({ to: Type.String(), status: Opt(Type.Integer({ minimum: 300, maximum: 399 })) }, Strict)),
    strip_prefix: Opt(Type.Boolean()),
    listeners: Opt(
      Type.Array(Address, { minItems: 1, description: 'listen addresses this route answers on, as written under listen: (default: every listener)' }),
    ),
    access: Opt(Type.Array(AccessRule)),
    limit_req: Opt(
      Type.Object(
        {
          rate: Rate,
          burst: Opt(Type.Integer({ minimum: 0 })),
          nodelay: Opt(Type.Boolean()),
          delay: Opt(Type.Integer({ minimum: 0 })),
          key: Opt(Type.String({ pattern: '^(ip|route|header:.+)$' })),
          status: Opt(Type.Integer({ minimum: 400, maximum: 599 })),
        },
        Strict,
      ),
    ),
    limit_conn: Opt(
      Type.Object(
        {
          per_ip: Opt(Type.Integer({ minimum: 1 })),
          total: Opt(Type.Integer({ minimum: 1 })),
          status: Opt(Type.Integer({ minimum: 400, maximum: 599 })),
        },
        Strict,
      ),
    ),
    limit_rate: Opt(Size),
    limit_rate_after: Opt(Size),
    max_body: Opt(Size),
    auth: Opt(Type.Object({ htpasswd: Type.String(), realm: Opt(Type.String()) }, Strict)),
  },
  Strict,
);

export const ConfigSchema = Type.Object(
  {
    $schema: Opt(Type.String()),
    listen: Opt(Type.Array(ListenSchema)),
    control: Opt(
      Type.Object(
        {
          address: Opt(Address),
          token: Opt(Type.String({ description: 'default: generated at first start and kept in state_dir/control.token (mode 0600)' })),
          public: Opt(
            Type.Array(Type.Union([Type.Literal('metrics'), Type.Literal('health')]), {
              uniqueItems: true,
              description: 'endpoints served without the token; default [metrics, health]',
            }),
          ),
          hosts: Opt(Type.Array(Type.String({ pattern: '^[A-Za-z0-9.-]+$' }), { description: 'Host names accepted besides IP literals and localhost (DNS rebinding guard)' })),
          tls: Opt(CertPair),
        },
        Strict,
      ),
    ),
    access_log: Opt(Type.String({ description: 'stdout | off | a file path' })),
    access_log_format: Opt(Type.Union([Type.Literal('combined'), Type.Literal('json')])),
    log_level: Opt(Type.Union(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => Type.Literal(l)))),
    trusted_proxies: Opt(Type.Array(Type.String())),
    timeouts: Opt(
      Type.Object(
        {
          client_header: Opt(Duration),
          client_body: Opt(Duration),
          keepalive: Opt(Duration),
          upstream_connect: Opt(Duration),
          upstream_read: Opt(Duration),
          shutdown: Opt(Duration),
          startup: Opt(Duration),
        },
        Strict,
      ),
    ),
    limits: Opt(
      Type.Object(
        {
          max_header_size: Opt(Size),
          max_keys: Opt(Type.Integer({ minimum: 1 })),
          http2_max_concurrent_streams: Opt(Type.Integer({ minimum: 1, maximum: 65535, description: 'streams an HTTP/2 client may have open at once (default 128, as nginx)' })),
        },
        Strict,
      ),
    ),
    state_dir: Opt(Type.String({ description: 'pid file and default logs dir; default .wharf beside the config' })),
    logs: Opt(LogFiles),
    alerts: Opt(
      Type.Object(
        {
          webhooks: Type.Array(Type.String({ pattern: '^https?://' })),
          error_rate: Opt(Type.Object({ threshold: Type.Number({ minimum: 0, maximum: 1 }), for: Opt(Duration) }, Strict)),
        },
        Strict,
      ),
    ),
    registry: Opt(
      Type.Object(
        {
          consul_api: Opt(Type.String({ minLength: 1, description: 'host:port of a listener for the Consul-compatible /v1/ API (also served on the control address)' })),
          dns: Opt(Type.String({ minLength: 1, description: 'host:port for DNS over UDP and TCP: NAME.service.consul, TAG.NAME.service.consul' })),
        },
        Strict,
      ),
    ),
    cluster: Opt(ClusterSchema),
    upstreams: Opt(Type.Record(PoolName, UpstreamSchema, NamedOnly)),
    apps: Opt(Type.Record(PoolName, AppSchema, NamedOnly)),
    routes: Opt(Type.Array(RouteSchema)),
  },
  { ...Strict, $id: 'https://wharf.dev/schema/wharf.schema.json', title: 'wharf config' },
);

export type RawConfig = Static<typeof ConfigSchema>;
export type RawUpstream = Static<typeof UpstreamSchema>;
export type RawApp = Static<typeof AppSchema>;
export type RawRoute = Static<typeof RouteSchema>;
export type RawHealth = Static<typeof HealthSchema>;
export type RawServer = Static<typeof ServerSchema>;
export type RawListen = Static<typeof ListenSchema>;
