// The verdict a canary step gets from its numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, percentile, SideWindow } from '../../src/release/canary-analysis.js';

const limits = { maxErrorRate: 0.01, maxP99Ratio: 2, minRequests: 50 };
const side = (requests: number, errorRate: number, p99: number | null) => ({ requests, error_rate: errorRate, p99_ms: p99 });

test('too few canary requests: waiting, whatever its numbers', () => {
  assert.deepEqual(judge(side(49, 1, 900), side(1000, 0, 5), limits), { kind: 'waiting' });
});

test('an error rate above the limit fails at min_requests, even with a thin stable side', () => {
  const verdict = judge(side(50, 0.02, 5), side(3, 0, 5), limits);
  assert.equal(verdict.kind, 'failing');
  assert.match((verdict as { reason: string }).reason, /error rate 2\.0% over 50 requests is above max_error_rate 1\.0%/);
  assert.equal(judge(side(50, 0.01, 5), side(50, 0, 5), limits).kind, 'healthy', 'exactly at the limit passes');
});

test('p99 above ratio x stable fails only with min_requests on both sides; stable counts as at least 1 ms', () => {
  assert.equal(judge(side(60, 0, 21), side(60, 0, 10), limits).kind, 'failing');
  assert.equal(judge(side(60, 0, 20), side(60, 0, 10), limits).kind, 'healthy');
  assert.equal(judge(side(60, 0, 21), side(49, 0, 10), limits).kind, 'healthy');
  assert.equal(judge(side(60, 0, 1.9), side(60, 0, 0.2), limits).kind, 'healthy');
});

test('a side window counts 5xx as errors and keeps a p99', () => {
  const window = new SideWindow(() => 0);
  for (let i = 1; i <= 100; i++) window.record(i === 7 ? 502 : i === 8 ? 404 : 200, i);
  assert.deepEqual(window.numbers(), { requests: 100, error_rate: 0.01, p99_ms: 99 });
  assert.equal(percentile([], 0.99), null);
  assert.equal(percentile([5], 0.99), 5);
});
