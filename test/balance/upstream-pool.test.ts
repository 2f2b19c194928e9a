import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverOf } from '../../src/config/normalize.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import type { Peer } from '../../src/balance/peer.js';
import type { UpstreamPool } from '../../src/balance/upstream-pool.js';
import { addr, clockedPool, ctx, LOADER, nameOf, poolOf, sequence, sleep, snapshotWith, TestClock } from './pool-fixture.js';

describe('UpstreamPool', () => {
  test('max_conns with a queue: a request waits for a free slot and gets it on release', async () => {
    const { pool } = poolOf({ queue: { size: 2, timeout: '2s' }, servers: [{ address: addr('a'), max_conns: 1 }] });
    const first = (await pool.selectOrWait(ctx(), new Set()))!;
    let second: string | undefined;
    const waiting = pool.selectOrWait(ctx(), new Set()).then((peer) => (second = nameOf(peer)));
    await sleep(20);
    assert.equal(second, undefined, 'still waiting while a is full');
    assert.equal(pool.queued, 1);
    pool.release(first, { ok: true });
    await waiting;
    assert.equal(second, 'a');
    assert.equal(first.inFlight, 1);
  });

  test('the queue is bounded, times out, and honours abort', async () => {
    const { pool } = poolOf({ queue: { size: 1, timeout: '60ms' }, servers: [{ address: addr('a'), max_conns: 1 }] });
    assert.ok(await pool.selectOrWait(ctx(), new Set()));
    const timedOut = pool.selectOrWait(ctx(), new Set());
    assert.equal(await pool.selectOrWait(ctx(), new Set()), undefined, 'queue full: no wait');
    assert.equal(await timedOut, undefined);
    const controller = new AbortController();
    const aborted = pool.selectOrWait(ctx(), new Set(), controller.signal);
    controller.abort();
    assert.equal(await aborted, undefined);
    assert.equal(pool.queued, 0);
  });

  test('without a queue, or with no peer up, there is no waiting', async () => {
    const { pool } = poolOf({ servers: [{ address: addr('a'), max_conns: 1 }] });
    assert.ok(await pool.selectOrWait(ctx(), new Set()));
    assert.equal(await pool.selectOrWait(ctx(), new Set()), undefined);
    const { pool: down } = poolOf({ queue: { size: 5 }, servers: [{ address: addr('a'), down: true }] });
    assert.equal(await down.selectOrWait(ctx(), new Set()), undefined);
  });

  test('waiters are served first come, first served', async () => {
    const { pool } = poolOf({ queue: { size: 5, timeout: '2s' }, servers: [{ address: addr('a'), max_conns: 1 }] });
    const holder = (await pool.selectOrWait(ctx(), new Set()))!;
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => pool.selectOrWait(ctx(), new Set()).then((peer) => (order.push(n), peer!)));
    for (let i = 0; i < 3; i++) {
      const next = i === 0 ? holder : await waits[i - 1]!;
      pool.release(next, { ok: true });
      await sleep(5);
    }
    await Promise.all(waits);
    assert.deepEqual(order, [1, 2, 3]);
  });

  test('max_fails within fail_timeout benches a peer until fail_timeout has passed since the last failure', () => {
    const clock = new TestClock();
    const pool = clockedPool({ servers: [{ address: addr('a'), max_fails: 2, fail_timeout: '100ms' }, addr('b')] }, clock);
    const [a, b] = pool.peers as [Peer, Peer];
    pool.release(pool.select(ctx(), new Set([b]))!, { ok: false });
    clock.advance(60);
    pool.release(pool.select(ctx(), new Set([b]))!, { ok: false });
    assert.equal(sequence(pool, 3), 'bbb');
    clock.advance(100);
    assert.equal(sequence(pool, 3), 'bbb', 'benched for fail_timeout after the second failure, not the first');
    assert.equal(pool.isPeerUp(a), false);
    clock.advance(1);
    assert.equal(pool.isPeerUp(a), true);
    assert.equal(sequence(pool, 2), 'ab');
    assert.equal(a.fails, 0, 'a success after the timeout clears the failures');
  });

  test('max_fails 2: fail, success, fail inside fail_timeout benches the peer (a success does not restart the window)', () => {
    const clock = new TestClock();
    const pool = clockedPool({ servers: [{ address: addr('a'), max_fails: 2, fail_timeout: '10s' }, addr('b')] }, clock);
    const [a, b] = pool.peers as [Peer, Peer];
    const outcomes = [false, true, false];
    for (const ok of outcomes) {
      clock.advance(10);
      const picked = pool.select(ctx(), new Set([b]));
      assert.equal(picked, a);
      pool.release(picked, { ok });
    }
    assert.equal(a.fails, 2);
    assert.equal(sequence(pool, 4), 'bbbb');
    assert.equal(pool.select(ctx(), new Set([b])), undefined, 'a is benched, not just passed over');
  });

  test('the lone-server rule: a single primary with a backup is benched by max_fails like any other', () => {
    const clock = new TestClock();
    const withBackup = clockedPool({ servers: [{ address: addr('a'), max_fails: 1 }, { address: addr('b'), backup: true }] }, clock);
    const a = withBackup.select(ctx(), new Set())!;
    assert.equal(nameOf(a), 'a');
    withBackup.release(a, { ok: false });
    assert.equal(a.fails, 1);
    assert.equal(withBackup.isPeerUp(a), false);
    assert.equal(sequence(withBackup, 3), 'bbb', 'the backup takes over');

    const alone = clockedPool({ servers: [{ address: addr('a'), max_fails: 1 }] }, clock);
    alone.release(alone.select(ctx(), new Set())!, { ok: false });
    assert.equal(alone.peers[0]!.fails, 0, 'a lone server keeps no failure state');
    assert.equal(alone.peers[0]!.totalFailures, 1, 'but the failure is counted');
    assert.equal(sequence(alone, 2), 'aa');
  });

  test('slow_start: a returning peer ramps up from 5% of its weight to all of it over slow_start', () => {
    const clock = new TestClock();
    const pool = clockedPool({ servers: [{ address: addr('a'), slow_start: '400ms' }, addr('b')] }, clock);
    const countA = (n: number) => sequence(pool, n).split('a').length - 1;
    pool.markHealth(pool.peers[0]!, false);
    assert.equal(sequence(pool, 2), 'bb');
    pool.markHealth(pool.peers[0]!, true);
    assert.equal(countA(42), 2, 'at the floor: a 0.05 share against b\'s 1');
    clock.advance(200);
    assert.equal(countA(30), 10, 'half way: half its weight');
    clock.advance(200);
    assert.equal(countA(40), 20, 'ramped up: an equal share');
    assert.equal(pool.peers[0]!.recoveredAt, 0, 'the ramp is over');
  });

  test('markHealth(false) takes a peer out; hasUsablePeer turns false when none is left', () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b')] });
    pool.markHealth(pool.peers[0]!, false);
    assert.equal(sequence(pool, 2), 'bb');
    pool.markHealth(pool.peers[1]!, false);
    assert.equal(pool.hasUsablePeer(), false);
    assert.equal(pool.select(ctx(), new Set()), undefined);
  });

  test('drain stops new picks and resolves when in-flight requests end', async () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b')] });
    const a = pool.select(ctx(), new Set())!;
    let drained = false;
    const done = pool.drain(a.address).then(() => (drained = true));
    assert.equal(sequence(pool, 3), 'bbb');
    await sleep(5);
    assert.equal(drained, false);
    pool.release(a, { ok: true });
    await done;
    assert.equal(drained, true);
  });

  test('app pools: members set by the supervisor survive a reload; a re-added instance starts fresh', () => {
    const directory = new PoolDirectory();
    const apps = LOADER.fromText('/nowhere/wharf.yaml', JSON.stringify({ apps: { web: { command: 'node server.js' } } }));
    directory.reconcile(apps);
    const pool = directory.get('web')!;
    assert.equal(pool.select(ctx(), new Set()), undefined, 'no instance ready yet');
    pool.setMembers([serverOf(addr('a')), serverOf(addr('b'))]);
    directory.reconcile(apps);
    assert.equal(sequence(pool, 2), 'ab', 'a reload keeps the ready instances');
    const b = pool.peers[1]!;
    void pool.drain(b.address);
    pool.setMembers([serverOf(addr('a'))]);
    pool.setMembers([serverOf(addr('a')), serverOf(addr('b'))]);
    assert.equal(pool.peers[1]!.draining, false, 'the returning instance is not draining');
    assert.equal(sequence(pool, 2).includes('b'), true);
  });

  test('a reload keeps in-flight counts and failures of servers that stay, and drops removed ones', () => {
    const { pool, directory } = poolOf({ balance: 'least_conn', servers: [addr('a'), addr('b'), addr('c')] });
    const held = pool.select(ctx(), new Set())!;
    assert.equal(nameOf(held), 'a');
    directory.reconcile(snapshotWith({ balance: 'least_conn', servers: [addr('a'), addr('b')] }));
    assert.equal(pool.peers[0]!.inFlight, 1);
    assert.equal(nameOf(pool.select(ctx(), new Set())), 'b', 'a is still busy after the reload');
    assert.deepEqual(pool.peers.map(nameOf), ['a', 'b']);
    directory.reconcile(snapshotWith({ balance: 'least_conn', servers: [addr('a'), addr('b')] }, { other: { servers: [addr('c')] } }));
    assert.ok(directory.get('other'));
    assert.deepEqual(directory.reconcile(snapshotWith({ servers: [addr('a')] })), ['other']);
  });
});

