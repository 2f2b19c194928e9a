import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, type Transform } from 'node:stream';
import { createThrottle } from '../../src/guard/limit-rate.js';

/**
 * Fake time for a throttle: its clock and node:test's mock setTimeout move together, one
 * millisecond per step, with the streams' callbacks run in between. Output is logged as
 * [ms since the start, total bytes so far].
 */
class Paced {
  /** Not 0: a throttle must not count the time before its first paced byte as credit. */
  static readonly START = 10_000;
  at = Paced.START;
  received = 0;
  ended = false;
  readonly log: [number, number][] = [];
  readonly chunks: Buffer[] = [];
  readonly throttle: Transform;

  constructor(
    private readonly t: TestContext,
    bytesPerSecond: number,
    after = 0,
  ) {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    this.throttle = createThrottle(bytesPerSecond, after, () => this.at);
    this.throttle.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      this.chunks.push(chunk);
      this.log.push([this.at - Paced.START, this.received]);
    });
    this.throttle.on('end', () => (this.ended = true));
  }

  /** Lets the streams run without time passing. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  async advance(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) {
      this.at += 1;
      this.t.mock.timers.tick(1);
      await this.settle();
    }
  }

  /** Moves time in one jump, as a timer firing late on a busy event loop does. */
  async jump(ms: number): Promise<void> {
    this.at += ms;
    this.t.mock.timers.tick(ms);
    await this.settle();
  }

}

describe('limit_rate throttle', () => {
  test("paces 200 KB at 200 KB/s: a tenth of a second's worth every 100 ms, the last byte at 1 s, every byte in order", async (t) => {
    const body = Buffer.alloc(200 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const paced = new Paced(t, 200 * 1024);
    paced.throttle.write(body.subarray(0, 50_000));
    paced.throttle.end(body.subarray(50_000));
    await paced.settle();
    assert.equal(paced.received, 0, 'no credit saved up before the first paced byte');
    await paced.advance(99);
    assert.equal(paced.received, 0);
    await paced.advance(1);
    assert.equal(paced.received, 20 * 1024);
    await paced.advance(899);
    assert.ok(paced.received < body.length, 'not done before 1 s');
    await paced.advance(1);
    assert.equal(paced.received, body.length);
    assert.ok(Buffer.concat(paced.chunks).equals(body), 'bytes intact and in order');
    // Never ahead of the rate at any moment.
    for (const [at, bytes] of paced.log) assert.ok(bytes <= (at * 200 * 1024) / 1000, `${bytes} bytes at ${at} ms`);
  });

  test('splits a large chunk into slices of a tenth of a second each', async (t) => {
    const paced = new Paced(t, 100 * 1024);
    paced.throttle.end(Buffer.alloc(50 * 1024));
    await paced.advance(600);
    assert.deepEqual(paced.log, [[100, 10_240], [200, 20_480], [300, 30_720], [400, 40_960], [500, 51_200]]);
  });

  test('limit_rate_after: the first N bytes go at once, the rest at the rate', async (t) => {
    const paced = new Paced(t, 40 * 1024, 100 * 1024);
    paced.throttle.write(Buffer.alloc(64 * 1024));
    paced.throttle.write(Buffer.alloc(64 * 1024));
    paced.throttle.end(Buffer.alloc(20 * 1024));
    await paced.settle();
    assert.equal(paced.received, 100 * 1024, 'the unthrottled part, split inside the second chunk');
    await paced.advance(1199);
    assert.ok(paced.received < 148 * 1024);
    await paced.advance(1);
    assert.equal(paced.received, 148 * 1024, '48 KB at 40 KB/s: 1.2 s');
  });

  test('credit starts with the first paced byte, not when the unthrottled part ended', async (t) => {
    const paced = new Paced(t, 100 * 1024, 10 * 1024);
    paced.throttle.write(Buffer.alloc(10 * 1024));
    await paced.settle();
    assert.equal(paced.received, 10 * 1024);
    await paced.advance(1000);
    paced.throttle.end(Buffer.alloc(20 * 1024));
    await paced.settle();
    assert.equal(paced.received, 10 * 1024, 'the idle second after the free part earns nothing');
    await paced.advance(100);
    assert.equal(paced.received, 20 * 1024);
  });

  test('a body that pauses gets its unused rate back when it resumes (up to the catch-up cap)', async (t) => {
    const paced = new Paced(t, 100 * 1024);
    paced.throttle.write(Buffer.alloc(10 * 1024));
    await paced.advance(100);
    assert.equal(paced.received, 10 * 1024);
    await paced.advance(300);
    paced.throttle.end(Buffer.alloc(30 * 1024));
    await paced.settle();
    assert.equal(paced.received, 40 * 1024, '300 ms unused: 30 KB leave at once');
  });

  test('a slice is never more than 64 KB, however fast the rate', async (t) => {
    const paced = new Paced(t, 10 * 1024 * 1024);
    paced.throttle.end(Buffer.alloc(256 * 1024));
    await paced.advance(30);
    assert.ok(paced.log.length >= 4, `${paced.log.length} slices`);
    for (let i = 0; i < paced.log.length; i++) assert.ok(paced.log[i]![1] - (paced.log[i - 1]?.[1] ?? 0) <= 64 * 1024);
  });

  test("a late timer is made up for, but a stall never turns into more than a quarter second's burst", async (t) => {
    const paced = new Paced(t, 100 * 1024);
    paced.throttle.end(Buffer.alloc(400 * 1024));
    await paced.advance(100);
    assert.equal(paced.received, 10_240);
    await paced.jump(2000);
    // One slice plus 0.25 s of rate: 10 KB + 25 KB, in whole slices.
    assert.equal(paced.received, 10_240 + 30_720);
  });

  test('holds the writer back instead of buffering the body', async (t) => {
    const paced = new Paced(t, 10 * 1024);
    let produced = 0;
    const source = new Readable({
      read() {
        produced += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024));
      },
    });
    source.pipe(paced.throttle);
    await paced.settle();
    await paced.advance(500);
    source.unpipe(paced.throttle);
    source.destroy();
    paced.throttle.destroy();
    assert.equal(paced.received, 5 * 1024, '1 KB every 100 ms at 10 KB/s');
    // Whatever the source produced but was not sent sits in a few stream buffers, not the whole stream.
    assert.ok(produced - paced.received < 128 * 1024, `${produced - paced.received} bytes held back`);
  });

  test('destroying a throttle mid-body stops output and leaves no timer behind', async (t) => {
    const paced = new Paced(t, 1024);
    paced.throttle.write(Buffer.alloc(100 * 1024));
    await paced.advance(250);
    assert.equal(paced.received, 204, 'two slices of 102 bytes');
    paced.throttle.destroy();
    await paced.advance(300);
    assert.equal(paced.received, 204);
  });

  test('destroyed mid-chunk (the client went away): error and close are emitted, and the chunk is never acknowledged as written', async (t) => {
    const paced = new Paced(t, 1000);
    const events: string[] = [];
    paced.throttle.on('error', (error) => events.push(`error: ${error.message}`));
    paced.throttle.on('close', () => events.push('close'));
    paced.throttle.write(Buffer.alloc(500), (error) => events.push(`written${error ? `: ${error.message}` : ''}`));
    await paced.advance(150);
    assert.deepEqual(paced.log, [[100, 100]]);
    paced.throttle.destroy(new Error('client went away'));
    await paced.settle();
    // Long enough for the rest of the chunk to have been paced out, had the pending slice's timer survived.
    await paced.advance(600);
    assert.deepEqual(events, ['error: client went away', 'close']);
    assert.deepEqual(paced.log, [[100, 100]]);
  });
});
