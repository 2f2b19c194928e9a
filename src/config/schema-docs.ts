// What each config key means, shown by editors on hover. Kept apart from schema.ts because
// descriptions there also shape the validator's error messages. Paths: `*` is any map key
// (an upstream or app name), `[]` is any list item. Defaults quoted here come from normalize.ts.
import { DEFAULTS } from './normalize.js';

export interface KeyDoc {
  readonly title?: string;
  readonly description: string;
}

const HEALTH: Record<string, string> = {
  type: 'http (GET path, check status/body) or tcp (connect only). Default http',
  path: 'path requested by http checks. Default /',
  interval: 'time between checks',
  timeout: 'a check slower than this fails. Default 1s',
  fails: 'consecutive failed checks that mark a server unhealthy',
  passes: 'consecutive passed checks that mark it healthy again. Default 1',
  status: 'expected status or range, e.g. 200 or 200-399. Default 200-399',
  body: 'regular expression the response body must match',
};

const POOL: Record<string, string> = {
  balance: 'how the next server is chosen. Default round_robin',
  hash_key: 'what balance: hash hashes: ip, path, uri, header:NAME, cookie:NAME or arg:NAME. Default ip',
  least_time: 'which latency least_time compares: first_byte or last_byte. Default first_byte',
  keepalive: `idle upstream connections kept per server. Default ${DEFAULTS.keepalive}`,
  retries: `further servers tried after a connect error or 502 for idempotent requests. Default ${DEFAULTS.retries}`,
  retry_timeout: 'time limit for trying further servers (0 = none). Default 0',
  connect_timeout: 'upstream connect timeout. Default: timeouts.upstream_connect',
  read_timeout: 'upstream response timeout. Default: timeouts.upstream_read',
  queue: 'requests wait here (up to size, at most timeout) when every server is at max_conns',
  health: 'active health checks; a server joins the pool once they pass',
  host_header: "Host header sent upstream. Default: the client's Host",
};

const SERVER: Record<string, string> = {
  address: 'host:port of the server',
  weight: `share of requests relative to the other servers. Default ${DEFAULTS.weight}`,
  max_fails: `failed attempts within fail_timeout that take the server out for fail_timeout (0 = never). Default ${DEFAULTS.maxFails}`,
  fail_timeout: `window for counting max_fails and time the server then stays out. Default ${DEFAULTS.failTimeout}`,
  backup: 'used only when every non-backup server is down',
  down: 'permanently out of rotation',
  max_conns: 'most concurrent connections to this server (0 = unlimited)',
  slow_start: 'after recovering, the weight ramps up from zero over this time',
};

const APP: Record<string, string> = {
  command: 'argv as a string (split like a shell, but no shell runs) or a list; required unless service is set',
  cwd: 'working directory, relative to the config file. Default: the config directory',
  env: 'extra environment variables; PORT is set per instance',
  instances: 'how many processes to run, or "max" for one per CPU. Default 1',
  port: 'auto: each instance gets a free port in $PORT; a number: instance i gets port + i. Default auto',
  liveness: 'checks while running; an instance failing them is restarted',
  wait_ready: 'the instance is ready only after it sends process.send("ready")',
  start_timeout: 'an instance not ready within this is restarted. Default 30s',
  restart: 'when an exited instance is started again. Default always',
  min_uptime: 'an instance exiting sooner counts as a crash. Default 1s',
  max_restarts: 'crashes within restart_window before the app is marked fatal. Default 15',
  restart_window: 'window for counting max_restarts. Default 60s',
  stop_signal: 'signal sent to stop an instance. Default SIGTERM',
  stop_timeout: 'SIGKILL after this if the instance has not exited. Default 10s',
  max_memory: 'restart an instance whose resident memory stays above this',
  logs: 'where stdout/stderr are written and how they rotate',
};

const ROUTE: Record<string, string> = {
  host: 'Host to match: exact or *.example.com, or a list; omitted = any host',
  path: 'path prefix, matched on a segment boundary; the longest match wins. Default /',
  proxy: 'name of the upstream or app that serves this route',
  static: 'directory served as files (the route path is stripped from the request path)',
  redirect: 'answer with a redirect to this URL',
  strip_prefix: 'remove the route path before proxying. Default false',
  access: 'ordered "allow X" / "deny X" rules (IP, CIDR or all); the first match decides',
  limit_req: 'request rate limit per client (leaky bucket); excess gets status (429)',
  limit_conn: 'concurrent connection limits; excess gets status (503)',
  limit_rate: 'response bandwidth per connection, bytes per second',
  limit_rate_after: 'bytes sent at full speed before limit_rate applies',
  max_body: 'a larger request body gets 413',
  auth: 'HTTP basic authentication from an htpasswd file',
};

