import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addr, ctx, nameOf, poolOf, sequence } from './pool-fixture.js';

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
});
