import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigLoader } from '../../src/config/load.js';
import type { Snapshot } from '../../src/config/model.js';
import { buildGuards, runGuards } from '../../src/guard/chain.js';
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

  test('an htpasswd file that became unreadable makes the build fail (the old config keeps serving)', () => {
    const broken = { ...route('/guarded'), auth: { htpasswd: join(dir, 'gone'), realm: 'x' } };
    assert.throws(() => buildGuards(broken, deps()), { code: 'WHARF_HTPASSWD_UNREADABLE' });
  });
});
