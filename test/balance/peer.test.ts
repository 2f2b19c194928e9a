// A peer's own state on exact numbers: the latency average and its fading, the slow_start ramp,
// passive-health bookkeeping (nginx's fails/checked/accessed), capacity, and the PeerTable that
// keeps peers across reloads.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverOf } from '../../src/config/normalize.js';
import { Peer, PeerTable } from '../../src/balance/peer.js';
import type { ServerConfig } from '../../src/config/model.js';

const T0 = 1_700_000_000_000;

function peerWith(overrides: Partial<ServerConfig> = {}): Peer {
  const config = { ...serverOf('127.0.0.1:9001'), ...overrides };
  return new Peer(config.address, config);
}

describe('peer', () => {
  test('the latency average: the first sample as is, then 0.7 old + 0.3 new', () => {
    const peer = peerWith();
    assert.equal(peer.latencyAt(T0), 0, 'no sample yet');
    peer.observeLatency(100, T0);
    assert.equal(peer.latencyAt(T0), 100);
    peer.observeLatency(200, T0);
    assert.equal(peer.latencyMs, 130);
    assert.equal(peer.latencySampledAt, T0);
  });

  test('a 0 ms first sample still counts as a sample', () => {
    const peer = peerWith();
    peer.observeLatency(0, T0);
    assert.ok(peer.latencyMs > 0 && peer.latencyMs <= 0.001);
  });

  test('the average holds for 10 s without samples, then halves every further 10 s', () => {
    const peer = peerWith();
    peer.observeLatency(80, T0);
    assert.equal(peer.latencyAt(T0 + 10_000), 80);
    assert.equal(peer.latencyAt(T0 + 20_000), 40);
    assert.equal(peer.latencyAt(T0 + 30_000), 20);
    assert.equal(peer.latencyAt(T0 + 15_000), 80 * 0.5 ** 0.5);
  });

  test('slow_start: 5% floor, then linear to the full weight, then the ramp ends', () => {
    const peer = peerWith({ weight: 4, slowStartMs: 1000 });
    assert.equal(peer.weightAt(T0), 4, 'not ramping');
    peer.recoveredAt = T0;
    assert.equal(peer.rampAt(T0 + 10), 0.05);
    assert.equal(peer.rampAt(T0 + 50), 0.05);
    assert.equal(peer.rampAt(T0 + 250), 0.25);
    assert.equal(peer.weightAt(T0 + 500), 2);
    assert.equal(peer.rampAt(T0 + 999), 0.999);
    assert.equal(peer.rampAt(T0 + 1000), 1);
    assert.equal(peer.recoveredAt, 0, 'ramp over');
  });

  test('without slow_start a recovering peer gets its full weight at once', () => {
    const peer = peerWith({ weight: 3, slowStartMs: 0 });
    peer.recoveredAt = T0;
    assert.equal(peer.weightAt(T0), 3);
  });

  test('benched: max_fails failures with the last inside fail_timeout; max_fails 0 never benches', () => {
    const peer = peerWith({ maxFails: 2, failTimeoutMs: 1000 });
    peer.recordFailure(T0);
    assert.equal(peer.isBenched(T0), false, 'one failure of two');
    peer.recordFailure(T0 + 10);
    assert.equal(peer.isBenched(T0 + 10), true);
    assert.equal(peer.isBenched(T0 + 1010), true, 'the edge of fail_timeout is inside');
    assert.equal(peer.isBenched(T0 + 1011), false);
    assert.deepEqual([peer.fails, peer.totalFailures, peer.totalRequests, peer.accessedAt, peer.checkedAt], [2, 2, 2, T0 + 10, T0 + 10]);

    const never = peerWith({ maxFails: 0 });
    for (let i = 0; i < 5; i++) never.recordFailure(T0);
    assert.equal(never.isBenched(T0), false);
    assert.equal(never.effectiveWeight, 1, 'max_fails 0 leaves the weight alone');
  });

  test('isUp: down, weight 0, draining and unhealthy are out; the lone-server flag ignores only max_fails', () => {
    const benched = peerWith({ maxFails: 1 });
    benched.recordFailure(T0);
    assert.equal(benched.isUp(T0), false);
    assert.equal(benched.isUp(T0, true), true);
    assert.equal(peerWith({ down: true }).isUp(T0, true), false);
    assert.equal(peerWith({ weight: 0 }).isUp(T0, true), false);
    const draining = peerWith();
    draining.draining = true;
    assert.equal(draining.isUp(T0, true), false);
    const unhealthy = peerWith();
    unhealthy.healthy = false;
    assert.equal(unhealthy.isUp(T0, true), false);
    assert.equal(peerWith().isUp(T0), true);
  });

  test('max_conns: capacity until in-flight reaches it; 0 is unlimited', () => {
    const peer = peerWith({ maxConns: 2 });
    peer.inFlight = 1;
    assert.equal(peer.hasCapacity(), true);
    assert.equal(peer.isUsable(T0), true);
    peer.inFlight = 2;
    assert.equal(peer.hasCapacity(), false);
    assert.equal(peer.isUsable(T0), false);
    const unlimited = peerWith({ maxConns: 0 });
    unlimited.inFlight = 10_000;
    assert.equal(unlimited.hasCapacity(), true);
  });

  test('each failure lowers the effective weight by weight/max_fails, not below 0', () => {
    const peer = peerWith({ weight: 5, maxFails: 2 });
    peer.recordFailure(T0);
    assert.equal(peer.effectiveWeight, 3);
    peer.recordFailure(T0);
    assert.equal(peer.effectiveWeight, 1);
    peer.recordFailure(T0);
    assert.equal(peer.effectiveWeight, 0);
  });

  test('a success clears the failures only once a new fail_timeout window has started, and starts slow_start if benched', () => {
    const peer = peerWith({ maxFails: 1, failTimeoutMs: 1000, slowStartMs: 500 });
    peer.recordFailure(T0);
    peer.notePicked(T0 + 500);
    assert.equal(peer.checkedAt, T0, 'inside the window: no new window');
    peer.recordSuccess(T0 + 600);
    assert.equal(peer.fails, 1);
    assert.equal(peer.recoveredAt, 0);
    peer.notePicked(T0 + 1001);
    assert.equal(peer.checkedAt, T0 + 1001);
    peer.recordSuccess(T0 + 1002);
    assert.equal(peer.fails, 0);
    assert.equal(peer.recoveredAt, T0 + 1002, 'it had been benched: it ramps up again');
    assert.equal(peer.inFlight, 2);
    assert.equal(peer.totalRequests, 3);
  });

  test('a success after failures below max_fails clears them without a ramp', () => {
    const peer = peerWith({ maxFails: 3, failTimeoutMs: 1000, slowStartMs: 500 });
    peer.recordFailure(T0);
    peer.notePicked(T0 + 2000);
    peer.recordSuccess(T0 + 2000);
    assert.equal(peer.fails, 0);
    assert.equal(peer.recoveredAt, 0);
  });

  test('a pick exactly fail_timeout after the last failure is still inside the window (nginx: later than, not at)', () => {
    const peer = peerWith({ maxFails: 2, failTimeoutMs: 1000 });
    peer.recordFailure(T0);
    peer.notePicked(T0 + 1000);
    assert.equal(peer.checkedAt, T0, 'no new window yet');
    peer.recordSuccess(T0 + 1000);
    assert.equal(peer.fails, 1, 'so a success does not clear the failure');
  });

  test('max_fails 0: a success after failures starts no slow_start ramp (the peer was never benched)', () => {
    const peer = peerWith({ maxFails: 0, failTimeoutMs: 1000, slowStartMs: 500 });
    peer.recordFailure(T0);
    peer.notePicked(T0 + 2000);
    peer.recordSuccess(T0 + 2000);
    assert.equal(peer.fails, 0);
    assert.equal(peer.recoveredAt, 0);
    assert.equal(peer.weightAt(T0 + 2000), 1, 'full weight at once');
  });

  test('isUsable without the lone-server flag: a benched peer is not usable', () => {
    const peer = peerWith({ maxFails: 1 });
    peer.recordFailure(T0);
    assert.equal(peer.isUsable(T0), false);
    assert.equal(peer.isUsable(T0, true), true);
  });

  test('origin is the http URL of the address', () => {
    assert.equal(peerWith().origin, 'http://127.0.0.1:9001');
  });
});

