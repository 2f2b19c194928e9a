// The canary split: exact shares without a pin, sticky and monotonic with one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrafficSplit, pinOf, pointOf } from '../../src/balance/traffic-split.js';
import type { UpstreamPool } from '../../src/balance/upstream-pool.js';

const pool = (name: string) => ({ name }) as UpstreamPool;
const stable = pool('web');
const canary = pool('web@canary');
const noHeaders = { header: () => undefined };

test('without a pin the shares are exact: 1 in 5 at 20%, 1 in 2 at 50%', () => {
  const split = new TrafficSplit();
  split.set('web', canary, 0.2);
  const picks = Array.from({ length: 100 }, () => split.choose(stable, noHeaders).name);
  assert.equal(picks.filter((p) => p === 'web@canary').length, 20);
  assert.deepEqual(picks.slice(0, 5), ['web', 'web', 'web', 'web', 'web@canary']);
  split.set('web', canary, 0.5);
  assert.equal(Array.from({ length: 100 }, () => split.choose(stable, noHeaders)).filter((p) => p === canary).length, 50);
});

test('weight 0 and 1, cleared splits and other pools', () => {
  const split = new TrafficSplit();
  assert.equal(split.choose(stable, noHeaders), stable);
  split.set('web', canary, 1);
  assert.equal(split.choose(stable, noHeaders), canary);
  assert.equal(split.choose(pool('other'), noHeaders).name, 'other');
  split.set('web', canary, 0);
  assert.equal(split.choose(stable, noHeaders), stable);
  split.set('web', canary, 1);
  split.clear('web');
  assert.equal(split.choose(stable, noHeaders), stable);
  assert.equal(split.weightOf('web'), 0);
});

test('a pinned client stays on one release, and moves to the new one once as the weight grows', () => {
  const split = new TrafficSplit();
  const pin = pinOf({ header: 'X-User' })!;
  const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
  const sideAt = (weight: number) => {
    split.set('web', canary, weight, pin);
    return new Map(users.map((u) => [u, split.choose(stable, { header: (name) => (name === 'x-user' ? u : undefined) }) === canary]));
  };
  const at20 = sideAt(0.2);
  const again = sideAt(0.2);
  assert.deepEqual(again, at20, 'the same answer every time at one weight');
  const share = [...at20.values()].filter(Boolean).length / users.length;
  assert.ok(share > 0.12 && share < 0.28, `about 20% of clients: ${share}`);
  const at50 = sideAt(0.5);
  for (const user of users) if (at20.get(user)) assert.equal(at50.get(user), true, `${user} stays on the new release as the weight grows`);
  assert.equal(pointOf('user-1'), pointOf('user-1'));
});

test('a cookie pin reads its cookie; a request without it is split by the exact shares', () => {
  const pin = pinOf({ cookie: 'session' })!;
  assert.equal(pin({ header: () => 'a=1; session=abc; b=2' }), 'abc');
  assert.equal(pin({ header: () => 'a=1' }), undefined);
  assert.equal(pin({ header: () => undefined }), undefined);
  const split = new TrafficSplit();
  split.set('web', canary, 0.5, pin);
  const picks = Array.from({ length: 10 }, () => split.choose(stable, noHeaders));
  assert.equal(picks.filter((p) => p === canary).length, 5);
});
