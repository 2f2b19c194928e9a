// What a near-empty config means: the defaults from normalize.ts, resolved and absolute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { lines, snapshotOf } from './load-helpers.js';

const minimal = lines(
  'upstreams:',
  '  api:',
  '    servers: [127.0.0.1:9001]',
  'apps:',
  '  web:',
  '    command: node server.js --port "$PORT"',
  'routes:',
  '  - path: /api',
  '    proxy: api',
  '  - redirect: { to: "https://example.com/" }',
);

test('edge-wide defaults', () => {
  const s = snapshotOf('', {}, '/srv/site/wharf.yaml');
  assert.deepEqual(s.listen, [{ host: '127.0.0.1', port: 8080, tls: undefined, http2: true }]);
  assert.deepEqual(s.control, { host: '127.0.0.1', port: 9901, token: '', public: ['metrics', 'health'], hosts: [], tls: undefined });
  assert.equal(s.accessLog, 'stdout');
  assert.equal(s.accessLogFormat, 'combined');
  assert.equal(s.logLevel, 'info');
  assert.deepEqual(s.trustedProxies, []);
  assert.deepEqual(s.timeouts, {
    clientHeaderMs: 10_000, clientBodyMs: 60_000, keepaliveMs: 75_000, upstreamConnectMs: 5000, upstreamReadMs: 60_000, shutdownMs: 30_000, startupMs: 60_000,
  });
  assert.equal(s.maxHeaderSize, 16 * 1024);
  assert.equal(s.maxGuardKeys, 100_000);
  assert.equal(s.baseDir, '/srv/site');
  assert.equal(s.stateDir, '/srv/site/.wharf');
  assert.equal(s.routes.length, 0);
  assert.equal(s.hash.length, 12);
});

test('upstream and server defaults follow nginx', () => {
  const api = snapshotOf(minimal, {}, '/srv/site/wharf.yaml').upstreams.get('api')!;
  assert.equal(api.balance, 'round_robin');
  assert.equal(api.hashKey, 'ip');
  assert.equal(api.keepalive, 64);
  assert.equal(api.retries, 1);
  assert.equal(api.connectTimeoutMs, 5000, 'falls back to timeouts.upstream_connect');
  assert.equal(api.readTimeoutMs, 60_000, 'falls back to timeouts.upstream_read');
  assert.equal(api.health, undefined);
  assert.deepEqual(api.servers, [
    { address: '127.0.0.1:9001', weight: 1, maxFails: 1, failTimeoutMs: 10_000, backup: false, down: false, maxConns: 0, slowStartMs: 0 },
  ]);
});

test('edge-wide upstream timeouts apply to pools that set none', () => {
  const s = snapshotOf(lines('timeouts: { upstream_connect: 2s, upstream_read: 30s }', 'upstreams:', '  api:', '    read_timeout: 90s', '    servers: [127.0.0.1:9001]'));
  assert.equal(s.upstreams.get('api')!.connectTimeoutMs, 2000);
  assert.equal(s.upstreams.get('api')!.readTimeoutMs, 90_000);
});

test('app defaults', () => {
  const web = snapshotOf(minimal, {}, '/srv/site/wharf.yaml').apps.get('web')!;
  assert.deepEqual(web.argv, ['node', 'server.js', '--port', '$PORT']);
  assert.equal(web.cwd, '/srv/site');
  assert.deepEqual(web.env, {});
  assert.equal(web.instances, 1);
  assert.equal(web.port, 'auto');
  assert.equal(web.restart, 'always');
  assert.equal(web.waitReady, false);
  assert.equal(web.startTimeoutMs, 30_000);
  assert.equal(web.onStartTimeout, 'restart');
  assert.equal(web.minUptimeMs, 1000);
  assert.equal(web.maxRestarts, 15);
  assert.equal(web.restartWindowMs, 60_000);
  assert.equal(web.stopSignal, 'SIGTERM');
  assert.equal(web.stopTimeoutMs, 10_000);
  assert.equal(web.maxMemory, 0);
  assert.deepEqual(web.logs, { dir: '/srv/site/logs', maxSize: 10 * 1024 * 1024, keep: 5 });
});

test('instances: max is one per CPU; health defaults differ for readiness and liveness', () => {
  const web = snapshotOf(lines('apps:', '  web:', '    command: [node, server.js]', '    instances: max', '    health: { path: /healthz }', '    liveness: {}')).apps.get('web')!;
  assert.equal(web.instances, availableParallelism());
  assert.deepEqual(web.health, {
    type: 'http', path: '/healthz', intervalMs: 1000, timeoutMs: 1000, fails: 1, passes: 1, statusMin: 200, statusMax: 399, body: undefined,
  });
  assert.equal(web.liveness!.intervalMs, 5000);
  assert.equal(web.liveness!.fails, 3);
});

test('route defaults', () => {
  const [api, redirect] = snapshotOf(minimal, {}, '/srv/site/wharf.yaml').routes;
  assert.deepEqual(api!.action, { kind: 'proxy', pool: 'api', stripPrefix: false });
  assert.deepEqual(api!.listeners, []);
  assert.equal(api!.name, '/api');
  assert.deepEqual(api!.hosts, []);
  assert.equal(api!.maxBody, 0);
  assert.equal(api!.limitRate, 0);
  assert.equal(api!.limitReq, undefined);
  assert.deepEqual(redirect!.action, { kind: 'redirect', to: 'https://example.com/', status: 301 });
  assert.equal(redirect!.path, '/');
});

test('limit_conn and auth defaults; relative paths resolve against the config directory', () => {
  const s = snapshotOf(lines('access_log: logs/access.log', 'routes:', '  - host: API.Example.com', '    static: /', '    limit_conn: { per_ip: 5 }'), {}, '/srv/site/wharf.yaml');
  assert.equal(s.accessLog, '/srv/site/logs/access.log');
  assert.deepEqual(s.routes[0]!.limitConn, { perIp: 5, total: 0, status: 503 });
  assert.deepEqual(s.routes[0]!.hosts, ['api.example.com']);
  assert.equal(s.routes[0]!.name, 'api.example.com/');
});
