import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverOf } from '../../src/config/normalize.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import type { Peer } from '../../src/balance/peer.js';
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
