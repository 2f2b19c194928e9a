// The static handler's path parser on its own: whatever the file system would say, it refuses
// "." and ".." segments in every spelling, NUL and backslash, and dotfiles, and decodes once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestPath } from '../../../src/edge/static/request-path.js';

const refusal = (encoded: string) => {
  const parsed = parseRequestPath(encoded);
  return parsed.ok ? undefined : parsed.code;
};

describe('static request paths', () => {
  for (const encoded of ['/%2e%2e/secret.txt', '/%2E%2E/x', '/..%2fsecret.txt', '/a/%2e%2e%2f%2e%2e%2fb', '/.%2e/x', '/%2e/x', '/a/..', '/./a', '/a/.']) {
    test(`${encoded}: a dot segment is refused by the parser itself`, () => {
      assert.equal(refusal(encoded), 'STATIC_UNSAFE_PATH');
    });
  }

  test('NUL and backslash (raw or encoded) are unsafe', () => {
    for (const encoded of ['/a%00b', '/a%5cb', '/a\\b']) assert.equal(refusal(encoded), 'STATIC_UNSAFE_PATH', encoded);
  });

  test('malformed or non-UTF-8 escapes are bad encoding', () => {
    for (const encoded of ['/a%zz', '/a%2', '/%c0%ae%c0%ae/x', '/caf%E9']) assert.equal(refusal(encoded), 'STATIC_BAD_ENCODING', encoded);
  });

  test('dotfiles and dot-directories are hidden; .well-known is published', () => {
    for (const encoded of ['/.env', '/.git/config', '/a/.htpasswd', '/%2egit/config', '/...']) assert.equal(refusal(encoded), 'STATIC_HIDDEN_PATH', encoded);
    assert.deepEqual(parseRequestPath('/.well-known/security.txt'), { ok: true, segments: ['.well-known', 'security.txt'], trailingSlash: false });
  });

  test('segments are decoded exactly once; empty segments collapse; a trailing slash is kept apart', () => {
    assert.deepEqual(parseRequestPath('/a%20b//c%252e%252e/'), { ok: true, segments: ['a b', 'c%2e%2e'], trailingSlash: true });
    assert.deepEqual(parseRequestPath('/'), { ok: true, segments: [], trailingSlash: true });
    assert.deepEqual(parseRequestPath('/a.b/c..d'), { ok: true, segments: ['a.b', 'c..d'], trailingSlash: false });
    assert.deepEqual(parseRequestPath('/%2fetc%2fpasswd'), { ok: true, segments: ['etc', 'passwd'], trailingSlash: false });
  });
});
