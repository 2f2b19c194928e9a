import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addr, ctx, nameOf, poolOf } from './pool-fixture.js';
import type { PeerSet } from '../../src/balance/balancer.js';
import { Peer } from '../../src/balance/peer.js';
import { RandomTwoBalancer } from '../../src/balance/random-two.js';
import { serverOf } from '../../src/config/normalize.js';

/** Peers a, b, c ... with these weights, all available. */
function peerSet(weights: readonly number[]): PeerSet & { all: Peer[] } {
  const all = weights.map((weight, i) => {
    const config = { ...serverOf(addr(String.fromCharCode(97 + i))), weight };
    return new Peer(config.address, config);
  });
  return { all, totalWeight: weights.reduce((sum, w) => sum + w, 0), now: 0, available: () => true };
}

/** A random source that returns these numbers in turn. */
const scripted = (...values: number[]) => () => values.shift()!;

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
  test('in-flight counts are weighed: with one in flight each, the weight-2 peer always wins the pair', () => {
    for (const weights of [[1, 2], [2, 1]]) {
      const { pool } = poolOf({ balance: 'random', servers: weights.map((weight, i) => ({ address: addr('ab'[i]!), weight })) });
      for (const peer of pool.peers) peer.inFlight = 1;
      const heavy = pool.peers[weights.indexOf(2)]!;
      for (let i = 0; i < 60; i++) {
        const peer = pool.select(ctx(), new Set())!;
        assert.equal(peer, heavy, `weights ${weights}`);
        pool.release(peer, { ok: true });
      }
    }
  });

  test('draws are by weight: the second draw spans only the weight left once the first peer is out', () => {
    // a is busy. The first draw (0) is a; the second (0.4 of the 2 left) is b, not c.
    const set = peerSet([1, 1, 1]);
    set.all[0]!.inFlight = 1;
    assert.equal(nameOf(new RandomTwoBalancer(scripted(0, 0.4)).pick(set)), 'b');
  });

  test('a draw landing exactly on the end of a peer\'s weight goes to the next peer', () => {
    // Weights 2 and 2: 0.5 of 4 is 2, the end of a's share, so the first draw is b (both idle: b wins).
    assert.equal(nameOf(new RandomTwoBalancer(scripted(0.5, 0)).pick(peerSet([2, 2]))), 'b');
  });
});
