// Raw (validated) config -> Snapshot: units resolved, defaults applied, paths made absolute.
import { availableParallelism, hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parse as parseArgv } from 'shell-quote';
import type { RawApp, RawConfig, RawHealth, RawRoute, RawServer, RawUpstream } from './schema.js';
import type {
  AppConfig, HealthConfig, RolloutConfig, ListenConfig, MemberSpec, PoolConfig, RouteConfig, ServerConfig, Snapshot, TimeoutsConfig, UpstreamConfig,
} from './model.js';
import { parseDuration, parseRate, parseSize } from './units.js';
import { formatAddress, parseAddress } from '../net/address.js';

export const DEFAULTS = {
  listen: '127.0.0.1:8080',
  control: '127.0.0.1:9901',
  keepalive: 64,
  retries: 1,
  weight: 1,
  maxFails: 1,
  failTimeout: '10s',
  maxHeaderSize: 16 * 1024,
  http2MaxConcurrentStreams: 128,
  maxGuardKeys: 100_000,
} as const;

const ms = (value: string | number | undefined, fallback: string | number) => parseDuration(value ?? fallback);

export function normalize(raw: RawConfig, file: string, hash: string, baseDir: string, warnings: readonly string[] = []): Snapshot {
  const t = raw.timeouts ?? {};
  const timeouts: TimeoutsConfig = {
    clientHeaderMs: ms(t.client_header, '10s'),
    clientBodyMs: ms(t.client_body, '60s'),
    keepaliveMs: ms(t.keepalive, '75s'),
    upstreamConnectMs: ms(t.upstream_connect, '5s'),
    upstreamReadMs: ms(t.upstream_read, '60s'),
    shutdownMs: ms(t.shutdown, '30s'),
    startupMs: ms(t.startup, '60s'),
  };
  const stateDir = resolve(baseDir, raw.state_dir ?? '.wharf');
  const logDefaults = {
    dir: resolve(baseDir, raw.logs?.dir ?? 'logs'),
    maxSize: parseSize(raw.logs?.max_size ?? '10MB'),
    keep: raw.logs?.keep ?? 5,
  };
  const control = parseAddress(raw.control?.address ?? DEFAULTS.control, '127.0.0.1')!;
  const access = raw.access_log ?? 'stdout';
  return {
    file,
    hash,
    baseDir,
    stateDir,
    listen: (raw.listen ?? [DEFAULTS.listen]).map((entry) => listenOf(entry, baseDir)),
    control: {
      ...control,
      token: raw.control?.token ?? '',
      public: raw.control?.public ?? ['metrics', 'health'],
      hosts: (raw.control?.hosts ?? []).map((h) => h.toLowerCase()),
      tls: raw.control?.tls && { cert: resolve(baseDir, raw.control.tls.cert), key: resolve(baseDir, raw.control.tls.key) },
    },
    warnings,
    accessLog: access === 'stdout' || access === 'off' || access === 'stderr' ? access : resolve(baseDir, access),
    accessLogFormat: raw.access_log_format ?? 'combined',
    logLevel: raw.log_level ?? 'info',
    trustedProxies: raw.trusted_proxies ?? [],
    timeouts,
    maxHeaderSize: parseSize(raw.limits?.max_header_size ?? DEFAULTS.maxHeaderSize),
    http2MaxConcurrentStreams: raw.limits?.http2_max_concurrent_streams ?? DEFAULTS.http2MaxConcurrentStreams,
    maxGuardKeys: raw.limits?.max_keys ?? DEFAULTS.maxGuardKeys,
    alerts: raw.alerts && {
      webhooks: raw.alerts.webhooks,
      errorRate: raw.alerts.error_rate && { threshold: raw.alerts.error_rate.threshold, forMs: ms(raw.alerts.error_rate.for, '1m') },
    },
    registry: {
      consulApi: raw.registry?.consul_api === undefined ? undefined : parseAddress(raw.registry.consul_api, '127.0.0.1')!,
      dns: raw.registry?.dns === undefined ? undefined : parseAddress(raw.registry.dns, '127.0.0.1')!,
    },
    ...(raw.cluster
      ? {
          cluster: {
            node: raw.cluster.node ?? hostname(),
            advertise: raw.cluster.advertise ?? '127.0.0.1',
            etcd: raw.cluster.etcd,
            ...(raw.cluster.etcd_tls && {
              etcdTls: Object.fromEntries(Object.entries(raw.cluster.etcd_tls).map(([name, path]) => [name, resolve(baseDir, path as string)])),
            }),
            ...(raw.cluster.etcd_auth && { etcdAuth: { username: raw.cluster.etcd_auth.username, passwordFile: resolve(baseDir, raw.cluster.etcd_auth.password_file) } }),
            ttlMs: ms(raw.cluster.ttl, '5s'),
            labels: raw.cluster.labels ?? {},
          },
        }
      : {}),
    // An app without a command runs nothing: it is a pool over a registry service, an upstream in all but its key.
    upstreams: new Map([
      ...Object.entries(raw.upstreams ?? {}).map(([name, u]): [string, UpstreamConfig] => [name, upstreamOf(name, u, timeouts)]),
      ...Object.entries(raw.apps ?? {}).filter(([, a]) => a.command === undefined).map(([name, a]): [string, UpstreamConfig] => [name, upstreamOf(name, a, timeouts)]),
    ]),
    apps: new Map(Object.entries(raw.apps ?? {}).filter(([, a]) => a.command !== undefined).map(([name, a]) => [name, appOf(name, a, timeouts, baseDir, logDefaults)])),
    routes: (raw.routes ?? []).map((route, index) => routeOf(route, index, baseDir)),
  };
}

