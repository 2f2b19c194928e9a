import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addr, ctx, nameOf, poolOf } from './pool-fixture.js';

describe('random (power of two choices)', () => {
  test('the busiest peer never wins while another peer is available', () => {
    const { pool } = poolOf({ balance: 'random', servers: [addr('a'), addr('b'), addr('c')] });
    const busy = pool.peers[0]!;
    busy.inFlight = 50;
    for (let i = 0; i < 200; i++) {
      const peer = pool.select(ctx(), new Set())!;
      assert.notEqual(peer, busy);
      pool.release(peer, { ok: true });
    }
  });

  test('idle peers share the traffic roughly by weight', () => {
    const { pool } = poolOf({ balance: 'random', servers: [{ address: addr('a'), weight: 3 }, addr('b'), addr('c')] });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) {
      const peer = pool.select(ctx(), new Set())!;
      counts[nameOf(peer)] = (counts[nameOf(peer)] ?? 0) + 1;
      pool.release(peer, { ok: true });
    }
    assert.ok(counts.a! > counts.b! && counts.a! > counts.c!, JSON.stringify(counts));
    assert.ok(counts.b! > 200 && counts.c! > 200, JSON.stringify(counts));
  });

  test('unavailable and tried peers are never drawn; one left is always picked', () => {
    const { pool } = poolOf({ balance: 'random', servers: [addr('a'), { address: addr('b'), down: true }, addr('c')] });
    const a = pool.peers[0]!;
    for (let i = 0; i < 50; i++) {
      const peer = pool.select(ctx(), new Set([a]))!;
      assert.equal(nameOf(peer), 'c');
      pool.release(peer, { ok: true });
    }
  });
});
