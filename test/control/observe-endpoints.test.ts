// The observability endpoints of a running wharf: /metrics after real traffic (exact counts,
// promtool-clean), /api/status with per-route live rates, /api/history, and the dashboard's
// files served by wharf itself with ETags.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { program, promtoolCheck, valueOf, waitFor } from '../observe/support.js';

describe('observability endpoints', () => {
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    backend = await startBackend('b1', (req, res) => {
      req.resume();
      req.on('end', () => {
        const status = req.url?.includes('fail') ? 500 : 200;
        res.writeHead(status, { 'content-type': 'text/plain' }).end('x'.repeat(100));
      });
    });
    w = await startWharf(`${LOOPBACK}
upstreams:
  books:
    servers: [${backend.address}]
routes:
  - path: /api/books
    proxy: books
  - path: /limited
    proxy: books
    access: [ "deny 127.0.0.1", "allow all" ]
  - path: /
    static: ./public
`, { files: { 'public/index.html': '<h1>hi</h1>' } });
    for (let i = 0; i < 7; i++) assert.equal((await fetch(`${w.baseUrl}/api/books/${i}`)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${w.baseUrl}/api/books/fail`, { method: 'POST', body: 'hello' })).status, 500);
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${w.baseUrl}/limited/x`)).status, 403);
    assert.equal((await fetch(`${w.baseUrl}/`)).status, 200);
    // A static file's last byte can reach the client before its stream has ended in wharf,
    // which is when the exchange is counted.
    await waitFor('the static request counted', async () => {
      const text = await (await fetch(`${w.controlUrl}/metrics`)).text();
      return valueOf(text, 'wharf_http_requests_total', { route: '/', upstream: '-', method: 'GET', code: '2xx' }) === 1 || undefined;
    });
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  test('/metrics counts the requests sent, by route, upstream, method and status class', async () => {
    const response = await fetch(`${w.controlUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.equal(valueOf(text, 'wharf_http_requests_total', { route: '/api/books', upstream: 'books', method: 'GET', code: '2xx' }), 7);
    assert.equal(valueOf(text, 'wharf_http_requests_total', { route: '/api/books', upstream: 'books', method: 'POST', code: '5xx' }), 3);
    assert.equal(valueOf(text, 'wharf_http_requests_total', { route: '/', upstream: '-', method: 'GET', code: '2xx' }), 1);
    assert.equal(valueOf(text, 'wharf_guard_rejections_total', { route: '/limited', reason: 'access_denied' }), 2);
    assert.equal(valueOf(text, 'wharf_http_received_bytes_total', { route: '/api/books', upstream: 'books' }), 15);
    assert.equal(valueOf(text, 'wharf_http_sent_bytes_total', { route: '/api/books', upstream: 'books' }), 1000);
    assert.equal(valueOf(text, 'wharf_http_request_duration_seconds_count', { route: '/api/books', upstream: 'books' }), 10);
    assert.equal(valueOf(text, 'wharf_upstream_peer_requests_total', { upstream: 'books', peer: backend.address }), 10);
    assert.equal(valueOf(text, 'wharf_config_info', { hash: w.wharf.snapshot.hash }), 1);
    assert.ok(!text.includes('/api/books/1'), 'a raw path became a label value');
  });

  test('a live /metrics after traffic passes promtool check metrics', async (t) => {
    const promtool = program(t, '/usr/bin/promtool');
    if (!promtool) return;
    const result = await promtoolCheck(promtool, await (await fetch(`${w.controlUrl}/metrics`)).text());
    assert.equal(result.code, 0, result.output);
  });

  test('/api/status keeps the contract shape and adds per-route live rates', async () => {
    const status = (await (await w.control('/api/status')).json()) as {
      apps: unknown[];
      upstreams: { name: string; balance: string; servers: { address: string; weight: number; backup: boolean; healthy: boolean; active: number }[] }[];
      routes: { name: string; rate: { rps: number; error_rate: number; p99_ms: number | null } }[];
      totals: { rps: number; window_seconds: number };
    };
    assert.deepEqual(status.apps, []);
    const books = status.upstreams.find((u) => u.name === 'books')!;
    assert.deepEqual(Object.keys(books.servers[0]!).filter((k) => ['address', 'weight', 'backup', 'healthy', 'active'].includes(k)).sort(), ['active', 'address', 'backup', 'healthy', 'weight']);
    const route = status.routes.find((r) => r.name === '/api/books')!;
    assert.ok(route.rate.rps > 0);
    assert.equal(route.rate.error_rate, 0.3);
    assert.equal(typeof route.rate.p99_ms, 'number');
    assert.equal(status.routes.find((r) => r.name === '/limited')!.rate.error_rate, 0);
    assert.ok(status.totals.rps > 0);
    assert.equal(status.totals.window_seconds, 10);
  });

  test('/api/history has the last seconds of totals for the charts', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100 - (Date.now() % 1000)));
    const history = (await (await w.control('/api/history?seconds=30')).json()) as { start: number; step: number; rps: number[]; errors: number[] };
    // Only seconds since wharf started, at most the 30 asked for.
    assert.ok(history.rps.length >= 1 && history.rps.length <= 30);
    assert.equal(history.start + history.rps.length * 1000, Math.floor(Date.now() / 1000) * 1000);
    assert.equal(history.step, 1000);
    assert.equal(history.rps.reduce((a, b) => a + b, 0), 13);
    assert.equal(history.errors.reduce((a, b) => a + b, 0), 3);
  });

  test('the dashboard and its files come from wharf, with ETags and 304s', async () => {
    const page = await w.control('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /<title>wharf<\/title>/);
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 2, `assets: ${assets.join(', ')}`);
    const modules = ['chart.js', 'dom.js', 'control-api.js', 'apps-view.js', 'upstreams-view.js'].map((name) => `/dashboard/${name}`);
    for (const path of [...assets, ...modules]) {
      const response = await w.control(path);
      assert.equal(response.status, 200, path);
      const etag = response.headers.get('etag');
      assert.ok(etag, `${path} has no ETag`);
      const body = await response.text();
      // Nothing loaded from elsewhere: no absolute URLs to other hosts.
      assert.doesNotMatch(body, /(?:src|href|import)[^\n]*["'](?:https?:)?\/\//, `${path} loads something from another host`);
      const again = await w.control(path, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304, path);
    }
    assert.equal((await w.control('/dashboard/nope.js')).status, 404);
    assert.equal((await w.control('/dashboard/../wharf.yaml')).status, 404);
  });
});