/** "host:port" of a listen address, the same for the listener and for a route naming it. */
export function listenerKeyOf(address: string): string {
  return formatAddress(parseAddress(address)!);
}

/** env_file contents (existence and syntax were checked with the references). */
function envFiles(files: string | readonly string[] | undefined, baseDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of files === undefined ? [] : typeof files === 'string' ? [files] : files) {
    Object.assign(out, parseEnv(readFileSync(resolve(baseDir, file), 'utf8')));
  }
  return out;
}

function listenOf(entry: NonNullable<RawConfig['listen']>[number], baseDir: string): ListenConfig {
  const spec = typeof entry === 'string' ? { address: entry } : entry;
  const { host, port } = parseAddress(spec.address)!;
  const tls = 'tls' in spec && spec.tls ? (Array.isArray(spec.tls) ? spec.tls : [spec.tls]) : undefined;
  return {
    host,
    port,
    tls: tls?.map((p) => ({ cert: resolve(baseDir, p.cert), key: resolve(baseDir, p.key) })),
    http2: ('http2' in spec ? spec.http2 : undefined) ?? true,
  };
}

export function healthOf(raw: RawHealth | undefined, defaults: { intervalMs: number; fails: number }): HealthConfig | undefined {
  if (!raw) return undefined;
  const [min, max] = (raw.status ?? '200-399').split('-').map(Number);
  return {
    type: raw.type ?? 'http',
    path: raw.path ?? '/',
    intervalMs: ms(raw.interval, defaults.intervalMs / 1000),
    timeoutMs: ms(raw.timeout, '1s'),
    fails: raw.fails ?? defaults.fails,
    passes: raw.passes ?? 1,
    statusMin: min!,
    statusMax: max ?? min!,
    body: raw.body,
  };
}

