// The router: host first (exact, then *.suffix longest first, then any host), then the
// longest path prefix that ends on a segment boundary; nothing matching is undefined (404).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, hostOf } from '../../src/edge/router.js';

interface R {
  readonly id: string;
  readonly hosts: readonly string[];
  readonly path: string;
}

const r = (id: string, path: string, ...hosts: string[]): R => ({ id, path, hosts });
const idOf = (router: Router<R>, host: string, path: string) => router.match(host, path)?.id;

describe('router: path prefixes', () => {
  const router = new Router([r('root', '/'), r('api', '/api'), r('books', '/api/books'), r('slash', '/docs/')]);

  test('the longest prefix wins', () => {
    assert.equal(idOf(router, '', '/api/books/42'), 'books');
    assert.equal(idOf(router, '', '/api/authors'), 'api');
    assert.equal(idOf(router, '', '/other'), 'root');
  });

  test('a prefix matches only on a segment boundary', () => {
    assert.equal(idOf(router, '', '/api'), 'api');
    assert.equal(idOf(router, '', '/api/'), 'api');
    assert.equal(idOf(router, '', '/apix'), 'root');
    assert.equal(idOf(router, '', '/api/booksellers'), 'api');
    assert.equal(idOf(router, '', '/api/books'), 'books');
  });

  test('a configured trailing slash matches the bare segment and below', () => {
    assert.equal(idOf(router, '', '/docs'), 'slash');
    assert.equal(idOf(router, '', '/docs/intro'), 'slash');
    assert.equal(idOf(router, '', '/docsx'), 'root');
  });

  test('no route for the path is undefined (the edge answers 404)', () => {
    const narrow = new Router([r('api', '/api')]);
    assert.equal(idOf(narrow, '', '/'), undefined);
    assert.equal(idOf(narrow, '', '/ap'), undefined);
    assert.equal(idOf(narrow, 'x.test', '/apix/1'), undefined);
    assert.equal(idOf(new Router<R>([]), '', '/'), undefined);
  });

  test('the first of two routes with the same host and path wins', () => {
    const dup = new Router([r('first', '/a'), r('second', '/a/')]);
    assert.equal(idOf(dup, '', '/a/b'), 'first');
  });
});

describe('router: hosts', () => {
  const router = new Router([
    r('exact', '/', 'api.example.com'),
    r('exact-admin', '/admin', 'api.example.com'),
    r('wild', '/', '*.example.com'),
    r('deep-wild', '/', '*.eu.example.com'),
    r('multi', '/', 'a.test', 'b.test'),
    r('any', '/'),
    r('any-static', '/static'),
  ]);

  test('an exact host beats a wildcard, which beats routes without a host', () => {
    assert.equal(idOf(router, 'api.example.com', '/x'), 'exact');
    assert.equal(idOf(router, 'api.example.com', '/admin/users'), 'exact-admin');
    assert.equal(idOf(router, 'www.example.com', '/x'), 'wild');
    assert.equal(idOf(router, 'other.test', '/x'), 'any');
  });

  test('the longest wildcard suffix wins and wildcards match several labels', () => {
    assert.equal(idOf(router, 'fr.eu.example.com', '/'), 'deep-wild');
    assert.equal(idOf(router, 'a.b.example.com', '/'), 'wild');
  });

  test('*.example.com does not match example.com itself', () => {
    assert.equal(idOf(router, 'example.com', '/'), 'any');
  });

  test('a route may list several hosts', () => {
    assert.equal(idOf(router, 'a.test', '/'), 'multi');
    assert.equal(idOf(router, 'b.test', '/'), 'multi');
  });

  test('a host whose routes have no matching path falls back to routes without a host', () => {
    const narrow = new Router([r('api-only', '/api', 'api.test'), r('any', '/')]);
    assert.equal(idOf(narrow, 'api.test', '/api/x'), 'api-only');
    assert.equal(idOf(narrow, 'api.test', '/other'), 'any');
    const none = new Router([r('api-only', '/api', 'api.test')]);
    assert.equal(idOf(none, 'api.test', '/other'), undefined);
    assert.equal(idOf(none, 'other.test', '/api'), undefined);
  });

  test('host "*" is the same as no host', () => {
    const star = new Router([r('star', '/', '*')]);
    assert.equal(idOf(star, 'anything.test', '/a'), 'star');
    assert.equal(idOf(star, '', '/a'), 'star');
  });
});

describe('router: hostOf', () => {
  test('lowercases and drops the port', () => {
    assert.equal(hostOf('API.Example.com:8443'), 'api.example.com');
    assert.equal(hostOf('a.test'), 'a.test');
    assert.equal(hostOf(undefined), '');
    assert.equal(hostOf(''), '');
  });

  test('keeps IPv6 literals whole', () => {
    assert.equal(hostOf('[::1]:8080'), '[::1]');
    assert.equal(hostOf('[::1]'), '[::1]');
  });

  test('ignores the trailing dot of a fully qualified name', () => {
    assert.equal(hostOf('a.test.'), 'a.test');
    assert.equal(hostOf('A.Test.:80'), 'a.test');
  });
});

describe('router: 5,000 routes', () => {
  const routes: R[] = [];
  for (let i = 0; i < 1000; i++) routes.push(r(`svc${i}`, `/svc${i}`));
  for (let i = 0; i < 1000; i++) routes.push(r(`svc${i}-v2`, `/svc${i}/v2`));
  for (let i = 0; i < 1000; i++) routes.push(r(`h${i}`, '/', `host${i}.test`));
  for (let i = 0; i < 1000; i++) routes.push(r(`h${i}-api`, `/api/${i}`, `host${i}.test`));
  for (let i = 0; i < 1000; i++) routes.push(r(`w${i}`, '/', `*.zone${i}.test`));
  const router = new Router(routes);

  test('every route is found by its own host and path, and deeper paths find their prefix', () => {
    assert.equal(routes.length, 5000);
    for (let i = 0; i < 1000; i++) {
      assert.equal(idOf(router, 'nohost.test', `/svc${i}`), `svc${i}`);
      assert.equal(idOf(router, 'nohost.test', `/svc${i}/items/7`), `svc${i}`);
      assert.equal(idOf(router, 'nohost.test', `/svc${i}/v2/items`), `svc${i}-v2`);
      assert.equal(idOf(router, 'nohost.test', `/svc${i}x`), undefined);
      assert.equal(idOf(router, `host${i}.test`, '/anything'), `h${i}`);
      assert.equal(idOf(router, `host${i}.test`, `/api/${i}/x`), `h${i}-api`);
      // Another host's API path is only the catch-all of this host.
      assert.equal(idOf(router, `host${i}.test`, `/api/${(i + 1) % 1000}`), `h${i}`);
      assert.equal(idOf(router, `a.zone${i}.test`, '/x'), `w${i}`);
    }
  });

  test('a miss in all 5,000 is undefined', () => {
    assert.equal(idOf(router, 'nowhere.test', '/nothing'), undefined);
    assert.equal(idOf(router, 'zone1.test', '/'), undefined);
  });
});