/** A reload of a clocked pool: the new pool settings, then its members (what PoolDirectory does). */
function reload(pool: UpstreamPool, upstream: Record<string, unknown>): void {
  const config = snapshotWith(upstream).upstreams.get('u')!;
  pool.configure(config);
  pool.setMembers(config.servers);
}

/** Lets pending promise callbacks run (no time passes). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

/** A pending selectOrWait: its peer once it resolves, and an abort to end it. */
function waiter(pool: UpstreamPool, tried: ReadonlySet<Peer> = new Set()): { got: () => string | undefined; abort: () => void } {
  const controller = new AbortController();
  let got: string | undefined;
  void pool.selectOrWait(ctx(), tried, controller.signal).then((peer) => (got = nameOf(peer)));
  return { got: () => got, abort: () => controller.abort() };
}

describe('UpstreamPool reloads and members', () => {
  test('a reload that changes balance switches the algorithm', () => {
    const { pool, directory } = poolOf({ servers: [addr('a'), addr('b')] });
    assert.equal(sequence(pool, 4), 'abab');
    directory.reconcile(snapshotWith({ balance: 'ip_hash', servers: [addr('a'), addr('b')] }));
    // 127.0.0.x hashes to 4040, 4040 % 2 = 0: a, every time.
    assert.equal(sequence(pool, 4), 'aaaa');
  });

  test('ip_hash walks the tier\'s total weight: weights 1, 1, 2 send 127.0.0.1 to a every time', () => {
    const { pool } = poolOf({ balance: 'ip_hash', servers: [addr('a'), addr('b'), { address: addr('c'), weight: 2 }] });
    assert.equal(sequence(pool, 3), 'aaa');
  });

  test('slow_start: the servers a pool starts with get their full weight at once; members joining later ramp up', () => {
    const clock = new TestClock();
    const pool = clockedPool({ servers: [{ address: addr('a'), slow_start: '400ms' }, addr('b')] }, clock);
    assert.equal(sequence(pool, 4), 'abab');
    pool.setMembers([...pool.peers.map((peer) => peer.config), { ...serverOf(addr('c')), slowStartMs: 400 }]);
    assert.equal(sequence(pool, 40).split('c').length - 1, 1, 'c joins at the 5% floor');
  });

  test('slow_start ramps only peers that recover or join while it is configured', () => {
    const clock = new TestClock();
    const pool = clockedPool({ servers: [addr('a'), addr('b')] }, clock);
    pool.markHealth(pool.peers[0]!, false);
    pool.markHealth(pool.peers[0]!, true); // a recovers, without slow_start
    pool.setMembers([...pool.peers.map((peer) => peer.config), serverOf(addr('c'))]); // c joins, without slow_start
    reload(pool, { servers: ['a', 'b', 'c'].map((n) => ({ address: addr(n), slow_start: '400ms' })) });
    assert.equal(sequence(pool, 6), 'abcabc', 'nobody is ramping');
  });

  test('hasUsablePeer is true while any one peer is up', () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b')] });
    pool.markHealth(pool.peers[0]!, false);
    assert.equal(pool.hasUsablePeer(), true);
  });

  test('markHealth answers whether the verdict changed; the same verdict again restarts nothing', () => {
    const clock = new TestClock();
    const pool = clockedPool({ servers: [{ address: addr('a'), slow_start: '400ms' }, addr('b')] }, clock);
    const a = pool.peers[0]!;
    assert.equal(pool.markHealth(a, true), false, 'already healthy');
    assert.equal(sequence(pool, 4), 'abab', 'no slow_start ramp');
    assert.equal(pool.markHealth(a, false), true);
    assert.equal(pool.markHealth(a, false), false);
  });

  test('releasing a peer with nothing in flight leaves its count at 0', () => {
    const { pool } = poolOf({ balance: 'least_conn', servers: [addr('a'), addr('b')] });
    const a = pool.select(ctx(), new Set())!;
    pool.release(a, { ok: true });
    pool.release(a, { ok: true });
    assert.equal(a.inFlight, 0);
  });

  test('a lone server counts its requests and only its failures as failures', () => {
    const { pool } = poolOf({ servers: [addr('a')] });
    pool.release(pool.select(ctx(), new Set())!, { ok: true });
    pool.release(pool.select(ctx(), new Set())!, { ok: false });
    assert.deepEqual([pool.peers[0]!.totalRequests, pool.peers[0]!.totalFailures], [2, 1]);
  });

  test('a failure of a server removed while in flight counts when it comes back, even if one server was left meanwhile', () => {
    const servers = [{ address: addr('a'), max_fails: 1 }, addr('b')];
    const { pool, directory } = poolOf({ servers });
    const b = pool.peers[1]!;
    const held = [pool.select(ctx(), new Set([b]))!, pool.select(ctx(), new Set([b]))!];
    directory.reconcile(snapshotWith({ servers: [addr('b')] })); // b alone: the lone-server rule
    pool.release(held[0]!, { ok: false }); // a's failure, a is not the lone server
    directory.reconcile(snapshotWith({ servers }));
    assert.equal(sequence(pool, 2), 'bb', 'a is back, benched');
    pool.release(held[1]!, { ok: true });
  });

  test('duplicate member addresses make one member', () => {
    const { pool } = poolOf({ servers: [addr('a')] });
    pool.setMembers([serverOf(addr('a')), serverOf(addr('a')), serverOf(addr('b'))]);
    assert.deepEqual(pool.peers.map(nameOf), ['a', 'b']);
    assert.equal(sequence(pool, 4), 'abab');
  });

  test('a member that left while in flight comes back fresh: not draining, healthy; staying members keep their state', () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b')] });
    const [a, b] = pool.peers as [Peer, Peer];
    const held = pool.select(ctx(), new Set([a]))!;
    void pool.drain(b.address);
    pool.markHealth(b, false);
    pool.markHealth(a, false);
    pool.setMembers([serverOf(addr('a'))]);
    pool.setMembers([serverOf(addr('a')), serverOf(addr('b'))]);
    assert.equal(pool.peers[1], b, 'the same peer: it was still in flight');
    assert.deepEqual([b.draining, b.healthy], [false, true]);
    assert.equal(a.healthy, false, 'a stayed: still unhealthy');
    pool.release(held, { ok: true });
  });

  test('a member that left idle is forgotten: it comes back without its failures; one that stays keeps them', () => {
    const servers = [addr('a'), { address: addr('b'), max_fails: 1 }];
    const { pool, directory } = poolOf({ servers });
    const [a, b] = pool.peers as [Peer, Peer];
    pool.release(pool.select(ctx(), new Set([a]))!, { ok: false }); // b benched
    directory.reconcile(snapshotWith({ servers }));
    assert.equal(pool.peers[1], b, 'b stayed: the same peer');
    assert.equal(sequence(pool, 2), 'aa', 'still benched');
    directory.reconcile(snapshotWith({ servers: [addr('a')] }));
    directory.reconcile(snapshotWith({ servers }));
    assert.notEqual(pool.peers[1], b);
    assert.equal(sequence(pool, 2), 'ab');
  });
});

