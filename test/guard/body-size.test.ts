import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BodySizeGuard } from '../../src/guard/body-size.js';
import { guardRequest } from './guard-request.js';

describe('max_body', () => {
  test('Content-Length over the limit is refused with 413 before any body is read', () => {
    const guard = new BodySizeGuard(1024);
    const verdict = guard.admit(guardRequest('192.0.2.1', { 'content-length': '1025' }, 'POST'));
    assert.equal(verdict?.status, 413);
    assert.equal(verdict?.reason, 'body_too_large');
    assert.equal(guard.admit(guardRequest('192.0.2.1', { 'content-length': '1024' }, 'POST')), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.1', { 'transfer-encoding': 'chunked' }, 'POST')), undefined, 'chunked is left to the stream limit');
    assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
  });
});
