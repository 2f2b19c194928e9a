import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitConnGuard } from '../../src/guard/limit-conn.js';
import { guardRequest, type TestRequest } from './guard-request.js';

describe('limit_conn', () => {
  test('per_ip: the (N+1)th concurrent exchange of one client gets 503 conn_limited; other clients are unaffected', () => {
    const guard = new LimitConnGuard({ perIp: 2, total: 0, status: 503 });
    const a1 = guardRequest('192.0.2.1');
    const a2 = guardRequest('192.0.2.1');
    assert.equal(guard.admit(a1), undefined);
    assert.equal(guard.admit(a2), undefined);
    const third = guard.admit(guardRequest('192.0.2.1'));
    assert.equal(third?.status, 503);
    assert.equal(third?.reason, 'conn_limited');
    assert.equal(guard.admit(guardRequest('192.0.2.2')), undefined);
    a1.finish();
    assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined, 'a finished exchange frees its slot');
  });

  test('total: concurrent exchanges across all clients', () => {
    const guard = new LimitConnGuard({ perIp: 0, total: 3, status: 503 });
    const held = ['192.0.2.1', '192.0.2.2', '2001:db8::1'].map((ip) => guardRequest(ip));
    for (const request of held) assert.equal(guard.admit(request), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.9'))?.status, 503);
    held[1]!.finish();
    assert.equal(guard.admit(guardRequest('192.0.2.9')), undefined);
    assert.equal(guard.inFlight, 3);
  });

  test('a rejected exchange takes no slot, and the status is configurable', () => {
    const guard = new LimitConnGuard({ perIp: 1, total: 0, status: 429 });
    const held = guardRequest('192.0.2.1');
    guard.admit(held);
    const rejected = guardRequest('192.0.2.1');
    assert.equal(guard.admit(rejected)?.status, 429);
    rejected.finish();
    assert.equal(guard.inFlight, 1);
    held.finish();
    assert.equal(guard.inFlight, 0);
  });

  test('after 10,000 exchanges ending in every order, all counters are back to 0', () => {
    const guard = new LimitConnGuard({ perIp: 50, total: 200, status: 503 });
    const open: TestRequest[] = [];
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) {
      const request = guardRequest(`10.0.${i % 7}.${i % 13}`);
      if (guard.admit(request) === undefined) admitted++;
      open.push(request);
      // End exchanges out of order, and some twice, as aborts racing normal ends would.
      if (open.length > 150) {
        const victim = open.splice(i % open.length, 1)[0]!;
        victim.finish();
        if (i % 3 === 0) victim.finish();
      }
    }
    assert.ok(admitted > 9000);
    for (const request of open) request.finish();
    assert.equal(guard.inFlight, 0);
    assert.equal(guard.trackedIps, 0);
  });

  test('an exchange admitted before a reload releases into the guard that admitted it', () => {
    const before = new LimitConnGuard({ perIp: 1, total: 1, status: 503 });
    const after = new LimitConnGuard({ perIp: 1, total: 1, status: 503 });
    const inFlight = guardRequest('192.0.2.1');
    before.admit(inFlight);
    assert.equal(after.admit(guardRequest('192.0.2.1')), undefined, 'the new guard starts empty');
    inFlight.finish();
    assert.equal(before.inFlight, 0);
    assert.equal(after.inFlight, 1);
  });
  test('per_ip: when one of two exchanges of a client ends, exactly one more fits', () => {
    const guard = new LimitConnGuard({ perIp: 2, total: 0, status: 503 });
    const [first, second] = [guardRequest('192.0.2.1'), guardRequest('192.0.2.1')];
    assert.equal(guard.admit(first), undefined);
    assert.equal(guard.admit(second), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.1'))?.status, 503);
    first.finish();
    assert.equal(guard.admit(guardRequest('192.0.2.1')), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.1'))?.status, 503, 'the second exchange still holds its slot');
    assert.equal(guard.trackedIps, 1);
  });

  test('a release that runs twice gives back one slot, not two', () => {
    const guard = new LimitConnGuard({ perIp: 1, total: 1, status: 503 });
    let release: (() => void) | undefined;
    const request = { ...guardRequest('192.0.2.1'), onDone: (callback: () => void) => (release = callback) };
    assert.equal(guard.admit(request), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.2'))?.status, 503);
    const other = guardRequest('192.0.2.1');
    release!();
    release!();
    assert.equal(guard.inFlight, 0);
    assert.equal(guard.admit(other), undefined);
    assert.equal(guard.admit(guardRequest('192.0.2.3'))?.status, 503, 'total 1 still holds');
  });
});
