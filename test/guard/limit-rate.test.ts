import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createThrottle } from '../../src/guard/limit-rate.js';

interface Arrival { readonly at: number; readonly bytes: number }

/** Pipes `chunks` through a throttle and records when each output piece arrives. */
async function timedRun(chunks: Buffer[], rate: number, after: number): Promise<Arrival[]> {
  const start = performance.now();
  const arrivals: Arrival[] = [];
  await pipeline(
    Readable.from(chunks),
    createThrottle(rate, after),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        arrivals.push({ at: performance.now() - start, bytes: chunk.length });
        callback();
      },
    }),
  );
  return arrivals;
}

const total = (arrivals: Arrival[]) => arrivals.reduce((sum, a) => sum + a.bytes, 0);

describe('limit_rate throttle', () => {
  test('paces 200 KB at 200 KB/s to about 1 s and delivers every byte in order', async () => {
    const body = Buffer.alloc(200 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const out: Buffer[] = [];
    const start = performance.now();
    await pipeline(Readable.from([body.subarray(0, 50_000), body.subarray(50_000)]), createThrottle(200 * 1024, 0), new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }));
    const seconds = (performance.now() - start) / 1000;
    assert.ok(Buffer.concat(out).equals(body), 'bytes intact and in order');
    assert.ok(seconds > 0.85 && seconds < 1.15, `took ${seconds.toFixed(2)} s`);
  });

  test('splits a large chunk into slices spread over time', async () => {
    const arrivals = await timedRun([Buffer.alloc(50 * 1024)], 100 * 1024, 0);
    assert.equal(total(arrivals), 50 * 1024);
    assert.ok(arrivals.length >= 4, `${arrivals.length} slices`);
    assert.ok(arrivals[0]!.at < 200, 'the first slice leaves promptly');
    assert.ok(arrivals.at(-1)!.at > 350, `last slice at ${arrivals.at(-1)!.at} ms`);
  });

  test('limit_rate_after: the first N bytes go at full speed, the rest is paced', async () => {
    const arrivals = await timedRun([Buffer.alloc(64 * 1024), Buffer.alloc(64 * 1024), Buffer.alloc(20 * 1024)], 40 * 1024, 100 * 1024);
    const early = total(arrivals.filter((a) => a.at < 100));
    assert.ok(early >= 100 * 1024, `${early} bytes in the first 100 ms`);
    assert.ok(early < 110 * 1024, `${early} bytes in the first 100 ms`);
    assert.equal(total(arrivals), 148 * 1024);
    assert.ok(arrivals.at(-1)!.at > 1000, `finished after ${arrivals.at(-1)!.at} ms`);
  });

  test('holds the writer back instead of buffering the body', async () => {
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024));
      },
    });
    const throttle = createThrottle(10 * 1024, 0);
    let received = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback();
      },
    });
    source.pipe(throttle).pipe(sink);
    await new Promise((resolve) => setTimeout(resolve, 500));
    source.unpipe(throttle);
    source.destroy();
    throttle.destroy();
    assert.ok(received > 0 && received < 12 * 1024, `${received} bytes out in 0.5 s at 10 KB/s`);
    // Whatever the source produced but was not sent sits in a few stream buffers, not the whole stream.
    assert.ok(produced - received < 128 * 1024, `${produced - received} bytes held back`);
  });

  test('destroying a throttle mid-body stops output and leaves no timer behind', async () => {
    const throttle = createThrottle(1024, 0);
    let received = 0;
    throttle.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    throttle.write(Buffer.alloc(100 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 250));
    throttle.destroy();
    const atDestroy = received;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received, atDestroy);
    assert.ok(received < 2048);
  });
});
