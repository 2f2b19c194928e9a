// The control address answers no stranger: a foreign Host (DNS rebinding), a foreign Origin
// (a cross-site page), a request without the token (every read too, not only changes), a
// browser session without the anti-forgery header. The token is generated owner-only when the
// config sets none, and every change or refusal is audited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { makeCert, opensslAvailable } from '../edge/certs.js';
import { interopRequired } from '../helpers/backends.js';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startWharf, LOOPBACK, type RunningWharf } from '../helpers/wharf.js';
import { APP_FILES, supervisedApps, waitFor } from '../observe/support.js';
import type { AuditEvent } from '../../src/observe/events.js';

const CONFIG = `${LOOPBACK}${supervisedApps({ web: 1 })}routes:
  - path: /
    proxy: web
`;

/** A raw request: undici lets a test set Host and Origin as an attacker's browser would. */
async function send(w: RunningWharf, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await request(`${w.controlUrl}${path}`, { method: (options.method ?? 'GET') as 'GET', headers: options.headers, body: options.body });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

describe('control API security (default config: no token configured)', () => {
  let w: RunningWharf;
  const audit: AuditEvent[] = [];
  let pid: number | undefined;
  const bearer = () => ({ authorization: `Bearer ${w.controlToken}` });

  before(async () => {
    w = await startWharf(CONFIG, APP_FILES);
    w.wharf.events.on('audit', (entry) => audit.push(entry));
    pid = await waitFor('web ready', () => w.wharf.supervisor.status()[0]?.instances.find((i) => i.ready)?.pid);
  });
  after(() => w.stop());

  const stillRunning = () => assert.equal(w.wharf.supervisor.status()[0]?.instances.find((i) => i.ready)?.pid, pid, 'the app kept running, same pid');

  test('a token is generated into state_dir/control.token, owner-only, and required', async () => {
    const file = join(w.dir, '.wharf', 'control.token');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await readFile(file, 'utf8')).trim(), w.controlToken);
    assert.ok(w.controlToken.length >= 32);
    assert.equal((await send(w, '/api/status', { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await send(w, '/api/status', { headers: bearer() })).status, 200);
  });

  test('every read needs the token: status, logs, events, history, alerts, dashboard data', async () => {
    for (const path of ['/api/status', '/api/apps/web/logs', '/api/events', '/api/history', '/api/alerts', '/dashboard/app.js']) {
      const answer = await send(w, path);
      assert.equal(answer.status, 401, path);
      assert.doesNotMatch(answer.text, /web instance|"apps"/, `${path} leaks nothing`);
    }
    const page = await send(w, '/');
    assert.equal(page.status, 401);
    assert.match(page.text, /wharf dashboard/, 'the browser gets the login page');
  });

  test('metrics and health are public by default, and nothing else', async () => {
    assert.equal((await send(w, '/metrics')).status, 200);
    assert.equal((await send(w, '/healthz')).status, 200);
    assert.equal((await send(w, '/metrics', { method: 'POST' })).status, 401);
  });

  test('a foreign Host is refused, reads and writes alike (DNS rebinding)', async () => {
    const port = new URL(w.controlUrl).port;
    for (const method of ['GET', 'POST']) {
      const answer = await send(w, method === 'GET' ? '/api/status' : '/api/apps/web/stop', { method, headers: { ...bearer(), host: `evil.example:${port}` } });
      assert.equal(answer.status, 421, method);
      assert.match(answer.text, /WHARF_HOST_REFUSED/);
    }
    stillRunning();
    assert.equal((await send(w, '/api/status', { headers: { ...bearer(), host: `localhost:${port}` } })).status, 200);
    assert.equal((await send(w, '/api/status', { headers: { ...bearer(), host: `[::1]:${port}` } })).status, 200);
  });

  test('a cross-site POST is refused even with a valid session, and the app keeps running', async () => {
    const login = await send(w, '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(w.controlToken)}` });
    assert.equal(login.status, 303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const port = new URL(w.controlUrl).port;
    const forged = await send(w, '/api/apps/web/stop', { method: 'POST', headers: { cookie, origin: 'http://evil.example', 'content-type': 'text/plain', host: `127.0.0.1:${port}` }, body: 'x' });
    assert.equal(forged.status, 403);
    assert.match(forged.text, /WHARF_ORIGIN_REFUSED/);
    // Same origin, but without the header a cross-site form cannot set.
    const noHeader = await send(w, '/api/apps/web/stop', { method: 'POST', headers: { cookie } });
    assert.equal(noHeader.status, 403);
    assert.match(noHeader.text, /WHARF_CSRF/);
    stillRunning();
    // The dashboard's own request: same origin, the session and the header.
    const own = await send(w, '/api/status', { headers: { cookie, origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` } });
    assert.equal(own.status, 200);
  });

  test('a one-time login link works once', async () => {
    const link = JSON.parse((await send(w, '/api/login-link', { method: 'POST', headers: bearer() })).text) as { path: string };
    const first = await send(w, link.path);
    assert.equal(first.status, 303);
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal((await send(w, '/api/status', { headers: { cookie: cookie.split(';')[0]! } })).status, 200);
    assert.equal((await send(w, link.path)).status, 401, 'a used link is refused');
    assert.equal((await send(w, '/api/login-link', { method: 'POST' })).status, 401, 'links need the token');
  });

  test('the Consul-style API refuses without a token with 403, as Consul ACLs do', async () => {
    const answer = await send(w, '/v1/agent/services');
    assert.equal(answer.status, 403);
  });

  test('changes and refusals are audited with client, verb, target and result', async () => {
    audit.length = 0;
    assert.equal((await send(w, '/api/apps/web/restart', { method: 'POST', headers: { authorization: 'Bearer nope' } })).status, 401);
    assert.equal((await send(w, '/api/apps/nope/restart', { method: 'POST', headers: bearer() })).status, 404);
    await waitFor('two audit entries', () => audit.length >= 2 || undefined);
    const [refused, failed] = audit;
    assert.deepEqual(
      { client: refused!.client, method: refused!.method, target: refused!.target, status: refused!.status, outcome: refused!.outcome },
      { client: '127.0.0.1', method: 'POST', target: 'web', status: 401, outcome: 'refused' },
    );
    assert.deepEqual({ target: failed!.target, status: failed!.status, outcome: failed!.outcome, via: failed!.via }, { target: 'nope', status: 404, outcome: 'failed', via: 'token' });
  });
});

describe('control API settings', () => {
  test('control.public: [] closes /metrics; control.hosts admits a name; a configured token writes no file', async () => {
    const w = await startWharf(`listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0, token: t0ken-from-config, public: [], hosts: [wharf.internal] }
`);
    try {
      assert.equal((await send(w, '/metrics')).status, 401);
      assert.equal((await send(w, '/metrics', { headers: { authorization: 'Bearer t0ken-from-config' } })).status, 200);
      assert.equal((await send(w, '/api/status', { headers: { authorization: 'Bearer t0ken-from-config', host: 'wharf.internal:9' } })).status, 200);
      assert.equal((await send(w, '/api/status', { headers: { authorization: 'Bearer t0ken-from-config', host: 'other.internal' } })).status, 421);
      await assert.rejects(stat(join(w.dir, '.wharf', 'control.token')));
    } finally {
      await w.stop();
    }
  });

  test('a restarted wharf keeps the generated token', async () => {
    const first = await startWharf(LOOPBACK);
    const token = first.controlToken;
    await first.wharf.shutdown();
    const second = await startWharf(LOOPBACK, { dir: first.dir });
    try {
      assert.equal(second.controlToken, token);
    } finally {
      await second.stop();
      await first.stop();
    }
  });

  test('control.tls serves the control API over HTTPS only', async (t) => {
    if (!opensslAvailable()) {
      if (interopRequired()) throw new Error('openssl is required (WHARF_REQUIRE_INTEROP is set)');
      return t.skip('openssl is not installed');
    }
    const dir = await mkdtemp(join(tmpdir(), 'wharf-control-tls-'));
    const pair = makeCert(dir, 'control', ['localhost']);
    const w = await startWharf(`listen: [127.0.0.1:0]\ncontrol: { address: 127.0.0.1:0, tls: { cert: ${pair.cert}, key: ${pair.key} } }\n`, { dir });
    const dispatcher = new Agent({ connect: { ca: await readFile(pair.cert), servername: 'localhost' } });
    try {
      const port = w.wharf.controlAddress().port;
      const secure = await request(`https://localhost:${port}/api/status`, { dispatcher, headers: { authorization: `Bearer ${w.controlToken}` } });
      assert.equal(secure.statusCode, 200);
      assert.match(await secure.body.text(), /"apps"/);
      await assert.rejects(request(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `Bearer ${w.controlToken}` }, headersTimeout: 5000 }).then((r) => r.body.text()));
    } finally {
      await dispatcher.close();
      await w.stop();
    }
  });
});
