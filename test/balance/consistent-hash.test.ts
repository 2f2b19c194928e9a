import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addr, ctx, nameOf, poolOf, sequence, snapshotWith } from './pool-fixture.js';
import type { UpstreamPool } from '../../src/balance/upstream-pool.js';

const keys = Array.from({ length: 2000 }, (_, i) => `/item/${i}`);
const owner = (pool: UpstreamPool, key: string) => {
  const peer = pool.select(ctx('127.0.0.1', key), new Set());
  if (peer) pool.release(peer, { ok: true });
  return nameOf(peer);
};

describe('hash (consistent, ketama-style)', () => {
  test('the same key always lands on the same server, and keys spread over all servers', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('b'), addr('c')] });
    const counts = new Map<string, number>();
    for (const key of keys) {
      const name = owner(pool, key);
      assert.equal(owner(pool, key), name);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    for (const name of ['a', 'b', 'c']) assert.ok((counts.get(name) ?? 0) > keys.length / 6, `${name}: ${counts.get(name)}`);
  });

  test('adding a server moves only keys to that server (about 1/n of them)', () => {
    const { pool, directory } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('b'), addr('c')] });
    const before = keys.map((key) => owner(pool, key));
    directory.reconcile(snapshotWith({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('b'), addr('c'), addr('d')] }));
    const after = keys.map((key) => owner(pool, key));
    let moved = 0;
    after.forEach((name, i) => {
      if (name === before[i]) return;
      moved++;
      assert.equal(name, 'd', `${keys[i]} moved from ${before[i]} to ${name}`);
    });
    assert.ok(moved > keys.length * 0.1 && moved < keys.length * 0.4, `moved ${moved}`);
  });

  test('removing a server moves only its own keys', () => {
    const { pool, directory } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('b'), addr('c')] });
    const before = keys.map((key) => owner(pool, key));
    directory.reconcile(snapshotWith({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('c')] }));
    keys.forEach((key, i) => {
      const now = owner(pool, key);
      if (before[i] !== 'b') assert.equal(now, before[i], key);
      else assert.notEqual(now, 'b');
    });
  });

  test('an unavailable server hands its keys to the next points without disturbing the rest', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('b'), addr('c')] });
    const { pool: bDown } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), { address: addr('b'), down: true }, addr('c')] });
    for (const key of keys.slice(0, 300)) {
      const before = owner(pool, key);
      const now = owner(bDown, key);
      if (before === 'b') assert.ok(now === 'a' || now === 'c');
      else assert.equal(now, before);
    }
  });

  test('weight 2 gets about twice the keys', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [{ address: addr('a'), weight: 2 }, addr('b')] });
    const a = keys.filter((key) => owner(pool, key) === 'a').length;
    assert.ok(a > keys.length * 0.55 && a < keys.length * 0.78, `a got ${a}`);
  });

  test('a request without the key is balanced by round robin', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'header:x-user', servers: [addr('a'), addr('b')] });
    assert.equal(sequence(pool, 4, ctx('127.0.0.1', undefined)), 'abab');
  });

  test('a retry for the same key moves on to another server', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('b'), addr('c')] });
    const first = pool.select(ctx('127.0.0.1', '/x'), new Set())!;
    const second = pool.select(ctx('127.0.0.1', '/x'), new Set([first]))!;
    assert.ok(second && second !== first);
  });
});
