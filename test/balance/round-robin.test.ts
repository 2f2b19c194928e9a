import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Peer } from '../../src/balance/peer.js';
import { addr, clockedPool, ctx, nameOf, poolOf, sequence, snapshotWith, TestClock } from './pool-fixture.js';

describe('round_robin (nginx smooth weighted round robin)', () => {
  test('weights 5,1,1 give a a b a c a a, every cycle', () => {
    const { pool } = poolOf({ servers: [{ address: addr('a'), weight: 5 }, addr('b'), addr('c')] });
    assert.equal(sequence(pool, 21), 'aabacaa'.repeat(3));
  });

  test('equal weights alternate in config order', () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b'), addr('c')] });
    assert.equal(sequence(pool, 6), 'abcabc');
  });

  test('a single server gets everything', () => {
    const { pool } = poolOf({ servers: [addr('a')] });
    assert.equal(sequence(pool, 3), 'aaa');
  });

  test('down servers are skipped; all down gives no peer', () => {
    const { pool: some } = poolOf({ servers: [addr('a'), { address: addr('b'), down: true }, addr('c')] });
    assert.equal(sequence(some, 4), 'acac');
    const { pool: none } = poolOf({ servers: [{ address: addr('a'), down: true }, { address: addr('b'), down: true }] });
    assert.equal(none.select(ctx(), new Set()), undefined);
    assert.equal(none.hasUsablePeer(), false);
  });

  test('weight 0 takes no traffic', () => {
    const { pool } = poolOf({ servers: [addr('a'), { address: addr('b'), weight: 0 }] });
    assert.equal(sequence(pool, 4), 'aaaa');
  });

  test('backups serve only while every primary is unavailable, by their own weights', () => {
    const { pool } = poolOf({
      servers: [{ address: addr('a'), down: true }, { address: addr('b'), down: true }, { address: addr('c'), backup: true, weight: 2 }, { address: addr('d'), backup: true }],
    });
    assert.equal(sequence(pool, 6), 'cdccdc');
    const { pool: healthy } = poolOf({ servers: [addr('a'), { address: addr('c'), backup: true }] });
    assert.equal(sequence(healthy, 3), 'aaa');
  });

  test('a retry never picks a peer the request already tried, and falls to backups last', () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b'), { address: addr('c'), backup: true }] });
    const tried = new Set<Peer>();
    const picks: string[] = [];
    for (let i = 0; i < 4; i++) {
      const peer = pool.select(ctx(), tried);
      picks.push(nameOf(peer));
      if (!peer) break;
      tried.add(peer);
      pool.release(peer, { ok: false });
    }
    assert.deepEqual(picks, ['a', 'b', 'c', '-']);
  });

  test('a failed peer is benched for fail_timeout, then its effective weight climbs back one step per pick', () => {
    const clock = new TestClock();
    const pool = clockedPool({ servers: [{ address: addr('a'), weight: 2, max_fails: 1, fail_timeout: '80ms' }, addr('b')] }, clock);
    const first = pool.select(ctx(), new Set())!;
    assert.equal(nameOf(first), 'a');
    pool.release(first, { ok: false });
    assert.equal(sequence(pool, 2), 'bb', 'a is benched');
    clock.advance(81);
    // nginx: a comes back with effective weight 0, climbing to 1 and 2 over the next picks,
    // so b wins twice more before the 2:1 rhythm returns (with the round-robin state b kept).
    assert.equal(sequence(pool, 7), 'bbabaab');
  });

  test('failures under max_fails only lower the effective weight (weight/max_fails each)', () => {
    const { pool } = poolOf({ servers: [{ address: addr('a'), weight: 3, max_fails: 3 }, addr('b')] });
    const peer = pool.select(ctx(), new Set())!;
    assert.equal(nameOf(peer), 'a');
    pool.release(peer, { ok: false });
    assert.equal(peer.effectiveWeight, 2);
    assert.equal(nameOf(pool.select(ctx(), new Set())), 'b', 'a lost its lead (it would win again at full weight)');
    assert.equal(peer.effectiveWeight, 3, 'recovered by one on the next pick');
  });

  test('the lone server of a group is never benched by max_fails (nginx)', () => {
    const { pool } = poolOf({ servers: [addr('a')] });
    const peer = pool.select(ctx(), new Set())!;
    pool.release(peer, { ok: false });
    assert.equal(sequence(pool, 2), 'aa');
  });

  test('peer state survives a reload; added and removed servers take effect', () => {
    const { pool, directory } = poolOf({ servers: [addr('a'), addr('b')] });
    const a = pool.select(ctx(), new Set())!;
    assert.equal(nameOf(a), 'a');
    directory.reconcile(snapshotWith({ servers: [addr('a'), addr('c')] }));
    assert.equal(directory.get('u'), pool, 'the pool itself survives');
    assert.equal(pool.peers[0], a, 'same peer object for the same address');
    assert.equal(a.inFlight, 1, 'its in-flight request is still counted');
    pool.release(a, { ok: true });
    assert.deepEqual(new Set(sequence(pool, 4)), new Set(['a', 'c']));
  });
});