describe('UpstreamPool drain', () => {
  test('drain finds the peer by address, not the first one', () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b')] });
    void pool.drain(addr('b'));
    assert.equal(sequence(pool, 3), 'aaa');
  });

  test('an idle peer is drained at once', async () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b')] });
    const first = await Promise.race([pool.drain(addr('b')).then(() => 'drained'), settled().then(() => 'waiting')]);
    assert.equal(first, 'drained');
  });

  test('drain waits for every in-flight request, also when the peer leaves or stays in a reload', async () => {
    const { pool } = poolOf({ servers: [addr('a'), addr('b')] });
    const [a, b] = pool.peers as [Peer, Peer];
    const heldB = [pool.select(ctx(), new Set([a]))!, pool.select(ctx(), new Set([a]))!];
    const heldA = pool.select(ctx(), new Set([b]))!;
    let drainedB = false;
    let drainedA = false;
    void pool.drain(b.address).then(() => (drainedB = true));
    void pool.drain(a.address).then(() => (drainedA = true));
    pool.release(heldB[0]!, { ok: true });
    pool.setMembers([serverOf(addr('a'))]); // b leaves with one request in flight; a stays, draining
    await settled();
    assert.deepEqual([drainedA, drainedB], [false, false]);
    pool.release(heldB[1]!, { ok: true });
    pool.release(heldA, { ok: true });
    await settled();
    assert.deepEqual([drainedA, drainedB], [true, true]);
  });

  test('draining a peer that already left but still has a request in flight waits for it', async () => {
    const { pool, directory } = poolOf({ servers: [addr('a'), addr('b')] });
    const a = pool.select(ctx(), new Set())!;
    directory.reconcile(snapshotWith({ servers: [addr('b')] }));
    let drained = false;
    void pool.drain(a.address).then(() => (drained = true));
    await settled();
    assert.equal(drained, false);
    pool.release(a, { ok: true });
    await settled();
    assert.equal(drained, true);
  });
});

