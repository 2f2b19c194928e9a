import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addr, clockedPool, ctx, nameOf, poolOf, sequence, TestClock } from './pool-fixture.js';

describe('least_conn', () => {
  test('sends each request to the peer with the fewest in-flight requests', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [addr('a'), addr('b'), addr('c')] });
    const held = [pool.select(ctx(), new Set())!, pool.select(ctx(), new Set())!];
    assert.deepEqual(held.map(nameOf), ['a', 'b']);
    assert.equal(nameOf(pool.select(ctx(), new Set())), 'c');
    pool.release(held[0]!, { ok: true });
    assert.equal(nameOf(pool.select(ctx(), new Set())), 'a', 'a is the only idle peer now');
  });

  test('in-flight counts are weighed: a weight-3 peer takes three for each one elsewhere', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [{ address: addr('a'), weight: 3 }, addr('b')] });
    const picks = Array.from({ length: 8 }, () => nameOf(pool.select(ctx(), new Set())));
    assert.equal(picks.filter((p) => p === 'a').length, 6);
    assert.equal(picks.filter((p) => p === 'b').length, 2);
  });

  test('ties go by smooth weighted round robin, so an idle pool matches round_robin', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [{ address: addr('a'), weight: 5 }, addr('b'), addr('c')] });
    assert.equal(sequence(pool, 14), 'aabacaa'.repeat(2));
  });

  test('a tie is decided among the tied peers only: with a=0, b=0, c=1 in flight, c is never picked', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [addr('a'), addr('b'), addr('c')] });
    pool.peers[2]!.inFlight = 1;
    assert.equal(sequence(pool, 6), 'ababab');
    assert.equal(pool.peers[2]!.inFlight, 1);
  });

  test('ties are weighed too: a (weight 2, 2 in flight) ties with b (weight 1, 1 in flight), c (1, 2) is out', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [{ address: addr('a'), weight: 2 }, addr('b'), addr('c')] });
    const inFlight = [2, 1, 2];
    pool.peers.forEach((peer, i) => (peer.inFlight = inFlight[i]!));
    // Smooth weighted round robin between a (2) and b (1) only.
    assert.equal(sequence(pool, 6), 'abaaba');
  });

  test('a later peer with fewer in flight per weight wins: b (weight 2, 2 in flight) over a (weight 1, 2 in flight)', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [addr('a'), { address: addr('b'), weight: 2 }] });
    pool.peers.forEach((peer) => (peer.inFlight = 2));
    assert.equal(nameOf(pool.select(ctx(), new Set())), 'b');
  });

  test('equal loads per weight tie whatever the weights: a and b (weight 2, 2 in flight each) alternate', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [{ address: addr('a'), weight: 2 }, { address: addr('b'), weight: 2 }] });
    pool.peers.forEach((peer) => (peer.inFlight = 2));
    assert.equal(sequence(pool, 4), 'abab');
  });

  test('a peer at max_conns is skipped; every peer full gives no peer', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [{ address: addr('a'), max_conns: 1 }, { address: addr('b'), max_conns: 1 }] });
    const first = pool.select(ctx(), new Set())!;
    const second = pool.select(ctx(), new Set())!;
    assert.notEqual(first, second);
    assert.equal(pool.select(ctx(), new Set()), undefined);
    assert.equal(pool.hasUsablePeer(), true, 'busy is not down');
  });

  test('backups only when primaries are unavailable; tried peers are excluded', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [addr('a'), { address: addr('b'), backup: true }] });
    const a = pool.select(ctx(), new Set())!;
    assert.equal(nameOf(a), 'a');
    assert.equal(nameOf(pool.select(ctx(), new Set([a]))), 'b');
  });

  test('a clear winner leaves a failed peer\'s lowered effective weight alone, as nginx does; the next tie shows it', () => {
    // nginx's least_conn takes a lone least-loaded peer directly; only a tie goes through the
    // weighted round robin, which is also what raises a lowered effective weight by one.
    const pool = clockedPool(
      { balance: 'least_conn', servers: [{ address: addr('a'), weight: 3, max_fails: 3 }, { address: addr('b'), weight: 3 }] },
      new TestClock(),
    );
    const a = pool.select(ctx(), new Set())!; // a tie, a first: current weights a -3, b 3
    const b = pool.select(ctx(), new Set())!; // b, the clear winner (a has one in flight)
    assert.deepEqual([a, b].map(nameOf), ['a', 'b']);
    pool.release(a, { ok: false }); // a's effective weight 3 - 3/3 = 2; one failure of three, still up
    // b is busy: a wins outright twice, which touches no round-robin state.
    for (let i = 0; i < 2; i++) {
      const peer = pool.select(ctx(), new Set())!;
      assert.equal(nameOf(peer), 'a');
      pool.release(peer, { ok: true });
    }
    pool.release(b, { ok: true });
    // Now a tie: a adds its lowered weight 2 (-3 + 2 = -1), b adds 3 (3 + 3 = 6) and wins, then
    // b again (a 2, b 4). Had the clear-winner picks raised a back to 3, a would tie b (0, 6),
    // then win (3, 3, the first on a tie): b a.
    assert.equal(sequence(pool, 2), 'bb');
  });
});
