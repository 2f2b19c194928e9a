import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ipHashKey } from '../../src/balance/ip-hash.js';
import { addr, ctx, nameOf, poolOf } from './pool-fixture.js';

const servers = [addr('a'), addr('b'), addr('c')];
const pick = (pool: ReturnType<typeof poolOf>['pool'], ip: string) => {
  const peer = pool.select(ctx(ip), new Set());
  if (peer) pool.release(peer, { ok: true });
  return nameOf(peer);
};

describe('ip_hash (nginx-compatible)', () => {
  test('hashes like nginx: 89, then (hash*113 + octet) % 6271 over three octets, then by weight', () => {
    // 127.0.0.x: 89 -> 3913 -> 3199 -> 4040; 4040 % 3 = 2 -> the third server.
    const { pool } = poolOf({ balance: 'ip_hash', servers });
    assert.equal(pick(pool, '127.0.0.1'), 'c');
    // Same walk with weights 1,1,2 (total 4): 4040 % 4 = 0 -> the first server.
    const { pool: weighted } = poolOf({ balance: 'ip_hash', servers: [addr('a'), addr('b'), { address: addr('c'), weight: 2 }] });
    assert.equal(pick(weighted, '127.0.0.1'), 'a');
  });

  test('a client keeps its server; only the first three octets of IPv4 count', () => {
    const { pool } = poolOf({ balance: 'ip_hash', servers });
    const first = pick(pool, '10.1.2.3');
    for (let i = 0; i < 5; i++) assert.equal(pick(pool, '10.1.2.3'), first);
    assert.equal(pick(pool, '10.1.2.200'), first);
    assert.equal(pick(pool, '::ffff:10.1.2.3'), first, 'IPv4-mapped IPv6 is the IPv4 client');
  });

  test('clients spread over all servers', () => {
    const { pool } = poolOf({ balance: 'ip_hash', servers });
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add(pick(pool, `10.${i}.${i * 7 % 256}.1`));
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  });

  test('IPv6 hashes all 16 bytes', () => {
    assert.deepEqual(ipHashKey('2001:db8::1'), [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(ipHashKey('::ffff:1.2.3.4'), [1, 2, 3]);
    const { pool } = poolOf({ balance: 'ip_hash', servers });
    assert.equal(pick(pool, '2001:db8::1'), pick(pool, '2001:db8::1'));
  });

  test('a down server passes only its own clients on; everyone else stays put', () => {
    const { pool } = poolOf({ balance: 'ip_hash', servers });
    const { pool: withDown } = poolOf({ balance: 'ip_hash', servers: [addr('a'), { address: addr('b'), down: true }, addr('c')] });
    for (let i = 0; i < 40; i++) {
      const ip = `10.${i}.1.1`;
      const before = pick(pool, ip);
      const after = pick(withDown, ip);
      if (before !== 'b') assert.equal(after, before, ip);
      else assert.notEqual(after, 'b');
    }
  });

  test('a retry goes to another server; with every server tried or down there is none', () => {
    const { pool } = poolOf({ balance: 'ip_hash', servers });
    const first = pool.select(ctx('10.0.0.1'), new Set())!;
    const second = pool.select(ctx('10.0.0.1'), new Set([first]))!;
    assert.ok(second && second !== first);
    const third = pool.select(ctx('10.0.0.1'), new Set([first, second]))!;
    assert.equal(pool.select(ctx('10.0.0.1'), new Set([first, second, third])), undefined);
    const { pool: allDown } = poolOf({ balance: 'ip_hash', servers: servers.map((address) => ({ address, down: true })) });
    assert.equal(allDown.select(ctx('10.0.0.1'), new Set()), undefined);
  });
});
