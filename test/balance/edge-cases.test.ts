// The same edge cases for every algorithm: one peer, all down, only backups left, weight 0,
// members added and removed by a reload, and the fall-back when hashing finds nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BALANCE_NAMES } from '../../src/balance/algorithms.js';
import { addr, ctx, nameOf, poolOf, snapshotWith } from './pool-fixture.js';
import type { UpstreamPool } from '../../src/balance/upstream-pool.js';

/** Picks from varied clients and keys, each released at once; the names seen. */
function seen(pool: UpstreamPool, n = 30): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < n; i++) {
    const peer = pool.select(ctx(`${(i * 37 + 1) % 256}.${(i * 11) % 256}.${i % 256}.1`, `/k/${i}`), new Set());
    out.add(nameOf(peer));
    if (peer) pool.release(peer, { ok: true, firstByteMs: 1, totalMs: 1 });
  }
  return out;
}

for (const balance of BALANCE_NAMES) {
  const base = { balance, hash_key: 'uri' };
  describe(`balance: ${balance}`, () => {
    test('one peer takes everything', () => {
      const { pool } = poolOf({ ...base, servers: [addr('a')] });
      assert.deepEqual(seen(pool), new Set(['a']));
    });

    test('all down: no peer, and the pool says so', () => {
      const { pool } = poolOf({ ...base, servers: [{ address: addr('a'), down: true }, { address: addr('b'), down: true }] });
      assert.deepEqual(seen(pool), new Set(['-']));
      assert.equal(pool.hasUsablePeer(), false);
    });

    test('only backups left: they serve; never while a primary is up', () => {
      const servers = [{ address: addr('a'), down: true }, { address: addr('b'), backup: true }, { address: addr('c'), backup: true }];
      assert.deepEqual(seen(poolOf({ ...base, servers }).pool), new Set(['b', 'c']));
      const up = [addr('a'), { address: addr('b'), backup: true }];
      assert.deepEqual(seen(poolOf({ ...base, servers: up }).pool), new Set(['a']));
    });

    test('weight 0 gets nothing', () => {
      const { pool } = poolOf({ ...base, servers: [addr('a'), { address: addr('b'), weight: 0 }, addr('c')] });
      assert.deepEqual(seen(pool, 60), new Set(['a', 'c']));
    });

    test('members added and removed by a reload', () => {
      const { pool, directory } = poolOf({ ...base, servers: [addr('a'), addr('b')] });
      directory.reconcile(snapshotWith({ ...base, servers: [addr('b'), addr('c'), addr('d')] }));
      assert.deepEqual(seen(pool, 60), new Set(['b', 'c', 'd']));
    });

    test('one live server among many down ones is always found', () => {
      const servers = Array.from({ length: 26 }, (_, i) => ({ address: addr(String.fromCharCode(97 + i)), down: i !== 17 }));
      assert.deepEqual(seen(poolOf({ ...base, servers }).pool, 50), new Set(['r']));
    });
  });
}
