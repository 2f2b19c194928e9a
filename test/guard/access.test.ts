import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { AccessGuard } from '../../src/guard/access.js';
import { GuardConfigError } from '../../src/guard/errors.js';
import { guardRequest } from './guard-request.js';

function verdicts(rules: string[], clients: string[]): string[] {
  const guard = new AccessGuard(rules);
  return clients.map((ip) => (guard.admit(guardRequest(ip)) === undefined ? 'allow' : 'deny'));
}

describe('access rules', () => {
  test('the contract example: deny one host, allow its /24 and loopback, deny the rest', () => {
    const rules = ['deny 192.168.1.2', 'allow 192.168.1.0/24', 'allow 127.0.0.1', 'deny all'];
    assert.deepEqual(verdicts(rules, ['192.168.1.2', '192.168.1.3', '192.168.1.255', '127.0.0.1', '10.0.0.1', '192.168.2.1', '::1']), [
      'deny', 'allow', 'allow', 'allow', 'deny', 'deny', 'deny',
    ]);
  });

  test('a denied client gets 403 with reason access_denied', () => {
    const verdict = new AccessGuard(['deny all']).admit(guardRequest('10.1.2.3'));
    assert.equal(verdict?.status, 403);
    assert.equal(verdict?.reason, 'access_denied');
  });

  test('the first matching rule wins, so order decides', () => {
    assert.deepEqual(verdicts(['allow 10.0.0.0/8', 'deny 10.1.2.3'], ['10.1.2.3']), ['allow']);
    assert.deepEqual(verdicts(['deny 10.1.2.3', 'allow 10.0.0.0/8'], ['10.1.2.3', '10.1.2.4']), ['deny', 'allow']);
    assert.deepEqual(verdicts(['allow all', 'deny 10.0.0.1'], ['10.0.0.1', '::1']), ['allow', 'allow']);
    assert.deepEqual(verdicts(['deny all', 'allow 10.0.0.1'], ['10.0.0.1', '::1']), ['deny', 'deny']);
  });

  test('a client no rule matches is allowed; an empty list allows everyone', () => {
    assert.deepEqual(verdicts(['deny 10.0.0.0/8'], ['11.0.0.1', '10.255.255.255', '2001:db8::1']), ['allow', 'deny', 'allow']);
    assert.deepEqual(verdicts([], ['1.2.3.4', '::1']), ['allow', 'allow']);
  });

  test('IPv4 prefixes from /0 to /32, with host bits set in the rule', () => {
    assert.deepEqual(verdicts(['deny 0.0.0.0/0'], ['1.2.3.4', '255.255.255.255']), ['deny', 'deny']);
    assert.deepEqual(verdicts(['deny 192.168.1.77/24'], ['192.168.1.5', '192.168.0.5']), ['deny', 'allow']);
    assert.deepEqual(verdicts(['deny 10.0.0.1/32'], ['10.0.0.1', '10.0.0.2']), ['deny', 'allow']);
    assert.deepEqual(verdicts(['deny 172.16.0.0/12'], ['172.31.255.255', '172.32.0.0', '172.15.255.255']), ['deny', 'allow', 'allow']);
    assert.deepEqual(verdicts(['deny 128.0.0.0/1'], ['128.0.0.0', '127.255.255.255']), ['deny', 'allow']);
  });

  test('IPv6 addresses and prefixes, in compressed, full, upper-case and zoned forms', () => {
    const rules = ['allow 2001:db8::/32', 'deny all'];
    assert.deepEqual(verdicts(rules, ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:ffff::', '2001:db9::1', '::1']), [
      'allow', 'allow', 'allow', 'deny', 'deny',
    ]);
    assert.deepEqual(verdicts(['deny ::1', 'allow all'], ['::1', '0:0:0:0:0:0:0:1', '::2']), ['deny', 'deny', 'allow']);
    assert.deepEqual(verdicts(['deny fe80::/10'], ['fe80::1%eth0', 'febf::1', 'fec0::1']), ['deny', 'deny', 'allow']);
    assert.deepEqual(verdicts(['deny 2001:db8:1:2:3:4:5:6/127'], ['2001:db8:1:2:3:4:5:7', '2001:db8:1:2:3:4:5:8']), ['deny', 'allow']);
    assert.deepEqual(verdicts(['deny 2001:db8::/128'], ['2001:db8::', '2001:db8::1']), ['deny', 'allow']);
    assert.deepEqual(verdicts(['deny ::/0'], ['2001:db8::1', '::']), ['deny', 'deny']);
    assert.deepEqual(verdicts(rules, ['2001:DB8::A', '2001:DB8::F']), ['allow', 'allow'], 'upper-case A and F are hex digits too');
    // Bits 64-95 count as much as the others: ::1:0:0 is outside 2001:db8::/96.
    assert.deepEqual(verdicts(['deny 2001:db8::/96'], ['2001:db8::1:0:0', '2001:db8::ffff']), ['allow', 'deny']);
  });

  test('families do not cross: IPv6 rules ignore IPv4 clients and IPv4 rules ignore IPv6 clients', () => {
    assert.deepEqual(verdicts(['deny ::/0'], ['1.2.3.4']), ['allow']);
    assert.deepEqual(verdicts(['deny 0.0.0.0/0'], ['::1', '2001:db8::1']), ['allow', 'allow']);
  });

  test('IPv4-mapped IPv6 clients match IPv4 rules (dotted and hex forms)', () => {
    const rules = ['deny 10.0.0.0/8', 'allow 192.168.1.9', 'deny all'];
    assert.deepEqual(verdicts(rules, ['::ffff:10.1.1.1', '::FFFF:a01:101', '0:0:0:0:0:ffff:10.9.9.9', '::ffff:192.168.1.9', '::ffff:192.168.1.8']), [
      'deny', 'deny', 'deny', 'allow', 'deny',
    ]);
    // A mapped address in a rule is an IPv4 rule; its prefix counts the mapped IPv6 bits.
    assert.deepEqual(verdicts(['deny ::ffff:10.0.0.0/104'], ['10.2.3.4', '11.2.3.4']), ['deny', 'allow']);
    assert.deepEqual(verdicts(['deny ::ffff:10.0.0.1'], ['10.0.0.1', '::ffff:10.0.0.1']), ['deny', 'deny']);
  });

  test('a client address that does not parse only matches `all`', () => {
    const malformed = ['1..2.3', '.1.2.3', '1.2.3.', '1.2.3.a', '1.2.3.4a', '1.2.3.4-', '0001.2.3.4', '1::g', '1::G', '1::@', '1::x', ':12:3:4:5:6:7:8',
      '1:2:::3', '1::2:', '::1::2', '1:2:3', '1:2:3:4::5:6:7:8'];
    for (const bad of ['', 'garbage', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1::2::3', ':::', '12345::', '1:2:3:4:5:6:7:8:9', 'unix:', ...malformed]) {
      assert.deepEqual(verdicts(['allow 0.0.0.0/0', 'allow ::/0', 'deny all'], [bad]), ['deny'], bad);
      assert.deepEqual(verdicts(['deny 0.0.0.0/0', 'deny ::/0'], [bad]), ['allow'], bad);
    }
  });

  test('invalid rules are refused with a stable code', () => {
    for (const rule of ['permit 1.2.3.4', 'allow', 'allow 1.2.3.4/33', 'deny 2001:db8::/129', 'allow 10.0.0.0/x', 'deny nothere', 'allow 1.2.3.4 5.6.7.8',
      'xdeny 1.2.3.4', 'allow 10.0.0.1/x8', 'allow 10.0.0.1/8x', 'deny ::ffff:10.0.0.0/90']) {
      assert.throws(() => new AccessGuard([rule]), (error: unknown) => error instanceof GuardConfigError && error.code === 'WHARF_ACCESS_RULE_INVALID', rule);
    }
  });

  test('a refused rule is quoted in the message, with what is wrong', () => {
    assert.throws(() => new AccessGuard(['permit 1.2.3.4']), { message: 'access rule "permit 1.2.3.4" is not "allow|deny ADDRESS|CIDR|all"' });
    assert.throws(() => new AccessGuard(['deny nothere']), { message: 'access rule "deny nothere": invalid address or CIDR "nothere"' });
  });

  test('spaces around and between the words of a rule are allowed', () => {
    assert.deepEqual(verdicts(['  deny   10.0.0.1  ', 'allow all'], ['10.0.0.1', '10.0.0.2']), ['deny', 'allow']);
  });

  test('only ::ffff:0:0/96 is IPv4-mapped; a mapped rule may cover all of IPv4 (/96)', () => {
    // Other addresses ending in ffff:a.b.c.d are IPv6 and do not meet IPv4 rules.
    assert.deepEqual(verdicts(['deny 10.0.0.0/8'], ['1::ffff:a01:101', '0:0:1:0:0:ffff:a01:101']), ['allow', 'allow']);
    assert.deepEqual(verdicts(['deny ::ffff:0.0.0.0/96'], ['10.1.2.3', '192.0.2.1', '::1']), ['deny', 'deny', 'allow']);
    // A full eight-group address may end in a dotted IPv4 tail.
    assert.deepEqual(verdicts(['allow 10.0.0.0/8', 'deny all'], ['0:0:0:0:0:ffff:10.9.9.9']), ['allow']);
  });

  test('agrees with node:net BlockList on random networks and addresses of the same family', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const v4 = () => [0, 0, 0, 0].map(() => random(256)).join('.');
    // new URL canonicalizes to the compressed form, so compressed parsing is exercised too.
    const v6 = () => new URL(`http://[${[0, 0, 0, 0, 0, 0, 0, 0].map(() => (random(3) === 0 ? 0 : random(65536)).toString(16)).join(':')}]`).hostname.slice(1, -1);
    for (let i = 0; i < 300; i++) {
      const family = i % 2 === 0 ? 'ipv4' : 'ipv6';
      const base = family === 'ipv4' ? v4() : v6();
      if (base.startsWith('::ffff:')) continue;
      const prefix = random(family === 'ipv4' ? 33 : 129);
      const list = new BlockList();
      list.addSubnet(base, prefix, family);
      const guard = new AccessGuard([`deny ${base}/${prefix}`]);
      for (let j = 0; j < 20; j++) {
        // Half the probes share the network's leading text, so matches happen often.
        const probe = family === 'ipv4' ? (j % 2 ? v4() : base.replace(/\.\d+$/, `.${random(256)}`)) : j % 2 ? v6() : base.replace(/[0-9a-f]*$/, random(65536).toString(16));
        if (probe.startsWith('::ffff:')) continue;
        assert.equal(guard.allows(probe), !list.check(probe, family), `${probe} in ${base}/${prefix}`);
      }
    }
  });
});
