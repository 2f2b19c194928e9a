import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addr, ctx, nameOf, poolOf } from './pool-fixture.js';
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
});
