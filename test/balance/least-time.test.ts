import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addr, clockedPool, ctx, nameOf, poolOf, sequence, TestClock } from './pool-fixture.js';
import type { UpstreamPool } from '../../src/balance/upstream-pool.js';

/** Sequential traffic where each peer answers in its given time. */
function run(pool: UpstreamPool, ms: Record<string, number>, n: number, field: 'firstByteMs' | 'totalMs' = 'firstByteMs'): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const peer = pool.select(ctx(), new Set())!;
    const name = nameOf(peer);
    counts[name] = (counts[name] ?? 0) + 1;
    pool.release(peer, { ok: true, [field]: ms[name]!, ...(field === 'totalMs' ? { firstByteMs: 1 } : { totalMs: 1000 }) });
  }
  return counts;
}

/** n picks held (not released): the in-flight counts build up. */
const held = (pool: UpstreamPool, n: number): string => Array.from({ length: n }, () => nameOf(pool.select(ctx(), new Set()))).join('');

/** n picks, each released at once as a success without a timing (no latency sample). */
function untimed(pool: UpstreamPool, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const peer = pool.select(ctx(), new Set())!;
    out += nameOf(peer);
    pool.release(peer, { ok: true });
  }
  return out;
}

describe('least_time', () => {
  test('every peer is tried first, then the fastest gets the traffic', () => {
    const { pool } = poolOf({ balance: 'least_time', servers: [addr('a'), addr('b'), addr('c')] });
    const counts = run(pool, { a: 50, b: 5, c: 50 }, 100);
    assert.ok((counts.b ?? 0) >= 90, JSON.stringify(counts));
    assert.ok((counts.a ?? 0) >= 1 && (counts.c ?? 0) >= 1);
  });

  test('last_byte measures the whole response instead of the head', () => {
    const { pool } = poolOf({ balance: 'least_time', least_time: 'last_byte', servers: [addr('a'), addr('b')] });
    const counts = run(pool, { a: 5, b: 80 }, 50, 'totalMs');
    assert.ok((counts.a ?? 0) >= 45, JSON.stringify(counts));
  });

  test('in-flight requests count: a busy fast peer yields to an idle slower one', () => {
    const { pool } = poolOf({ balance: 'least_time', servers: [addr('a'), addr('b')] });
    run(pool, { a: 10, b: 15 }, 4);
    const held = Array.from({ length: 4 }, () => pool.select(ctx(), new Set())!);
    assert.ok(held.some((peer) => nameOf(peer) === 'b'), held.map(nameOf).join(''));
  });

  test('failed attempts do not make a peer look fast', () => {
    const { pool } = poolOf({ balance: 'least_time', servers: [{ address: addr('a'), max_fails: 0 }, { address: addr('b'), max_fails: 0 }] });
    run(pool, { a: 30, b: 30 }, 2);
    const a = pool.peers[0]!;
    const before = a.latencyMs;
    pool.release(pool.select(ctx(), new Set([pool.peers[1]!]))!, { ok: false, firstByteMs: 0.1, totalMs: 0.1 });
    assert.equal(a.latencyMs, before);
  });
  test('no samples yet: held requests go a, b, c (a tie is round robin, and each one in flight counts)', () => {
    const pool = clockedPool({ balance: 'least_time', servers: [addr('a'), addr('b'), addr('c')] }, new TestClock());
    assert.equal(held(pool, 3), 'abc');
  });

  test('the score divides by weight: a weight-2 peer takes two held requests to b\'s one', () => {
    const pool = clockedPool({ balance: 'least_time', servers: [{ address: addr('a'), weight: 2 }, addr('b')] }, new TestClock());
    // a 1/2 against b 1; then a tie at 1 (round robin: a); then a 3/2 against b 1.
    assert.equal(held(pool, 3), 'aab');
  });

  test('equal averages tie, and the tie goes by smooth weighted round robin', () => {
    const pool = clockedPool({ balance: 'least_time', servers: [addr('a'), addr('b')] }, new TestClock());
    // a (a tie of two unsampled peers), b (the only unsampled one), then a and b both at 1 ms:
    // round robin continues where the first tie left it, with b.
    assert.equal(sequence(pool, 6), 'abbaba');
  });

  test('a tie is decided among the tied peers only: with c busy, a and b alternate', () => {
    const pool = clockedPool({ balance: 'least_time', servers: [addr('a'), addr('b'), addr('c')] }, new TestClock());
    pool.peers[2]!.inFlight = 1;
    assert.equal(untimed(pool, 6), 'ababab');
  });

  test('a clear winner leaves a failed peer\'s lowered effective weight alone; the next tie shows it', () => {
    const pool = clockedPool({ balance: 'least_time', servers: [{ address: addr('a'), weight: 3, max_fails: 3 }, { address: addr('b'), weight: 3 }] }, new TestClock());
    const [a, b] = [pool.select(ctx(), new Set())!, pool.select(ctx(), new Set())!]; // a tie: a; then b, the clear winner
    assert.deepEqual([a, b].map(nameOf), ['a', 'b']);
    pool.release(a, { ok: false }); // a's effective weight 3 - 3/3 = 2
    assert.equal(untimed(pool, 2), 'aa', 'b is busy: a wins outright');
    pool.release(b, { ok: true });
    // The tie: a adds its lowered 2 (-3 + 2), b adds 3 (3 + 3) and wins, twice. Had the outright
    // picks raised a back to 3: b, then a.
    assert.equal(untimed(pool, 2), 'bb');
  });
});
