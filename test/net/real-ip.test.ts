import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSet } from '../../src/net/cidr.js';
import { resolveClientIp } from '../../src/net/real-ip.js';

const proxies = new AddressSet(['10.0.0.0/8', '2001:db8:ffff::/48']);
const none = new AddressSet([]);

describe('resolveClientIp (trusted proxies, recursive)', () => {
  test('X-Forwarded-For from an untrusted peer is ignored (spoofing)', () => {
    assert.equal(resolveClientIp('203.0.113.9', '1.1.1.1', proxies), '203.0.113.9');
    assert.equal(resolveClientIp('203.0.113.9', '10.0.0.1', proxies), '203.0.113.9');
    assert.equal(resolveClientIp('10.0.0.1', '1.1.1.1', none), '10.0.0.1');
  });

  test('a trusted peer without X-Forwarded-For is itself the client', () => {
    assert.equal(resolveClientIp('10.0.0.1', undefined, proxies), '10.0.0.1');
    assert.equal(resolveClientIp('10.0.0.1', '', proxies), '10.0.0.1');
  });

  test('one trusted hop: the last X-Forwarded-For entry is the client', () => {
    assert.equal(resolveClientIp('10.0.0.1', '198.51.100.7', proxies), '198.51.100.7');
  });

  test('walks right to left past trusted hops and stops at the first untrusted one', () => {
    assert.equal(resolveClientIp('10.0.0.1', '198.51.100.7, 10.0.0.2, 10.0.0.3', proxies), '198.51.100.7');
    // What the client itself wrote on the left never wins over the hop our proxies saw.
    assert.equal(resolveClientIp('10.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2', proxies), '198.51.100.7');
    assert.equal(resolveClientIp('10.0.0.1', '6.6.6.6,198.51.100.7', proxies), '198.51.100.7');
  });

  test('when every hop is trusted, the leftmost one is the client', () => {
    assert.equal(resolveClientIp('10.0.0.1', '10.0.0.5, 10.0.0.6', proxies), '10.0.0.5');
  });

  test('a garbage hop ends the walk at the last good address', () => {
    assert.equal(resolveClientIp('10.0.0.1', '1.2.3.4, unknown, 10.0.0.2', proxies), '10.0.0.2');
    assert.equal(resolveClientIp('10.0.0.1', 'not-an-ip', proxies), '10.0.0.1');
    assert.equal(resolveClientIp('10.0.0.1', '1.2.3.4, , 10.0.0.2,', proxies), '1.2.3.4');
  });

  test('hops with ports and bracketed IPv6 are understood', () => {
    assert.equal(resolveClientIp('10.0.0.1', '198.51.100.7:5555', proxies), '198.51.100.7');
    assert.equal(resolveClientIp('10.0.0.1', '[2001:db8::7]:443', proxies), '2001:db8::7');
    assert.equal(resolveClientIp('10.0.0.1', '2001:db8::7', proxies), '2001:db8::7');
  });

  test('IPv6 trusted proxies and IPv4-mapped peers', () => {
    assert.equal(resolveClientIp('2001:db8:ffff::1', '2001:db8:1::9, 2001:db8:ffff::2', proxies), '2001:db8:1::9');
    assert.equal(resolveClientIp('::ffff:10.0.0.1', '198.51.100.7', proxies), '198.51.100.7');
    assert.equal(resolveClientIp('::ffff:10.0.0.1', '::ffff:198.51.100.7', proxies), '198.51.100.7');
    // The address is reported unmapped, so logs, ip_hash and access rules see one form.
    assert.equal(resolveClientIp('::ffff:203.0.113.9', '1.1.1.1', proxies), '203.0.113.9');
    assert.equal(resolveClientIp('::1', '1.1.1.1', proxies), '::1');
  });
});
