import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashKeyReader, hashValueOf } from '../../src/balance/hash-key.js';

const req = {
  url: '/books/42?page=3&Lang=en',
  headers: { 'x-user': 'alice', cookie: 'theme=dark; session=s-123', 'x-multi': ['1', '2'] },
};

describe('hash_key values', () => {
  test('each key kind reads its part of the request', () => {
    assert.equal(hashValueOf('ip', req, '10.0.0.7'), '10.0.0.7');
    assert.equal(hashValueOf('uri', req, ''), '/books/42?page=3&Lang=en');
    assert.equal(hashValueOf('path', req, ''), '/books/42');
    assert.equal(hashValueOf('header:X-User', req, ''), 'alice');
    assert.equal(hashValueOf('header:x-multi', req, ''), '1, 2');
    assert.equal(hashValueOf('cookie:session', req, ''), 's-123');
    assert.equal(hashValueOf('arg:page', req, ''), '3');
    assert.equal(hashValueOf('arg:lang', req, ''), 'en', 'argument names match case-insensitively, like nginx');
  });

  test('a missing value is undefined (the pool then uses round robin)', () => {
    assert.equal(hashValueOf('header:x-none', req, ''), undefined);
    assert.equal(hashValueOf('cookie:none', req, ''), undefined);
    assert.equal(hashValueOf('arg:none', req, ''), undefined);
    assert.equal(hashValueOf('arg:page', { url: '/', headers: {} }, ''), undefined);
  });

  test('an unknown key kind is rejected with a code', () => {
    assert.throws(() => hashKeyReader('body:x'), { code: 'WHARF_HASH_KEY' });
  });
});
