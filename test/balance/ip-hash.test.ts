import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ipHashKey } from '../../src/balance/ip-hash.js';
import { addr, ctx, nameOf, poolOf, sequence, snapshotWith } from './pool-fixture.js';

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

  test('an embedded IPv4 tail fills the last four bytes; a zone is not hashed; a non-IP client hashes as 0.0.0', () => {
    assert.deepEqual(ipHashKey('64:ff9b::1.2.3.4'), [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    assert.deepEqual(ipHashKey('fe80::1.2.3.4%eth0'), ipHashKey('fe80::1.2.3.4'));
    assert.deepEqual(ipHashKey('fe80::1%eth0'), [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    // nginx hashes a unix-socket client as the address 0.0.0.
    assert.deepEqual(ipHashKey('unix:'), [0, 0, 0]);
    assert.deepEqual(ipHashKey(''), [0, 0, 0]);
  });

  test('two servers already hash: a client keeps its server instead of alternating', () => {
    // 127.0.0.x hashes to 4040 (see above); 4040 % 2 = 0 -> the first server every time.
    const { pool } = poolOf({ balance: 'ip_hash', servers: [addr('a'), addr('b')] });
    assert.deepEqual([1, 2, 3, 4].map(() => pick(pool, '127.0.0.1')), ['a', 'a', 'a', 'a']);
  });

  test('21 hashes before round robin, as nginx (tries > 20): the 21st may still find a live server', () => {
    // Ten servers, a and e up. 1.10.211.x hashes to d b b b f b g h f i h c b c i h g i i j, all
    // down, then e on the 21st hash; round robin would have picked a.
    const letters = 'abcdefghij'.split('');
    const { pool } = poolOf({ balance: 'ip_hash', servers: letters.map((n) => ({ address: addr(n), down: n !== 'a' && n !== 'e' })) });
    assert.equal(pick(pool, '1.10.211.1'), 'e');
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
  test('a lone primary goes by round robin, as in nginx, which also raises its effective weight after a failure', () => {
    // a has a backup, so its failures count: one of two lowers its effective weight 2 -> 1.
    const servers = [{ address: addr('a'), weight: 2, max_fails: 2 }, { address: addr('z'), backup: true }];
    const { pool, directory } = poolOf({ balance: 'ip_hash', servers });
    pool.release(pool.select(ctx('10.0.0.1'), new Set())!, { ok: false });
    assert.equal(pick(pool, '10.0.0.1'), 'a'); // round robin's step: back to 2
    // The peer keeps its state across a reload; round robin with c (weight 2) shows a at 2, not 1.
    directory.reconcile(snapshotWith({ balance: 'round_robin', servers: [servers[0], { address: addr('c'), weight: 2 }] }));
    assert.equal(sequence(pool, 4), 'acac');
  });
});