function poolOf(name: string, raw: RawUpstream | RawApp, timeouts: TimeoutsConfig, members: MemberSpec): PoolConfig {
  return {
    name,
    members,
    balance: (raw.balance ?? 'round_robin') as PoolConfig['balance'],
    hashKey: raw.hash_key ?? 'ip',
    leastTime: raw.least_time ?? 'first_byte',
    keepalive: raw.keepalive ?? DEFAULTS.keepalive,
    retries: raw.retries ?? triesAsRetries(raw.next_upstream_tries) ?? DEFAULTS.retries,
    retryTimeoutMs: ms(raw.retry_timeout ?? raw.next_upstream_timeout, 0),
    retryBudget: { percent: raw.retry_budget?.percent ?? 20, minRetries: raw.retry_budget?.min_retries ?? 3 },
    connectTimeoutMs: raw.connect_timeout === undefined ? timeouts.upstreamConnectMs : ms(raw.connect_timeout, 0),
    readTimeoutMs: raw.read_timeout === undefined ? timeouts.upstreamReadMs : ms(raw.read_timeout, 0),
    queue: raw.queue && { size: raw.queue.size, timeoutMs: ms(raw.queue.timeout, '60s') },
    health: healthOf(raw.health, { intervalMs: 5000, fails: 1 }),
    hostHeader: raw.host_header,
  };
}

/** nginx counts the first try too, and 0 means no limit. */
function triesAsRetries(tries: number | undefined): number | undefined {
  if (tries === undefined) return undefined;
  return tries === 0 ? Number.MAX_SAFE_INTEGER : tries - 1;
}

export function serverOf(raw: RawServer): ServerConfig {
  const s = typeof raw === 'string' ? { address: raw } : raw;
  return {
    address: s.address,
    weight: 'weight' in s && s.weight !== undefined ? s.weight : DEFAULTS.weight,
    maxFails: ('max_fails' in s ? s.max_fails : undefined) ?? DEFAULTS.maxFails,
    failTimeoutMs: ms('fail_timeout' in s ? s.fail_timeout : undefined, DEFAULTS.failTimeout),
    backup: ('backup' in s ? s.backup : undefined) ?? false,
    down: ('down' in s ? s.down : undefined) ?? false,
    maxConns: ('max_conns' in s ? s.max_conns : undefined) ?? 0,
    slowStartMs: ms('slow_start' in s ? s.slow_start : undefined, 0),
  };
}

function upstreamOf(name: string, raw: RawUpstream | RawApp, timeouts: TimeoutsConfig): UpstreamConfig {
  if (raw.service !== undefined) {
    return { ...poolOf(name, raw, timeouts, { kind: 'service', service: raw.service, tags: raw.tags ?? [] }), servers: [] };
  }
  const servers = ('servers' in raw ? raw.servers ?? [] : []).map(serverOf);
  return { ...poolOf(name, raw, timeouts, { kind: 'servers', servers }), servers };
}

/** A command as written (an argv string, no shell, or a list) -> argv. */
export function argvOf(command: string | readonly string[]): string[] {
  if (Array.isArray(command)) return [...(command as readonly string[])];
  // $NAME stays as written: shell-quote would expand it to '' here, long before the supervisor knows the instance's $PORT.
  return parseArgv(command as string, (name) => `$${name}`).map((t) => (typeof t === 'string' ? t : String((t as { op?: string; pattern?: string }).pattern ?? (t as { op?: string }).op ?? '')));
}

