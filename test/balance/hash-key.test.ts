import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashKeyReader } from '../../src/balance/hash-key.js';

const valueOf = (key: string, req: Parameters<ReturnType<typeof hashKeyReader>>[0], clientIp: string) => hashKeyReader(key)(req, clientIp);

const req = {
  url: '/books/42?page=3&Lang=en',
  headers: { 'x-user': 'alice', cookie: 'theme=dark; session=s-123', 'x-multi': ['1', '2'] },
};

describe('hash_key values', () => {
  test('each key kind reads its part of the request', () => {
    assert.equal(valueOf('ip', req, '10.0.0.7'), '10.0.0.7');
    assert.equal(valueOf('uri', req, ''), '/books/42?page=3&Lang=en');
    assert.equal(valueOf('path', req, ''), '/books/42');
    assert.equal(valueOf('header:X-User', req, ''), 'alice');
    assert.equal(valueOf('header:x-multi', req, ''), '1, 2');
    assert.equal(valueOf('cookie:session', req, ''), 's-123');
    assert.equal(valueOf('arg:page', req, ''), '3');
    assert.equal(valueOf('arg:lang', req, ''), 'en', 'argument names match case-insensitively, like nginx');
  });

  test('a missing value is undefined (the pool then uses round robin)', () => {
    assert.equal(valueOf('header:x-none', req, ''), undefined);
    assert.equal(valueOf('cookie:none', req, ''), undefined);
    assert.equal(valueOf('arg:none', req, ''), undefined);
    assert.equal(valueOf('arg:page', { url: '/', headers: {} }, ''), undefined);
  });

  test('a value is read exactly: the whole path without a query, empty values missing, cookie values trimmed', () => {
    assert.equal(valueOf('path', { url: '/books/42', headers: {} }, ''), '/books/42');
    assert.equal(valueOf('header:x-empty', { url: '/', headers: { 'x-empty': '' } }, ''), undefined, 'an empty header is no key');
    assert.equal(valueOf('cookie:session', { url: '/', headers: { cookie: 'session=s-123 ; theme=dark' } }, ''), 's-123');
  });

  test('parts without "=" name nothing: a cookie or argument is only matched by its own name', () => {
    // "sessions" and "pages" have no "=": skipped whole, not cut short to a name that matches.
    assert.equal(valueOf('cookie:session', { url: '/', headers: { cookie: 'sessions; session=s-1' } }, ''), 's-1');
    assert.equal(valueOf('arg:page', { url: '/list?pages&page=3', headers: {} }, ''), '3');
    assert.equal(valueOf('arg:page', { url: '/list?page&lang=en', headers: {} }, ''), undefined, 'an argument without a value is no key');
    assert.equal(valueOf('arg:page', { url: '/list&page=3', headers: {} }, ''), undefined, 'no "?": no arguments at all');
  });

  test('an unknown key kind is rejected with a code, naming the key', () => {
    assert.throws(() => hashKeyReader('body:x'), { code: 'WHARF_HASH_KEY', message: 'unknown hash_key "body:x"' });
    for (const key of ['headers', 'cookies', 'args']) assert.throws(() => hashKeyReader(key), { code: 'WHARF_HASH_KEY' }, key);
  });
});
