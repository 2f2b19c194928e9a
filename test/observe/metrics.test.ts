// The Prometheus metrics as a scraper sees them: traffic counted per route/upstream/method/
// status class with bounded labels, peer and instance state read at scrape time, guard
// rejections and reloads from the event bus, on a registry of our own (never the global one).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, register as globalRegistry } from 'prom-client';
import { ConfigLoader } from '../../src/config/load.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import { EventBus } from '../../src/observe/events.js';
import { Metrics } from '../../src/observe/metrics.js';
import type { AppStatus } from '../../src/supervise/status.js';
import { program, promtoolCheck, record, samples, valueOf } from './support.js';

const CONFIG = `
upstreams:
  books:
    servers:
      - address: 127.0.0.1:9001
      - address: 127.0.0.1:9002
        max_fails: 1
routes:
  - path: /api/books
    proxy: books
`;

function setup(apps: AppStatus[] = []) {
  const snapshot = new ConfigLoader({}).fromText('/nowhere/wharf.yaml', CONFIG);
  const pools = new PoolDirectory();
  pools.reconcile(snapshot);
  const events = new EventBus();
  const metrics = new Metrics(new Registry(), { pools, events, apps: () => apps, configHash: () => snapshot.hash, openConnections: () => 7 });
  return { snapshot, pools, events, metrics };
}