const TOP: Record<string, string> = {
  $schema: 'the JSON Schema this file follows (for editors)',
  listen: `addresses the edge listens on: "host:port", or { address, tls } for HTTPS. Default ${DEFAULTS.listen}`,
  control: `control API, /metrics and dashboard. Default address ${DEFAULTS.control}`,
  access_log: 'stdout | off | a file path. Default stdout',
  access_log_format: 'combined (nginx) or json. Default combined',
  log_level: 'wharf\'s own log level. Default info',
  trusted_proxies: 'IPs/CIDRs whose X-Forwarded-For is believed when finding the client address',
  timeouts: 'edge-wide timeouts',
  limits: 'edge-wide limits',
  state_dir: 'pid file and default logs dir. Default .wharf beside the config',
  logs: 'defaults for app log files',
  alerts: 'webhooks called when the error rate stays above a threshold',
  registry: 'wharf as a service registry (Consul-compatible API on the control address, optional own listener and DNS)',
  upstreams: 'named groups of servers that routes proxy to',
  apps: 'processes wharf runs and balances; every upstream key applies too',
  routes: 'how requests are matched (host, then longest path prefix) and handled',
};

function under(prefix: string, docs: Record<string, string>): [string, KeyDoc][] {
  return Object.entries(docs).map(([key, description]) => [`${prefix}.${key}`, { description }]);
}

const healthPrefixes = ['upstreams.*.health', 'apps.*.health', 'apps.*.liveness'];

export const KEY_DOCS: ReadonlyMap<string, KeyDoc> = new Map<string, KeyDoc>([
  ...Object.entries(TOP).map(([key, description]): [string, KeyDoc] => [key, { description }]),
  ['listen[]', { title: 'listener', description: 'host:port, or an object with address and tls for HTTPS' }],
  ['listen[].address', { description: 'host:port, [v6]:port or :port' }],
  ['listen[].tls', { description: 'certificate and key files (PEM), or a list of pairs chosen by SNI' }],
  ['control.address', { description: `host:port of the control API. Default ${DEFAULTS.control}` }],
  ['control.token', { description: 'bearer token for control actions; required when the address is not loopback' }],
  ['registry.consul_api', { description: 'host:port of an own listener for the Consul-compatible /v1/ API (e.g. 127.0.0.1:8500); the API is also on the control address' }],
  ['registry.dns', { description: 'host:port for DNS over UDP and TCP (e.g. 127.0.0.1:8600): NAME.service.consul and TAG.NAME.service.consul, A and SRV, passing instances only' }],
  ['upstreams.*', { title: 'upstream', description: 'a group of servers and how to balance them' }],
  ['upstreams.*.servers', { description: 'the servers: "host:port" or an object with per-server settings' }],
  ['upstreams.*.servers[]', { title: 'server', description: 'host:port, or an object with address and settings' }],
  ['upstreams.*.service', { description: 'instead of servers: the members are the passing instances of this registry service, followed live' }],
  ['upstreams.*.tags', { description: 'with service: only instances having every one of these tags' }],
  ...under('upstreams.*', POOL),
  ...under('upstreams.*.servers[]', SERVER),
  ['apps.*', { title: 'app', description: 'a supervised program; its instances form a pool like an upstream' }],
  ...under('apps.*', POOL),
  ...under('apps.*', APP),
  ['apps.*.service', { description: 'instead of command: a pool over the passing instances of this registry service (nothing is run; only upstream keys apply)' }],
  ['apps.*.tags', { description: "registry tags of the app's instances; with service: only instances having every one of these tags" }],
  ...healthPrefixes.flatMap((prefix): [string, KeyDoc][] => [[prefix, { title: 'health check', description: prefix.endsWith('liveness') ? APP.liveness! : POOL.health! }], ...under(prefix, HEALTH)]),
  ['routes[]', { title: 'route', description: 'one of proxy, static or redirect, with optional guards' }],
  ...under('routes[]', ROUTE),
  ['routes[].limit_req.rate', { description: 'sustained rate per key, e.g. 10r/s or 600r/m' }],
  ['routes[].limit_req.burst', { description: 'requests allowed above the rate before rejecting. Default 0' }],
  ['routes[].limit_req.nodelay', { description: 'serve burst requests at once instead of spacing them out' }],
  ['routes[].limit_req.key', { description: 'what is limited: ip, route or header:NAME. Default ip' }],
  ['routes[].limit_conn.per_ip', { description: 'concurrent connections per client IP' }],
  ['routes[].limit_conn.total', { description: 'concurrent connections for the whole route' }],
  ['routes[].auth.htpasswd', { description: 'htpasswd file (as written by the htpasswd tool), relative to the config file' }],
]);