describe('PeerTable', () => {
  test('hands back the same peer for the same address, with the new config', () => {
    const table = new PeerTable();
    const first = table.get(serverOf('127.0.0.1:9001'));
    first.inFlight = 3;
    const again = table.get({ ...serverOf('127.0.0.1:9001'), maxConns: 7 });
    assert.equal(again, first);
    assert.equal(again.config.maxConns, 7);
    assert.equal(table.find('127.0.0.1:9001'), first);
    assert.equal(table.find('127.0.0.1:9002'), undefined);
  });

  test('a weight change resets the effective weight; an unchanged weight keeps it', () => {
    const table = new PeerTable();
    const peer = table.get({ ...serverOf('127.0.0.1:9001'), weight: 4, maxFails: 2 });
    peer.recordFailure(T0);
    assert.equal(peer.effectiveWeight, 2);
    table.get({ ...serverOf('127.0.0.1:9001'), weight: 4, maxFails: 2 });
    assert.equal(peer.effectiveWeight, 2);
    table.get({ ...serverOf('127.0.0.1:9001'), weight: 6, maxFails: 2 });
    assert.equal(peer.effectiveWeight, 6);
  });

  test('forget drops a peer: the next get makes a fresh one', () => {
    const table = new PeerTable();
    const peer = table.get(serverOf('127.0.0.1:9001'));
    table.forget('127.0.0.1:9001');
    assert.equal(table.find('127.0.0.1:9001'), undefined);
    assert.notEqual(table.get(serverOf('127.0.0.1:9001')), peer);
  });
});
