// The one transition table: what each move allows, and the sentence a refused move gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowed, FINAL_STATES, transition, RolloutTransitionError, type RolloutMove, type RolloutState } from '../../src/release/rollout-machine.js';

const STATES: RolloutState[] = ['pending', 'progressing', 'paused', 'promoted', 'aborting', 'rolled_back', 'failed'];
const MOVES: RolloutMove[] = ['start', 'advance', 'pause', 'resume', 'promote', 'abort', 'rolled_back', 'fail'];

test('the allowed moves are exactly the documented ones', () => {
  const table = Object.fromEntries(MOVES.map((move) => [move, STATES.filter((s) => allowed(s, move)).map((s) => `${s}->${transition(s, move)}`)]));
  assert.deepEqual(table, {
    start: ['pending->progressing'],
    advance: ['progressing->progressing'],
    pause: ['progressing->paused'],
    resume: ['paused->progressing'],
    promote: ['progressing->promoted', 'paused->promoted'],
    abort: ['progressing->aborting', 'paused->aborting'],
    rolled_back: ['aborting->rolled_back'],
    fail: ['pending->failed'],
  });
});

test('final states allow nothing', () => {
  for (const state of ['promoted', 'rolled_back', 'failed'] as const) for (const move of MOVES) assert.equal(allowed(state, move), false, `${state} ${move}`);
});

test('a forbidden move names both states, with a stable code', () => {
  assert.throws(
    () => transition('rolled_back', 'promote', 'release #3 of books'),
    (error: unknown) =>
      error instanceof RolloutTransitionError &&
      error.code === 'WHARF_ROLLOUT_TRANSITION' &&
      error.status === 409 &&
      error.message === 'cannot promote release #3 of books: it is rolled back, and promote applies only to a release that is progressing or paused',
  );
  assert.throws(() => transition('promoted', 'abort'), /cannot abort this release: it is promoted, and abort applies only to a release that is progressing or paused/);
});

test('FINAL_STATES are exactly the states no move leaves', () => {
  assert.deepEqual([...FINAL_STATES].sort(), ['failed', 'promoted', 'rolled_back']);
  for (const state of STATES) assert.equal(FINAL_STATES.has(state), MOVES.every((move) => !allowed(state, move)), state);
});

test('refused moves are worded for people: rolled_back and fail read as verbs, states without underscores', () => {
  const message = (from: RolloutState, move: RolloutMove) => {
    try {
      transition(from, move, 'release #2 of books');
    } catch (error) {
      assert.ok(error instanceof RolloutTransitionError);
      assert.equal(error.move, move);
      assert.equal(error.from, from);
      return error.message;
    }
    assert.fail(`${from} ${move} was allowed`);
  };
  assert.equal(
    message('progressing', 'rolled_back'),
    'cannot finish rolling back release #2 of books: it is progressing, and finish rolling back applies only to a release that is aborting',
  );
  assert.equal(message('rolled_back', 'fail'), 'cannot mark as failed release #2 of books: it is rolled back, and mark as failed applies only to a release that is pending');
  assert.equal(message('aborting', 'start'), 'cannot start release #2 of books: it is aborting, and start applies only to a release that is pending');
});
