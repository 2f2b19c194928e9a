import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBodyLimit } from '../../src/guard/body-limit.js';
import { BodySizeGuard } from '../../src/guard/body-size.js';
import { guardRequest } from './guard-request.js';

async function pass(chunks: Buffer[], limit: number): Promise<{ out: number; error?: NodeJS.ErrnoException; pulled: number }> {
  let out = 0;
  let pulled = 0;
  const source = Readable.from((function* () {
    for (const chunk of chunks) {
      pulled += chunk.length;
      yield chunk;
    }
  })());
  try {
    await pipeline(source, createBodyLimit(limit), new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out += chunk.length;
        callback();
      },
    }));
    return { out, pulled };
  } catch (error) {
    return { out, pulled, error: error as NodeJS.ErrnoException };
  }
}

describe('max_body', () => {
  test('a streamed body of exactly the limit passes whole', async () => {
    const result = await pass([Buffer.alloc(600), Buffer.alloc(400)], 1000);
    assert.equal(result.error, undefined);
    assert.equal(result.out, 1000);
  });

  test('a streamed body over the limit fails with WHARF_BODY_TOO_LARGE and nothing past the limit is forwarded', async () => {
    const chunks = Array.from({ length: 100 }, () => Buffer.alloc(1000));
    const result = await pass(chunks, 2500);
    assert.equal(result.error?.code, 'WHARF_BODY_TOO_LARGE');
    assert.ok(result.out <= 2500, `${result.out} bytes forwarded`);
    assert.ok(result.pulled < 20_000, `stopped reading after ${result.pulled} bytes`);
  });

  test('one byte over is too large', async () => {
    assert.equal((await pass([Buffer.alloc(1001)], 1000)).error?.code, 'WHARF_BODY_TOO_LARGE');
  });

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
