// A real Prometheus server scrapes a running wharf every second; its query API must return our
// series with the values the test caused: request counts, guard rejections, instance state.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { APP_FILES, program, supervisedApps, waitFor } from '../observe/support.js';

const REQUESTS = 25;
const REJECTED = 4;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

describe('Prometheus scrapes wharf', () => {
  let backend: Backend;
  let w: RunningWharf;
  let prometheus: ChildProcess | undefined;
  let promDir = '';
  let promUrl = '';
  let promLog = '';

  before(async () => {
    backend = await startBackend('b1');
    w = await startWharf(
      `${LOOPBACK}
upstreams:
  books:
    servers: [${backend.address}]
${supervisedApps({ web: 2 })}routes:
  - path: /api/books
    proxy: books
  - path: /private
    proxy: books
    access: [ "deny all" ]
`,
      APP_FILES,
    );
    for (let i = 0; i < REQUESTS; i++) assert.equal((await fetch(`${w.baseUrl}/api/books/${i}`)).status, 200);
    for (let i = 0; i < REJECTED; i++) assert.equal((await fetch(`${w.baseUrl}/private`)).status, 403);
  });

  after(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
    }
    if (promDir) await rm(promDir, { recursive: true, force: true });
    await w?.stop();
    await backend?.close();
  });

  async function startPrometheus(t: TestContext): Promise<boolean> {
    const binary = program(t, '/usr/bin/prometheus');
    if (!binary) return false;
    promDir = await mkdtemp(join(tmpdir(), 'wharf-prom-'));
    const control = new URL(w.controlUrl);
    await writeFile(
      join(promDir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: wharf
    metrics_path: /metrics
    static_configs:
      - targets: ['${control.host}']
`,
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      binary,
      [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (promLog += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (promLog += chunk.toString()));
    return true;
  }

  async function query(expr: string): Promise<Vector[]> {
    const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; data: { resultType: string; result: Vector[] } };
    assert.equal(body.status, 'success');
    return body.data.result;
  }

  /** Waits until `expr` returns exactly `expected` (one series), then returns its labels. */
  async function expectValue(expr: string, expected: number): Promise<Record<string, string>> {
    let last: Vector[] = [];
    try {
      await waitFor(
        expr,
        async () => {
          last = await query(expr);
          return last.length === 1 && Number(last[0]!.value[1]) === expected;
        },
        20_000,
        250,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last result ${JSON.stringify(last)}\n${promLog.slice(-2000)}`);
    }
    return last[0]!.metric;
  }

  test('the query API returns our series with the values of the traffic sent', async (t) => {
    if (!(await startPrometheus(t))) return;
    await expectValue('up{job="wharf"}', 1);
    const labels = await expectValue('wharf_http_requests_total{route="/api/books",code="2xx"}', REQUESTS);
    assert.equal(labels.upstream, 'books');
    assert.equal(labels.method, 'GET');
    await expectValue('sum(wharf_http_request_duration_seconds_count{route="/api/books"})', REQUESTS);
    await expectValue('wharf_guard_rejections_total{route="/private",reason="access_denied"}', REJECTED);
    await expectValue('count(wharf_instance_state{app="web",state="ready"} == 1)', 2);
    await expectValue('sum(wharf_upstream_peer_requests_total{upstream="books"})', REQUESTS);
    const info = await query('wharf_config_info');
    assert.equal(info[0]?.metric.hash, w.wharf.snapshot.hash);
  });
});