function appOf(name: string, raw: RawApp, timeouts: TimeoutsConfig, baseDir: string, logs: AppConfig['logs']): AppConfig {
  const argv = argvOf(raw.command ?? []);
  return {
    ...poolOf(name, raw, timeouts, { kind: 'supervisor' }),
    health: healthOf(raw.health, { intervalMs: 1000, fails: 1 }),
    argv,
    tags: raw.tags ?? [],
    cwd: resolve(baseDir, raw.cwd ?? '.'),
    env: { ...envFiles(raw.env_file, baseDir), ...Object.fromEntries(Object.entries(raw.env ?? {}).map(([k, v]) => [k, String(v)])) },
    instances: raw.instances === 'max' ? availableParallelism() : raw.instances ?? raw.replicas ?? 1,
    ...(raw.instances === undefined && raw.replicas !== undefined ? { replicas: raw.replicas } : {}),
    constraints: raw.placement?.constraints?.map((c) => c.trim()) ?? [],
    port: raw.port ?? 'auto',
    liveness: healthOf(raw.liveness, { intervalMs: 5000, fails: 3 }),
    waitReady: raw.wait_ready ?? false,
    startTimeoutMs: ms(raw.start_timeout, '30s'),
    onStartTimeout: raw.on_start_timeout ?? 'restart',
    restart: raw.restart ?? 'always',
    minUptimeMs: ms(raw.min_uptime, '1s'),
    maxRestarts: raw.max_restarts ?? 15,
    restartWindowMs: ms(raw.restart_window, '60s'),
    stopSignal: (raw.stop_signal ?? 'SIGTERM') as NodeJS.Signals,
    stopTimeoutMs: ms(raw.stop_timeout, '10s'),
    maxMemory: raw.max_memory === undefined ? 0 : parseSize(raw.max_memory),
    logs: {
      dir: raw.logs?.dir ? resolve(baseDir, raw.logs.dir) : logs.dir,
      maxSize: raw.logs?.max_size === undefined ? logs.maxSize : parseSize(raw.logs.max_size),
      keep: raw.logs?.keep ?? logs.keep,
    },
    rollout: rolloutOf(raw.rollout),
    source: raw.source && { repo: raw.source.repo, build: raw.source.build ?? [], keep: raw.source.keep ?? 5 },
  };
}

export function shareOf(value: string | number): number {
  return typeof value === 'number' ? value : Number(value.slice(0, -1)) / 100;
}

function rolloutOf(raw: RawApp['rollout']): RolloutConfig {
  const a = raw?.analysis ?? {};
  return {
    strategy: raw?.strategy ?? 'rolling',
    steps: (raw?.steps ?? ['5%', '25%', '50%', '100%']).map(shareOf),
    intervalMs: ms(raw?.interval, '30s'),
    analysis: {
      maxErrorRate: shareOf(a.max_error_rate ?? '1%'),
      maxP99Ratio: a.max_p99_ratio ?? 2,
      minRequests: a.min_requests ?? 50,
      maxWaitMs: ms(a.max_wait, '5m'),
    },
    ...(raw?.pin ? { pin: raw.pin } : {}),
  };
}

function routeOf(raw: RawRoute, index: number, baseDir: string): RouteConfig {
  const hosts = raw.host === undefined ? [] : (Array.isArray(raw.host) ? raw.host : [raw.host]).map((h) => h.toLowerCase());
  const path = raw.path ?? '/';
  const action: RouteConfig['action'] =
    raw.proxy !== undefined
      ? { kind: 'proxy', pool: raw.proxy, stripPrefix: raw.strip_prefix ?? false }
      : raw.static !== undefined
        ? { kind: 'static', root: resolve(baseDir, raw.static) }
        : { kind: 'redirect', to: raw.redirect!.to, status: raw.redirect!.status ?? 301 };
  const lr = raw.limit_req;
  const lc = raw.limit_conn;
  return {
    index,
    name: hosts.length ? `${hosts[0]}${path}` : path,
    hosts,
    path,
    listeners: (raw.listeners ?? []).map(listenerKeyOf),
    action,
    access: raw.access,
    limitReq: lr && {
      rate: parseRate(lr.rate), burst: lr.burst ?? 0, nodelay: lr.nodelay ?? false, delay: lr.delay ?? 0, key: lr.key ?? 'ip', status: lr.status ?? 429,
    },
    limitConn: lc && { perIp: lc.per_ip ?? 0, total: lc.total ?? 0, status: lc.status ?? 503 },
    limitRate: raw.limit_rate === undefined ? 0 : parseSize(raw.limit_rate),
    limitRateAfter: raw.limit_rate_after === undefined ? 0 : parseSize(raw.limit_rate_after),
    maxBody: raw.max_body === undefined ? 0 : parseSize(raw.max_body),
    auth: raw.auth && { htpasswd: resolve(baseDir, raw.auth.htpasswd), realm: raw.auth.realm ?? 'Restricted' },
  };
}
