import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Streak } from '../../src/checks/streak.js';

const run = (streak: Streak, results: string) => [...results].map((r) => (streak.record(r === '+') ? (streak.healthy ? 'U' : 'D') : '.')).join('');

describe('Streak', () => {
  test('flips down after `fails` failures in a row and up after `passes` passes in a row', () => {
    const streak = new Streak({ passes: 2, fails: 3 }, true);
    assert.equal(run(streak, '--+---'), '.....D', 'a pass resets the failure count');
    assert.equal(streak.healthy, false);
    assert.equal(run(streak, '+-++'), '...U', 'a failure resets the pass count');
    assert.equal(streak.healthy, true);
  });

  test('counts failures in a row and starts from the verdict it is given', () => {
    const streak = new Streak({ passes: 1, fails: 2 }, false);
    assert.equal(run(streak, '--'), '..', 'already unhealthy: failures flip nothing');
    assert.equal(streak.failures, 2);
    assert.equal(run(streak, '+'), 'U');
    assert.equal(streak.failures, 0);
    assert.equal(run(streak, '-'), '.');
    assert.equal(streak.failures, 1);
  });
});
