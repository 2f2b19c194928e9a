import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigLoader } from '../../src/config/load.js';
import type { Snapshot } from '../../src/config/model.js';
import { buildGuards, runGuards } from '../../src/guard/chain.js';
import type { Guard, Verdict } from '../../src/guard/guard.js';
import { LimitStore } from '../../src/guard/limit-store.js';
import { guardRequest } from './guard-request.js';

describe('buildGuards from a loaded config', () => {
  let dir = '';
  let snapshot: Snapshot;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-chain-'));
    writeFileSync(join(dir, 'users'), 'grace:{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=\n');
    const yaml = [
      'upstreams: { api: { servers: [ { address: 127.0.0.1:9 } ] } }',
      'limits: { max_keys: 500 }',
      'routes:',
      '  - path: /open',
      '    proxy: api',
      '  - path: /guarded',
      '    proxy: api',
      '    access: [ "deny 192.0.2.66", "allow all" ]',
      '    limit_req: { rate: 1r/s, burst: 1, nodelay: true }',
      '    limit_conn: { per_ip: 10 }',
      '    auth: { htpasswd: users, realm: Team }',
      '    max_body: 1k',
      '',
    ].join('\n');
    snapshot = new ConfigLoader({}).fromText(join(dir, 'wharf.yaml'), yaml);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const route = (path: string) => snapshot.routes.find((r) => r.path === path)!;
  const deps = () => ({ maxKeys: snapshot.maxGuardKeys });

  test('a route without guard keys gets no guards', () => {
    assert.deepEqual(buildGuards(route('/open'), deps()), []);
  });

  test('guards come in order: access, limit_req, limit_conn, auth, max_body', () => {
    assert.deepEqual(buildGuards(route('/guarded'), deps()).map((g) => g.name), ['access', 'limit_req', 'limit_conn', 'auth', 'max_body']);
  });

  test('the first rejection wins; a denied client spends no rate budget', async () => {
    const guards = buildGuards(route('/guarded'), deps());
    const authorization = `Basic ${Buffer.from('grace:correct horse').toString('base64')}`;
    assert.equal((await runGuards(guards, guardRequest('192.0.2.66', { authorization })))?.reason, 'access_denied');
    assert.equal(await runGuards(guards, guardRequest('192.0.2.1', { authorization })), undefined);
    assert.equal((await runGuards(guards, guardRequest('192.0.2.1', {})))?.reason, 'unauthorized', 'within the burst, then auth decides');
    assert.equal((await runGuards(guards, guardRequest('192.0.2.1', { authorization })))?.reason, 'rate_limited', 'failed logins count against limit_req');
    const big = guardRequest('192.0.2.2', { authorization, 'content-length': '2048' }, 'POST');
    assert.equal((await runGuards(guards, big))?.reason, 'body_too_large');
  });

  test('each build has its own state (a reload starts with fresh buckets)', () => {
    const first = buildGuards(route('/guarded'), deps());
    const second = buildGuards(route('/guarded'), deps());
    const limitReq = (guards: typeof first) => guards.find((g) => g.name === 'limit_req')!;
    limitReq(first).admit(guardRequest('192.0.2.1'));
    limitReq(first).admit(guardRequest('192.0.2.1'));
    assert.equal((limitReq(first).admit(guardRequest('192.0.2.1')) as { status: number } | undefined)?.status, 429);
    assert.equal(limitReq(second).admit(guardRequest('192.0.2.1')), undefined);
  });

  test('an empty access list or a limit_conn without limits adds no guard (nothing to run per request)', () => {
    const inert = { ...route('/open'), access: [], limitConn: { perIp: 0, total: 0, status: 503 } };
    assert.deepEqual(buildGuards(inert, deps()), []);
    const perIpOnly = { ...route('/open'), limitConn: { perIp: 1, total: 0, status: 503 } };
    const totalOnly = { ...route('/open'), limitConn: { perIp: 0, total: 1, status: 503 } };
    assert.deepEqual([perIpOnly, totalOnly].map((r) => buildGuards(r, deps()).map((g) => g.name)), [['limit_conn'], ['limit_conn']]);
  });

  test('a request held by limit_req goes on through the later guards once released', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const held = { ...route('/open'), limitReq: { rate: 10, burst: 5, nodelay: false, delay: 0, key: 'ip', status: 429 }, maxBody: 10 };
    const guards = buildGuards(held, deps());
    const small = () => guardRequest('192.0.2.1', { 'content-length': '5' }, 'POST');
    assert.equal(runGuards(guards, small()), undefined, 'the first passes at once');
    const big = runGuards(guards, guardRequest('192.0.2.1', { 'content-length': '50' }, 'POST'));
    const next = runGuards(guards, small());
    assert.ok(big instanceof Promise && next instanceof Promise, 'both are held');
    const settled: unknown[] = [];
    void big.then((v) => settled.push(v?.reason));
    void next.then((v) => settled.push(v));
    t.mock.timers.tick(100);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(settled, ['body_too_large'], 'released after one slot, then max_body refuses it');
    t.mock.timers.tick(100);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(settled, ['body_too_large', undefined]);
  });

  test('through a limit store, a reload keeps each route\'s limit state, and no two routes ever share it', () => {
    const store = new LimitStore();
    const guarded = route('/guarded');
    const routes = [
      guarded,
      { ...guarded, path: '/other' },
      { ...guarded, hosts: ['a.test', 'b.test'] },
      { ...guarded, hosts: ['a.testb.test'] },
    ];
    const build = () => {
      const lease = store.lease();
      const built = routes.map((r) => buildGuards(r, { maxKeys: snapshot.maxGuardKeys, limits: lease }));
      store.adopt(lease);
      return built;
    };
    const limits = (built: Guard[][], name: string) => built.map((guards) => guards.find((g) => g.name === name)!);
    const first = build();
    const second = build();
    for (const name of ['limit_req', 'limit_conn']) {
      assert.deepEqual(limits(second, name), limits(first, name), `${name}: a reload gets the same guards back`);
      assert.equal(new Set(limits(first, name)).size, routes.length, `${name}: one guard per route`);
    }
    assert.equal(store.size, 2 * routes.length);
  });

  test('a guard that answers later with a rejection: the rejection stands and later guards are not asked', async () => {
    const asked: string[] = [];
    const guard = (name: string, verdict: () => Verdict | Promise<Verdict>): Guard => ({
      name,
      admit: () => {
        asked.push(name);
        return verdict();
      },
    });
    const refusal = { status: 401, reason: 'unauthorized' } as Verdict;
    const guards = [guard('auth', () => Promise.resolve(refusal)), guard('next', () => undefined)];
    assert.equal(await runGuards(guards, guardRequest('192.0.2.1')), refusal);
    assert.deepEqual(asked, ['auth']);
  });

  test('an htpasswd file that became unreadable makes the build fail (the old config keeps serving)', () => {
    const broken = { ...route('/guarded'), auth: { htpasswd: join(dir, 'gone'), realm: 'x' } };
    assert.throws(() => buildGuards(broken, deps()), { code: 'WHARF_HTPASSWD_UNREADABLE' });
  });
});
