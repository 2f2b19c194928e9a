// max_body for bodies without a Content-Length: the edge's request body stream counts bytes
// as undici pulls them and fails once the limit is passed, without reading further.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RequestBody } from '../../src/edge/request-body.js';
import type { AnyRequest } from '../../src/edge/exchange.js';

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
    await pipeline(new RequestBody(source as unknown as AnyRequest, limit), new Writable({
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

describe('request body limit (max_body, chunked)', () => {
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

});
