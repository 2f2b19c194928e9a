import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicAuthGuard } from '../../src/guard/basic-auth.js';
import { guardRequest } from './guard-request.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('Basic auth guard', () => {
  let dir = '';
  let file = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-auth-'));
    file = join(dir, 'users');
    writeFileSync(file, [
      'alice:$2y$04$lnjBSccCK3bLtS0.ZYbqHetzDwn86oP7b9C49L0iJ.1J9/z1Hq/vu', // 'pa:ss wörd'
      'carol:$apr1$Q9r/x.Aa$.OQwM4emdsIJ.vqM4szXZ/', // 'correct horse'
      'grace:{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=', // 'correct horse'
    ].join('\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const admit = (guard: BasicAuthGuard, authorization?: string) =>
    guard.admit(guardRequest('192.0.2.1', authorization === undefined ? {} : { authorization }));

  test('no credentials: 401 unauthorized with WWW-Authenticate naming the realm', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'Staff "only"' });
    const verdict = await admit(guard);
    assert.equal(verdict?.status, 401);
    assert.equal(verdict?.reason, 'unauthorized');
    assert.equal(verdict?.headers?.['www-authenticate'], 'Basic realm="Staff \\"only\\""');
  });

  test('right credentials pass for bcrypt, apr1 and SHA users; wrong ones get 401', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'r' });
    assert.equal(await admit(guard, basic('alice', 'pa:ss wörd')), undefined);
    assert.equal(await admit(guard, basic('carol', 'correct horse')), undefined);
    assert.equal(await admit(guard, `basic ${Buffer.from('grace:correct horse').toString('base64')}`), undefined, 'the scheme is case-insensitive');
    for (const header of [basic('alice', 'pa:ss'), basic('carol', 'correct'), basic('grace', ''), basic('mallory', 'correct horse'),
      'Basic', 'Basic !!!', `Basic ${Buffer.from('no colon').toString('base64')}`, 'Bearer abc']) {
      assert.equal((await admit(guard, header))?.status, 401, header);
    }
  });

  test('a verified credential is remembered: the next check answers without waiting for bcrypt', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'r' });
    const first = admit(guard, basic('alice', 'pa:ss wörd'));
    assert.ok(first instanceof Promise, 'bcrypt is checked asynchronously');
    assert.equal(await first, undefined);
    assert.equal(admit(guard, basic('alice', 'pa:ss wörd')), undefined, 'answered synchronously from the cache');
    const wrong = admit(guard, basic('alice', 'nope'));
    assert.ok(wrong instanceof Promise, 'a different password is checked again');
    assert.equal((await wrong)?.status, 401);
  });

  test('concurrent checks of the same credentials all get the answer', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'r' });
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => admit(guard, basic('alice', 'pa:ss wörd'))));
    assert.ok(verdicts.every((v) => v === undefined));
  });

  test('a cached credential expires after its TTL; the check after that caches it again', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'r', cacheTtlMs: 30 });
    assert.equal(await admit(guard, basic('alice', 'pa:ss wörd')), undefined);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const again = admit(guard, basic('alice', 'pa:ss wörd'));
    assert.ok(again instanceof Promise);
    assert.equal(await again, undefined);
    assert.equal(admit(guard, basic('alice', 'pa:ss wörd')), undefined, 'answered from the cache again');
  });

  test('the cache keeps up to cacheSize credentials (1024 by default), forgetting the oldest first', async () => {
    const alice = basic('alice', 'pa:ss wörd');
    const small = new BasicAuthGuard({ htpasswd: file, realm: 'r', cacheSize: 1 });
    assert.equal(await admit(small, alice), undefined);
    assert.equal(admit(small, alice), undefined, 'cached');
    assert.equal(await admit(small, basic('carol', 'correct horse')), undefined); // takes the only slot
    assert.ok(admit(small, alice) instanceof Promise, 'alice was forgotten: bcrypt again');
    const roomy = new BasicAuthGuard({ htpasswd: file, realm: 'r' });
    assert.equal(await admit(roomy, alice), undefined);
    assert.equal(await admit(roomy, basic('carol', 'correct horse')), undefined);
    assert.equal(admit(roomy, alice), undefined, 'both fit by default');
  });

  test('extra spaces after the scheme are the same credentials', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'r' });
    const token = Buffer.from('alice:pa:ss wörd').toString('base64');
    assert.equal(await admit(guard, `Basic ${token}`), undefined);
    assert.equal(admit(guard, `Basic   ${token}`), undefined, 'answered from the cache');
  });

  test('the guard is named auth; another scheme carrying Basic credentials is refused', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'r' });
    assert.equal(guard.name, 'auth');
    const token = Buffer.from('grace:correct horse').toString('base64');
    assert.equal((await admit(guard, `Bearer ${token}`))?.status, 401);
  });

  test('credentials without a colon are refused, even when they would read as user + password', async () => {
    const users = join(dir, 'ab');
    writeFileSync(users, 'ab:{SHA}qZk+NkcGgWq6PiVxeFDCbJzQ2J0=\n'); // password 'abc'
    const guard = new BasicAuthGuard({ htpasswd: users, realm: 'r' });
    assert.equal(await admit(guard, basic('ab', 'abc')), undefined);
    assert.equal((await admit(guard, `Basic ${Buffer.from('abc').toString('base64')}`))?.status, 401);
  });

  test('concurrent checks of the same wrong credentials all get 401', async () => {
    const guard = new BasicAuthGuard({ htpasswd: file, realm: 'r' });
    const verdicts = await Promise.all(Array.from({ length: 5 }, () => admit(guard, basic('alice', 'wrong'))));
    assert.deepEqual(verdicts.map((v) => v?.status), [401, 401, 401, 401, 401]);
  });

  test('a bcrypt entry bcrypt cannot use (cost 03) is a 401, not an error', async () => {
    const badFile = join(dir, 'bad-cost');
    writeFileSync(badFile, `zed:$2y$03$${'a'.repeat(53)}\n`);
    const guard = new BasicAuthGuard({ htpasswd: badFile, realm: 'r' });
    assert.equal((await admit(guard, basic('zed', 'x')))?.status, 401);
  });

  test('the file is read again when guards are rebuilt (config reload)', async () => {
    const reloadFile = join(dir, 'reloaded');
    writeFileSync(reloadFile, 'grace:{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=\n');
    const old = new BasicAuthGuard({ htpasswd: reloadFile, realm: 'r' });
    writeFileSync(reloadFile, 'carol:$apr1$Q9r/x.Aa$.OQwM4emdsIJ.vqM4szXZ/\n');
    assert.equal(await admit(old, basic('grace', 'correct horse')), undefined, 'a built guard keeps the file it read');
    const rebuilt = new BasicAuthGuard({ htpasswd: reloadFile, realm: 'r' });
    assert.equal((await admit(rebuilt, basic('grace', 'correct horse')))?.status, 401);
    assert.equal(await admit(rebuilt, basic('carol', 'correct horse')), undefined);
  });
});
