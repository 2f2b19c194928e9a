// The heap trim decides when wharf asks V8 to collect: after every few MB of streamed body (so
// garbage socket buffers never pile up), and in a quiet period after busy time while the young
// generation is still large (so startup's and a burst's young generation is given back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeapTrim, LARGE_YOUNG_BYTES, QUIET_SHARE, STREAM_BUDGET_BYTES, TRIMS_PER_QUIET_SPELL, processHeapTrim } from '../../src/observe/heap-trim.js';

const MB = 1024 * 1024;

function harness(initial: { busy?: number; young?: number } = {}) {
  const collected: string[] = [];
  const state = { busy: initial.busy ?? 0, young: initial.young ?? 32 * MB };
  const trim = new HeapTrim({
    collect: ({ type }) => collected.push(type),
    youngBytes: () => state.young,
    busyShare: () => state.busy,
  });
  return { trim, collected, state };
}

test('a young collection after each STREAM_BUDGET_BYTES of streamed body, not before', () => {
  const { trim, collected } = harness();
  const chunk = 64 * 1024;
  const perBudget = STREAM_BUDGET_BYTES / chunk;
  for (let i = 0; i < perBudget - 1; i++) trim.streamed(chunk);
  assert.deepEqual(collected, [], 'one chunk short of the budget');
  trim.streamed(chunk);
  assert.deepEqual(collected, ['minor']);
  for (let i = 0; i < perBudget * 3; i++) trim.streamed(chunk);
  assert.deepEqual(collected, ['minor', 'minor', 'minor', 'minor'], 'one per budget, the count restarting at each');
});

test('a quiet period with a large young generation gets a full collection', () => {
  const { trim, collected } = harness({ busy: QUIET_SHARE, young: LARGE_YOUNG_BYTES });
  assert.equal(trim.check(), true);
  assert.deepEqual(collected, ['major']);
});

test('busy periods are left alone, however large the young generation', () => {
  const { trim, collected } = harness({ busy: QUIET_SHARE + 0.01, young: 64 * MB });
  for (let i = 0; i < 5; i++) assert.equal(trim.check(), false);
  assert.deepEqual(collected, []);
});

test('a small young generation is left alone when quiet', () => {
  const { trim, collected } = harness({ young: LARGE_YOUNG_BYTES - 1 });
  for (let i = 0; i < 5; i++) assert.equal(trim.check(), false);
  assert.deepEqual(collected, []);
});

test(`at most ${TRIMS_PER_QUIET_SPELL} collections per quiet spell, then none until busy time comes again`, () => {
  const { trim, collected, state } = harness();
  for (let i = 0; i < 10; i++) trim.check();
  assert.equal(collected.length, TRIMS_PER_QUIET_SPELL, 'a young generation that will not shrink costs no more collections while idle');
  state.busy = 0.5;
  assert.equal(trim.check(), false);
  state.busy = 0;
  assert.equal(trim.check(), true, 'a burst of load re-arms the trim');
  assert.equal(collected.length, TRIMS_PER_QUIET_SPELL + 1);
});

test('a trim that shrank the young generation stops there', () => {
  const { trim, collected, state } = harness();
  assert.equal(trim.check(), true);
  state.young = 1 * MB;
  for (let i = 0; i < 5; i++) assert.equal(trim.check(), false);
  assert.deepEqual(collected, ['major']);
});

test("the process trim drives V8's own collector", () => {
  const trim = processHeapTrim();
  assert.ok(trim, 'V8 exposes its collector on this Node');
  // Garbage outside the heap, as streamed socket buffers are: a young collection frees it.
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 64; i++) Buffer.alloc(1024 * 1024);
  for (let i = 0; i < STREAM_BUDGET_BYTES / (64 * 1024); i++) trim.streamed(64 * 1024);
  // The sweeper frees backing stores just after the collection; give it a moment.
  return new Promise<void>((resolve) =>
    setTimeout(() => {
      assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, 'the 64 MB of garbage buffers were freed');
      resolve();
    }, 200),
  );
});
