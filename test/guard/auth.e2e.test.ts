// Basic auth through a running wharf, with htpasswd files re-read on reload.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessRecords, startStack, type Stack } from './e2e-support.js';
import { skipMissing } from '../helpers/backends.js';

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

const USERS = [
  'alice:$2y$04$lnjBSccCK3bLtS0.ZYbqHetzDwn86oP7b9C49L0iJ.1J9/z1Hq/vu', // 'pa:ss wörd'
  'carol:$apr1$Q9r/x.Aa$.OQwM4emdsIJ.vqM4szXZ/', // 'correct horse'
  'grace:{SHA}L55TUjtiq8FBorTWAZ0jy6g129A=', // 'correct horse'
].join('\n') + '\n';

describe('Basic auth through wharf', () => {
  let stack: Stack;
  const routes = `  - path: /private
    proxy: backend
    auth: { htpasswd: users.htpasswd, realm: "Back office" }`;
  before(async () => {
    stack = await startStack(routes, { files: { 'users.htpasswd': USERS } });
  });
  after(async () => stack?.close());

  test('without credentials: 401 with WWW-Authenticate, nothing proxied', async () => {
    const seenBefore = stack.backend.seen.length;
    const reply = await stack.get('/private/a');
    assert.equal(reply.status, 401);
    assert.equal(reply.headers['www-authenticate'], 'Basic realm="Back office"');
    assert.equal((await stack.get('/private/a', basic('carol', 'wrong'))).status, 401);
    assert.equal(stack.backend.seen.length, seenBefore);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(accessRecords(stack.wharf).some((r) => r.status === 401 && r.reason === 'unauthorized'));
  });

  test('bcrypt, apr1 and SHA users get through with their passwords', async () => {
    assert.equal((await stack.get('/private/a', basic('alice', 'pa:ss wörd'))).status, 200);
    assert.equal((await stack.get('/private/a', basic('alice', 'pa:ss wörd'))).status, 200, 'again, from the cache');
    assert.equal((await stack.get('/private/a', basic('carol', 'correct horse'))).status, 200);
    assert.equal((await stack.get('/private/a', basic('grace', 'correct horse'))).status, 200);
  });

  test('a user added with Apache htpasswd works after a reload', async (t) => {
    if (spawnSync('htpasswd', ['-h']).error) {
      skipMissing(t, 'htpasswd (apache2-utils)');
      return;
    }
    const file = join(stack.wharf.dir, 'users.htpasswd');
    assert.equal((await stack.get('/private/a', basic('dan', 'n3w pass'))).status, 401);
    const run = spawnSync('htpasswd', ['-b', '-B', '-C', '4', file, 'dan', 'n3w pass'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal((await stack.get('/private/a', basic('dan', 'n3w pass'))).status, 401, 'not before the reload');
    await stack.wharf.reload();
    assert.equal((await stack.get('/private/a', basic('dan', 'n3w pass'))).status, 200);
    // Removing a user takes effect on reload too, even for credentials verified before.
    writeFileSync(file, USERS.split('\n').filter((line) => !line.startsWith('alice:')).join('\n'));
    await stack.wharf.reload();
    assert.equal((await stack.get('/private/a', basic('alice', 'pa:ss wörd'))).status, 401);
  });

  test('a reload with an unreadable htpasswd entry is rejected and the old users keep working', async () => {
    const file = join(stack.wharf.dir, 'users.htpasswd');
    writeFileSync(file, `${USERS}legacy:abJnggxhB/yWI\n`);
    await assert.rejects(stack.wharf.reload(), /users\.htpasswd:4:1/);
    assert.equal((await stack.get('/private/a', basic('carol', 'correct horse'))).status, 200);
    writeFileSync(file, USERS);
  });

});
