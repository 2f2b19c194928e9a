// HTTP checks against real loopback servers: Consul's verdicts without a rule, the configured
// range and body pattern with one, and connection failures and timeouts as critical.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { probeHttp } from '../../src/checks/http-probe.js';
import { startBackend, skipMissing, type Backend } from '../helpers/backends.js';
import { makeCert, opensslAvailable } from '../edge/certs.js';

const servers: { close(): Promise<void> | void }[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

/** Answers /status/N with N and body "status N"; /hang never answers. */
async function statusServer(): Promise<Backend> {
  const backend = await startBackend('s', (req, res) => {
    if (req.url === '/hang') return;
    const code = Number(/^\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(`status ${code}`);
  });
  servers.push(backend);
  return backend;
}

describe('probeHttp', () => {
  test("Consul's rule: 2xx passing, 429 warning, anything else critical", async () => {
    const s = await statusServer();
    const verdict = async (code: number) => (await probeHttp({ host: '127.0.0.1', port: s.port, path: `/status/${code}` }, 1000)).status;
    assert.equal(await verdict(200), 'passing');
    assert.equal(await verdict(204), 'passing');
    assert.equal(await verdict(299), 'passing');
    assert.equal(await verdict(429), 'warning');
    assert.equal(await verdict(500), 'critical');
    assert.equal(await verdict(503), 'critical');
    assert.equal(await verdict(301), 'critical');
    assert.equal(await verdict(404), 'critical');
    const result = await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/500' }, 1000);
    assert.equal(result.output, 'GET /status/500 returned 500');
  });

  test('a rule decides by its status range and body pattern instead', async () => {
    const s = await statusServer();
    const rule = { statusMin: 200, statusMax: 399 };
    assert.equal((await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/302' }, 1000, rule)).status, 'passing');
    assert.equal((await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/429' }, 1000, rule)).status, 'critical');
    assert.equal((await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/400' }, 1000, rule)).status, 'critical');
    const matching = await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/200' }, 1000, { ...rule, body: /^status 2/ });
    assert.equal(matching.status, 'passing');
    const mismatch = await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/201' }, 1000, { ...rule, body: /^ok/ });
    assert.deepEqual(mismatch, { status: 'critical', output: 'GET /status/201 body does not match /^ok/' });
  });

  test('a refused connection and a server that never answers are critical', async () => {
    const s = await statusServer();
    const port = s.port;
    const refusedPort = await (async () => {
      const gone = await startBackend('gone');
      const p = gone.port;
      await gone.close();
      return p;
    })();
    const refused = await probeHttp({ host: '127.0.0.1', port: refusedPort, path: '/' }, 1000);
    assert.equal(refused.status, 'critical');
    assert.match(refused.output, /ECONNREFUSED/);
    const hung = await probeHttp({ host: '127.0.0.1', port, path: '/hang' }, 150);
    assert.deepEqual(hung, { status: 'critical', output: 'GET /hang: no answer within 150ms' });
  });

  test('method and headers are sent as given; Host defaults to host:port', async () => {
    const s = await statusServer();
    await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/200' }, 1000);
    await probeHttp({ host: '127.0.0.1', port: s.port, path: '/status/204', method: 'HEAD', headers: { host: 'api.test', 'x-check': 'yes' } }, 1000);
    const [plain, custom] = s.seen;
    assert.equal(plain!.method, 'GET');
    assert.equal(plain!.headers.host, `127.0.0.1:${s.port}`);
    assert.equal(plain!.headers['user-agent'], 'wharf-health-check');
    assert.equal(custom!.method, 'HEAD');
    assert.equal(custom!.headers.host, 'api.test');
    assert.equal(custom!.headers['x-check'], 'yes');
  });

  test('https: a self-signed certificate fails unless tlsSkipVerify', async (t) => {
    if (!opensslAvailable()) return skipMissing(t, 'openssl');
    const dir = mkdtempSync(join(tmpdir(), 'wharf-checks-'));
    const pair = makeCert(dir, 'site', ['localhost']);
    const server = createHttpsServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); rmSync(dir, { recursive: true, force: true }); }) });
    const port = (server.address() as AddressInfo).port;
    const strict = await probeHttp({ host: '127.0.0.1', port, path: '/', tls: true }, 1000);
    assert.equal(strict.status, 'critical');
    const skipping = await probeHttp({ host: '127.0.0.1', port, path: '/', tls: true, tlsSkipVerify: true }, 1000);
    assert.equal(skipping.status, 'passing');
    const plainToTls = await probeHttp({ host: '127.0.0.1', port, path: '/' }, 300);
    assert.equal(plainToTls.status, 'critical', 'plain HTTP to a TLS port does not pass');
  });
});
