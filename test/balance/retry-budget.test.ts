import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from '../../src/balance/retry-budget.js';

function budgetAt(percent: number, minRetries: number) {
  const clock = { now: 1_000_000 };
  return { clock, budget: new RetryBudget({ percent, minRetries }, () => clock.now) };
}

const spend = (budget: RetryBudget, max = 1000) => {
  let granted = 0;
  while (granted < max && budget.tryRetry()) granted++;
  return granted;
};

test('a quiet pool still gets the floor of retries', () => {
  const { budget } = budgetAt(20, 3);
  assert.equal(spend(budget), 3);
});

test('retries are bounded by the share of recent requests plus the floor', () => {
  const { budget } = budgetAt(20, 3);
  for (let i = 0; i < 100; i++) budget.noteRequest();
  assert.equal(spend(budget), 23);
  budget.noteRequest();
  budget.noteRequest();
  budget.noteRequest();
  budget.noteRequest();
  budget.noteRequest();
  assert.equal(spend(budget), 1, 'five more requests earn one more retry');
});

test('the window slides: old requests and retries stop counting after ten seconds', () => {
  const { clock, budget } = budgetAt(20, 0);
  for (let i = 0; i < 50; i++) budget.noteRequest();
  assert.equal(spend(budget), 10);
  clock.now += 5_000;
  assert.equal(spend(budget), 0, 'still inside the window');
  clock.now += 5_000;
  assert.equal(spend(budget), 0, 'the requests left the window with the retries');
  for (let i = 0; i < 10; i++) budget.noteRequest();
  assert.equal(spend(budget), 2);
});

test('configure changes the share from now on', () => {
  const { budget } = budgetAt(0, 1);
  for (let i = 0; i < 100; i++) budget.noteRequest();
  assert.equal(spend(budget), 1);
  budget.configure({ percent: 10, minRetries: 1 });
  assert.equal(spend(budget), 10);
});
