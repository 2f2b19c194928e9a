// Routes are matched on the decoded, normalized path (as nginx matches locations), so an
// encoded or dotted spelling of a protected prefix still gets that prefix's rules.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { portOf, rawExchange } from './raw-http.js';

describe('path normalization before routing', () => {
  let backend: Backend;
  let w: RunningWharf;
  let port: number;

  before(async () => {
    backend = await startBackend('app');
    w = await startWharf(`${LOOPBACK}access_log: off
upstreams:
  app: { servers: [${backend.address}] }
routes:
  - path: /admin
    proxy: app
    access: [ "deny all" ]
  - path: /
    proxy: app
`);
    port = portOf(w.baseUrl);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  const statusOf = async (target: string) => (await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`)).status;

  test('the plain prefix is refused and other paths pass', async () => {
    assert.equal(await statusOf('/admin/users'), 403);
    assert.equal(await statusOf('/public/page'), 200);
  });

  for (const target of ['/%61dmin/users', '/%61%64%6D%69%6E', '/public/../admin/users', '/x/%2e%2e/admin', '//admin', '/./admin/', '/public/%2e%2e%2fadmin', '/admin;x', '/admin%3Bx/users', '/admin;a=b/../admin/x', '/x/..;y/admin']) {
    test(`${target} is matched as /admin`, async () => {
      const seen = backend.seen.length;
      assert.equal(await statusOf(target), 403);
      assert.equal(backend.seen.length, seen);
    });
  }

  test('a path that climbs above the root is 400 and never forwarded', async () => {
    const seen = backend.seen.length;
    for (const target of ['/../a', '/a/../../g', '/a/%2e%2e/..%2F..', '/a;x/../..;y/b']) assert.equal(await statusOf(target), 400, target);
    assert.equal(backend.seen.length, seen);
  });

  test('TRACE is refused with 405, as nginx does', async () => {
    const seen = backend.seen.length;
    assert.equal((await rawExchange(port, 'TRACE /public HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n')).status, 405);
    assert.equal(backend.seen.length, seen);
  });

  test('a broken escape or an encoded NUL is 400', async () => {
    assert.equal(await statusOf('/a%zz'), 400);
    assert.equal(await statusOf('/a%2'), 400);
    assert.equal(await statusOf('/a%00b'), 400);
  });

  test('escapes that are not UTF-8 are still routed, and the upstream gets the path as sent', async () => {
    const seen = backend.seen.length;
    assert.equal(await statusOf('/files/caf%E9?x=%zz'), 200);
    assert.equal(backend.seen[seen]?.url, '/files/caf%E9?x=%zz');
  });
});