describe('Metrics', () => {
  test('requests by route, upstream, method and status class; durations and bytes', async () => {
    const { metrics } = setup();
    for (let i = 0; i < 3; i++) metrics.record(record({ status: 200, bytesIn: 10, bytesOut: 1000, durationMs: 20, upstreamMs: 15 }));
    metrics.record(record({ method: 'POST', status: 502 }));
    metrics.record(record({ route: '', pool: '', status: 404, tries: [], upstreamMs: 0 }));
    const text = await metrics.scrape();
    assert.equal(valueOf(text, 'wharf_http_requests_total', { route: '/api/books', upstream: 'books', method: 'GET', code: '2xx' }), 3);
    assert.equal(valueOf(text, 'wharf_http_requests_total', { route: '/api/books', upstream: 'books', method: 'POST', code: '5xx' }), 1);
    // No route matched and no upstream: the "-" label value.
    assert.equal(valueOf(text, 'wharf_http_requests_total', { route: '-', upstream: '-', code: '4xx' }), 1);
    assert.equal(valueOf(text, 'wharf_http_request_duration_seconds_count', { route: '/api/books', upstream: 'books' }), 4);
    assert.equal(valueOf(text, 'wharf_http_request_duration_seconds_bucket', { route: '/api/books', upstream: 'books', le: '0.025' }), 4);
    assert.equal(valueOf(text, 'wharf_http_request_duration_seconds_bucket', { route: '/api/books', upstream: 'books', le: '0.01' }), 0);
    // Upstream time, per upstream, only for exchanges that reached one.
    assert.equal(valueOf(text, 'wharf_upstream_response_duration_seconds_count', { upstream: 'books' }), 4);
    assert.equal(valueOf(text, 'wharf_upstream_response_duration_seconds_count', { upstream: '-' }), undefined);
    assert.ok(Math.abs(valueOf(text, 'wharf_upstream_response_duration_seconds_sum', { upstream: 'books' })! - 0.055) < 1e-9);
    assert.equal(valueOf(text, 'wharf_http_received_bytes_total', { route: '/api/books' }), 30);
    assert.equal(valueOf(text, 'wharf_http_sent_bytes_total', { route: '/api/books' }), 3100);
    assert.equal(valueOf(text, 'wharf_open_connections'), 7);
  });

  test('label values stay bounded: no raw paths, client addresses or invented methods', async () => {
    const { metrics } = setup();
    for (let i = 0; i < 50; i++) metrics.record(record({ method: `M${i}`, url: `/api/books/${i}`, clientIp: `10.0.0.${i}`, status: 999 }));
    const text = await metrics.scrape();
    assert.equal(valueOf(text, 'wharf_http_requests_total', { method: 'OTHER', code: 'other' }), 50);
    assert.ok(!text.includes('10.0.0.'), 'a client address became a label');
    assert.ok(!text.includes('/api/books/'), 'a raw path became a label');
    assert.equal(samples(text).filter((s) => s.name === 'wharf_http_requests_total').length, 1);
  });

  test('retries, WebSocket sessions, guard rejections and reloads', async () => {
    const { metrics, events } = setup();
    metrics.record(record({ tries: [{ peer: 'a', status: 0, error: 'ECONNREFUSED', ms: 1 }, { peer: 'b', status: 0, error: 'ECONNREFUSED', ms: 1 }, { peer: 'c', status: 200, ms: 3 }] }));
    metrics.record(record({ status: 101, upgraded: true, durationMs: 60_000 }));
    events.emit('reject', { route: '/api/books', reason: 'rate_limited', status: 429 });
    events.emit('reject', { route: '/api/books', reason: 'rate_limited', status: 429 });
    events.emit('reject', { route: '/api/books', reason: 'access_denied', status: 403 });
    events.emit('reload', { ok: true, hash: 'abc' });
    events.emit('reload', { ok: false, errors: ['bad'] });
    events.emit('reload', { ok: false, errors: ['bad'] });
    const text = await metrics.scrape();
    assert.equal(valueOf(text, 'wharf_upstream_retries_total', { route: '/api/books', upstream: 'books' }), 2);
    assert.equal(valueOf(text, 'wharf_websocket_sessions_total', { route: '/api/books' }), 1);
    // A minute-long WebSocket session is no request latency.
    assert.equal(valueOf(text, 'wharf_http_request_duration_seconds_count', { route: '/api/books' }), 1);
    assert.equal(valueOf(text, 'wharf_guard_rejections_total', { route: '/api/books', reason: 'rate_limited' }), 2);
    assert.equal(valueOf(text, 'wharf_guard_rejections_total', { route: '/api/books', reason: 'access_denied' }), 1);
    assert.equal(valueOf(text, 'wharf_config_reloads_total', { result: 'success' }), 1);
    assert.equal(valueOf(text, 'wharf_config_reloads_total', { result: 'failure' }), 2);
    assert.ok(valueOf(text, 'wharf_config_last_reload_timestamp_seconds', { result: 'failure' })! > Date.now() / 1000 - 60);
  });

  test('the config hash being served is a label of wharf_config_info', async () => {
    const { metrics, snapshot } = setup();
    const text = await metrics.scrape();
    assert.equal(valueOf(text, 'wharf_config_info', { hash: snapshot.hash }), 1);
  });

  test('peer health, in-flight and failures are read from the live pools at scrape time', async () => {
    const { metrics, pools } = setup();
    const pool = pools.get('books')!;
    const [first, second] = pool.peers;
    const picked = pool.select({ clientIp: '1.2.3.4' }, new Set())!;
    pool.release(second!, { ok: false });
    pool.markHealth(first!, false);
    const text = await metrics.scrape();
    assert.equal(valueOf(text, 'wharf_upstream_peer_healthy', { upstream: 'books', peer: first!.address }), 0);
    assert.equal(valueOf(text, 'wharf_upstream_peer_healthy', { upstream: 'books', peer: second!.address }), 1);
    assert.equal(valueOf(text, 'wharf_upstream_peer_in_flight', { upstream: 'books', peer: picked.address }), 1);
    assert.equal(valueOf(text, 'wharf_upstream_peer_fails', { upstream: 'books', peer: second!.address }), 1);
    assert.equal(valueOf(text, 'wharf_upstream_peer_failures_total', { upstream: 'books', peer: second!.address }), 1);
    // First unhealthy, second benched by max_fails=1: nothing can take requests.
    assert.equal(valueOf(text, 'wharf_upstream_available_peers', { upstream: 'books' }), 0);
    pool.markHealth(first!, true);
    assert.equal(valueOf(await metrics.scrape(), 'wharf_upstream_available_peers', { upstream: 'books' }), 1);
  });

  test('per-instance process metrics for every supervised instance', async () => {
    const base = { port: 4000, ready: true, restarts: 0, startedAt: Date.now() - 5000, uptimeMs: 5000, rssBytes: 30e6, cpuSeconds: 1.5 };
    const apps: AppStatus[] = [
      {
        name: 'books',
        instances: [
          { ...base, id: 0, pid: 100, state: 'ready' },
          { ...base, id: 1, pid: null, state: 'fatal', ready: false, restarts: 4, uptimeMs: 0, rssBytes: 0, cpuSeconds: 0 },
        ],
      },
    ];
    const { metrics } = setup(apps);
    const text = await metrics.scrape();
    assert.equal(valueOf(text, 'wharf_instance_resident_memory_bytes', { app: 'books', id: '0' }), 30e6);
    assert.equal(valueOf(text, 'wharf_instance_cpu_seconds_total', { app: 'books', id: '0' }), 1.5);
    assert.equal(valueOf(text, 'wharf_instance_uptime_seconds', { app: 'books', id: '0' }), 5);
    assert.equal(valueOf(text, 'wharf_instance_restarts_total', { app: 'books', id: '1' }), 4);
    assert.equal(valueOf(text, 'wharf_instance_state', { app: 'books', id: '1', state: 'fatal' }), 1);
    assert.equal(valueOf(text, 'wharf_instance_state', { app: 'books', id: '1', state: 'ready' }), 0);
    assert.equal(valueOf(text, 'wharf_instance_ready', { app: 'books', id: '0' }), 1);
    // Prometheus owns the `instance` label; ours is `id`.
    assert.ok(samples(text).every((s) => !('instance' in s.labels)));
  });

  test("wharf's own process: CPU, memory and event-loop lag", async () => {
    const { metrics } = setup();
    const text = await metrics.scrape();
    assert.ok(valueOf(text, 'wharf_process_cpu_seconds_total')! > 0);
    assert.ok(valueOf(text, 'wharf_process_resident_memory_bytes')! > 1e6);
    assert.ok(valueOf(text, 'wharf_nodejs_memory_bytes', { area: 'heap_used' })! > 1e5);
    assert.ok(valueOf(text, 'wharf_eventloop_lag_seconds', { stat: 'p99' })! >= 0);
    metrics.stop();
  });

  test('two Metrics on two registries stay apart and leave the global registry empty', async () => {
    const a = setup();
    const b = setup();
    a.metrics.record(record());
    assert.equal(valueOf(await a.metrics.scrape(), 'wharf_http_requests_total', { route: '/api/books' }), 1);
    assert.equal(valueOf(await b.metrics.scrape(), 'wharf_http_requests_total', { route: '/api/books' }), undefined);
    assert.equal((await globalRegistry.getMetricsAsJSON()).filter((m) => m.name.startsWith('wharf_')).length, 0);
    a.metrics.stop();
    b.metrics.stop();
  });

  test('the exposition passes promtool check metrics', async (t) => {
    const promtool = program(t, '/usr/bin/promtool');
    if (!promtool) return;
    const { metrics, events } = setup([{ name: 'books', instances: [{ id: 0, pid: 1, port: 1, state: 'ready', ready: true, restarts: 0, startedAt: 0, uptimeMs: 1, rssBytes: 1, cpuSeconds: 1 }] }]);
    metrics.record(record());
    metrics.record(record({ tries: [{ peer: 'a', status: 502, ms: 1 }, { peer: 'b', status: 200, ms: 1 }], upgraded: true }));
    events.emit('reject', { route: '/api/books', reason: 'rate_limited', status: 429 });
    const result = await promtoolCheck(promtool, await metrics.scrape());
    assert.equal(result.code, 0, result.output);
    metrics.stop();
  });
});