describe('UpstreamPool wait queue', () => {
  test('a newcomer queues behind waiting requests, even when time alone freed a peer', async () => {
    const clock = new TestClock();
    const pool = clockedPool({ queue: { size: 2, timeout: '60s' }, servers: [{ address: addr('a'), max_conns: 1 }, { address: addr('b'), max_fails: 1, fail_timeout: '100ms' }] }, clock);
    const [a, b] = pool.peers as [Peer, Peer];
    pool.release(pool.select(ctx(), new Set([a]))!, { ok: false }); // b benched for 100 ms
    const heldA = pool.select(ctx(), new Set())!;
    const first = waiter(pool);
    clock.advance(101); // b is back, but no event says so
    const second = waiter(pool);
    await settled();
    assert.deepEqual([first.got(), second.got()], ['b', undefined], 'the first waiter gets b');
    second.abort();
    pool.release(heldA, { ok: true });
  });

  test('a full queue turns a newcomer away at once, but still gives it a peer every waiter has tried', async () => {
    const { pool } = poolOf({ queue: { size: 1, timeout: '60s' }, servers: [{ address: addr('a'), max_conns: 1 }, { address: addr('b'), max_conns: 1 }] });
    const [a, b] = pool.peers as [Peer, Peer];
    const heldA = pool.select(ctx(), new Set([b]))!;
    const retry = waiter(pool, new Set([b])); // a retry that already tried b: waits for a
    assert.equal(pool.queued, 1);
    const newcomer = await pool.selectOrWait(ctx(), new Set());
    assert.equal(newcomer, b, 'the queue is full, but b is free for a request that has not tried it');
    const turnedAway = pool.selectOrWait(ctx(), new Set());
    assert.equal(pool.queued, 1, 'not queued');
    assert.equal(await turnedAway, undefined);
    retry.abort();
    assert.equal(pool.queued, 0, 'an abort leaves the queue at once');
    pool.release(heldA, { ok: true });
    pool.release(newcomer!, { ok: true });
  });

  test('a request waits while some peer that is up could serve it, even with another down', async () => {
    const { pool } = poolOf({ queue: { size: 2, timeout: '60s' }, servers: [{ address: addr('a'), max_conns: 1 }, { address: addr('b'), down: true }] });
    const held = pool.select(ctx(), new Set())!;
    const next = waiter(pool);
    assert.equal(pool.queued, 1);
    pool.release(held, { ok: true });
    await settled();
    assert.equal(next.got(), 'a');
  });

  test('a waiter is turned away at once when no peer is left up to serve it', async () => {
    const { pool } = poolOf({ queue: { size: 2, timeout: '60s' }, servers: [{ address: addr('a'), max_conns: 1 }] });
    const held = pool.select(ctx(), new Set())!;
    const next = waiter(pool);
    pool.markHealth(held, false);
    assert.equal(pool.queued, 0);
    await settled();
    assert.equal(next.got(), '-');
  });

  test('a waiter that cannot be served does not hold up a later one that can', async () => {
    const { pool } = poolOf({ queue: { size: 5, timeout: '60s' }, servers: [{ address: addr('a'), max_conns: 1 }, { address: addr('b'), max_conns: 1 }] });
    const [a, b] = pool.peers as [Peer, Peer];
    const heldA = pool.select(ctx(), new Set([b]))!;
    const heldB = pool.select(ctx(), new Set([a]))!;
    const retry = waiter(pool, new Set([b])); // tried b: only a will do
    const fresh = waiter(pool);
    pool.release(heldB, { ok: true });
    await settled();
    assert.deepEqual([retry.got(), fresh.got()], [undefined, 'b']);
    retry.abort();
    pool.release(heldA, { ok: true });
  });

  test('a queue timeout of 0 waits without a time limit', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { pool } = poolOf({ queue: { size: 1, timeout: '0s' }, servers: [{ address: addr('a'), max_conns: 1 }] });
    pool.select(ctx(), new Set());
    const next = waiter(pool);
    t.mock.timers.tick(3_600_000);
    assert.equal(pool.queued, 1);
    next.abort();
  });
});
