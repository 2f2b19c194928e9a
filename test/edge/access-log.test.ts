// The access log: nginx's combined line for every exchange (proxied or answered by wharf),
// and a log file that can be renamed and reopened (logrotate + SIGUSR1).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { portOf, rawExchange } from './raw-http.js';

// $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
const COMBINED = /^(\S+) - (\S+) \[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/;

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = find();
    if (found !== undefined) return found;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('access log, combined format on stdout', () => {
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    backend = await startBackend('logged', (_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('created!');
    });
    w = await startWharf(`${LOOPBACK}upstreams:
  logged: { servers: [${backend.address}] }
routes:
  - { path: /api, proxy: logged }
`);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  test('a proxied request is one nginx combined line', async () => {
    const res = await fetch(`${w.baseUrl}/api/things?x=1&y=2`, { method: 'POST', body: 'abc', headers: { referer: 'http://ref.test/page', 'user-agent': 'test-agent/1.0' } });
    assert.equal(res.status, 201);
    assert.equal(await res.text(), 'created!');
    const line = await waitFor(() => w.accessLines.find((l) => l.includes('/api/things')), 'the access-log line');
    const m = COMBINED.exec(line);
    assert.ok(m, `not a combined line: ${line}`);
    const [, addr, user, time, request, status, bytes, referer, agent] = m;
    assert.equal(addr, '127.0.0.1');
    assert.equal(user, '-');
    const logged = Date.parse(time!.replace(/^(\d{2})\/(\w{3})\/(\d{4}):(\S+) (\S+)$/, '$2 $1 $3 $4 $5'));
    assert.ok(Math.abs(logged - Date.now()) < 60_000, `time ${time} is not now`);
    assert.equal(request, 'POST /api/things?x=1&y=2 HTTP/1.1');
    assert.equal(status, '201');
    assert.equal(bytes, String('created!'.length));
    assert.equal(referer, 'http://ref.test/page');
    assert.equal(agent, 'test-agent/1.0');
  });

  test('answers wharf gives itself are logged too, with their body size; missing fields are "-"', async () => {
    const res = await fetch(`${w.baseUrl}/no/such/route`, { headers: { 'user-agent': '' } });
    const body = await res.text();
    assert.equal(res.status, 404);
    const line = await waitFor(() => w.accessLines.find((l) => l.includes('/no/such/route')), 'the 404 line');
    const m = COMBINED.exec(line);
    assert.ok(m, `not a combined line: ${line}`);
    assert.equal(m[5], '404');
    assert.equal(m[6], String(Buffer.byteLength(body)));
    assert.equal(m[7], '-');
  });

  test('a request the edge refuses to route (a broken escape) is logged as 400', async () => {
    const answer = await rawExchange(portOf(w.baseUrl), 'GET /refused%zz HTTP/1.1\r\nHost: a.test\r\n\r\n');
    assert.equal(answer.status, 400);
    assert.ok(answer.closed);
    const line = await waitFor(() => w.accessLines.find((l) => l.includes('/refused%zz')), 'the 400 line');
    const m = COMBINED.exec(line);
    assert.ok(m, `not a combined line: ${line}`);
    assert.equal(m[4], 'GET /refused%zz HTTP/1.1');
    assert.equal(m[5], '400');
  });

  test('quotes and control characters in logged fields are escaped', async () => {
    await (await fetch(`${w.baseUrl}/api/escape`, { headers: { 'user-agent': 'evil" "agent\\' } })).text();
    const line = await waitFor(() => w.accessLines.find((l) => l.includes('/api/escape')), 'the line');
    assert.ok(COMBINED.test(line), line);
    assert.ok(line.endsWith('"evil\\x22 \\x22agent\\x5C"'), line);
  });
});

describe('access log file, reopened after a rename', () => {
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    backend = await startBackend('rotated');
    w = await startWharf(`${LOOPBACK}access_log: logs/access.log
upstreams:
  rotated: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: rotated }
`, { files: { 'logs/.keep': '' } });
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  test('lines before the rename stay in the renamed file, later ones go to a new file', async () => {
    const file = join(w.dir, 'logs', 'access.log');
    const rotated = join(w.dir, 'logs', 'access.log.1');
    for (const path of ['/before-1', '/before-2']) await (await fetch(`${w.baseUrl}${path}`)).text();
    await waitFor(() => (existsSync(file) && readFileSync(file, 'utf8').includes('/before-2') ? true : undefined), 'the first lines on disk');
    renameSync(file, rotated);
    w.wharf.reopenLogs();
    for (const path of ['/after-1', '/after-2']) await (await fetch(`${w.baseUrl}${path}`)).text();
    const fresh = await waitFor(() => (existsSync(file) && readFileSync(file, 'utf8').includes('/after-2') ? readFileSync(file, 'utf8') : undefined), 'lines in the new file');
    const old = readFileSync(rotated, 'utf8');
    assert.match(old, /GET \/before-1 /);
    assert.match(old, /GET \/before-2 /);
    assert.doesNotMatch(old, /after-/);
    assert.doesNotMatch(fresh, /before-/);
    const lines = fresh.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) assert.match(line, COMBINED);
  });
});
