import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { addr, ctx, nameOf, poolOf, sequence, snapshotWith } from './pool-fixture.js';
import type { UpstreamPool } from '../../src/balance/upstream-pool.js';
import { buildRing } from '../../src/balance/consistent-hash.js';
import { Peer } from '../../src/balance/peer.js';
import { serverOf } from '../../src/config/normalize.js';

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
  test('the ring is nginx\'s: 160 points per weight unit, chained crc32 from HOST "\\0" PORT', () => {
    // Computed here from the scheme itself (Cache::Memcached::Fast, which nginx copies).
    const points = (host: string, port: string, count: number): number[] => {
      const base = crc32(Buffer.concat([Buffer.from(host), Buffer.from([0]), Buffer.from(port)]));
      const prev = Buffer.alloc(4);
      const out: number[] = [];
      for (let j = 0; j < count; j++) {
        const hash = crc32(prev, base) >>> 0;
        out.push(hash);
        prev.writeUInt32LE(hash, 0);
      }
      return out;
    };
    const servers = [{ ...serverOf('127.0.0.1:8080'), weight: 2 }, serverOf('[::1]:9000')];
    const ring = buildRing(servers.map((server) => new Peer(server.address, server)));
    const expected = [...points('127.0.0.1', '8080', 320), ...points('[::1]', '9000', 160)].sort((a, b) => a - b);
    assert.deepEqual([...ring.hashes], expected);
  });

  test('a key whose hash is exactly a point goes to that point\'s server, not the next one', () => {
    // crc32("/x/3181772") is the 369th of the 480 points of a, b, c: c's; the next point is a's.
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [addr('a'), addr('b'), addr('c')] });
    assert.equal(owner(pool, '/x/3181772'), 'c');
  });

  test('an empty key is no key: round robin, like a missing one', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'header:x-user', servers: [addr('a'), addr('b')] });
    assert.equal(sequence(pool, 4, ctx('127.0.0.1', '')), 'abab');
  });

  test('every server at weight 0: the ring is empty and there is no peer, key or not', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [{ address: addr('a'), weight: 0 }, { address: addr('b'), weight: 0 }] });
    assert.equal(pool.select(ctx('127.0.0.1', '/x'), new Set()), undefined);
    assert.equal(pool.select(ctx('127.0.0.1', undefined), new Set()), undefined);
  });

  test('21 points are tried before round robin, as nginx (tries > 20): the 21st may still find a live server', () => {
    // Ten servers, a and e up: from "/k/968" the points belong to f h d b h g c f f b d b f j b j d j g j, all
    // down, then e at the 21st; round robin would have picked a.
    const letters = 'abcdefghij'.split('');
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: letters.map((n) => ({ address: addr(n), down: n !== 'a' && n !== 'e' })) });
    assert.equal(owner(pool, '/k/968'), 'e');
  });

  test('a keyed pick raises a failed server\'s effective weight by one, as nginx\'s round-robin step does; keyless requests see it', () => {
    const { pool } = poolOf({ balance: 'hash', hash_key: 'uri', servers: [{ address: addr('a'), weight: 3, max_fails: 3 }, { address: addr('b'), weight: 3 }] });
    const key = '/item/4'; // a's
    const first = pool.select(ctx('127.0.0.1', key), new Set())!;
    assert.equal(nameOf(first), 'a');
    pool.release(first, { ok: false }); // a: effective weight 3 - 3/3 = 2
    assert.equal(owner(pool, key), 'a'); // ... and back to 3, never above
    // Keyless requests: round robin between a and b at 3 each. With a still at 2: b a b a ...;
    // with a raised past its weight to 4: a b a b a b a a.
    assert.equal(sequence(pool, 8, ctx('127.0.0.1', undefined)), 'abababab');
  });
});
