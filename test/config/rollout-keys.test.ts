// The rollout, source and replicas keys: defaults, shares, and the step rules with positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lines, onlyProblem, problemsOf, snapshotOf } from './load-helpers.js';

const app = (...rows: string[]) => lines('apps:', '  web:', '    command: node app.js', ...rows.map((r) => `    ${r}`));

test('defaults: rolling, steps 5/25/50/100%, 30 s, 1% errors, 2x p99, 50 requests, 5 min wait', () => {
  const web = snapshotOf(app()).apps.get('web')!;
  assert.deepEqual(web.rollout, {
    strategy: 'rolling',
    steps: [0.05, 0.25, 0.5, 1],
    intervalMs: 30_000,
    analysis: { maxErrorRate: 0.01, maxP99Ratio: 2, minRequests: 50, maxWaitMs: 300_000 },
  });
  assert.equal(web.source, undefined);
});

test('shares as percents or fractions; pin; source keep default 5; replicas stands for instances on one machine', () => {
  const web = snapshotOf(app('replicas: 3', 'rollout: { strategy: canary, steps: [10%, 0.5, 100%], analysis: { max_error_rate: 0.5% }, pin: { cookie: sid } }', 'source: { repo: /srv/git/web, build: [npm ci] }')).apps.get('web')!;
  assert.equal(web.instances, 3);
  assert.deepEqual(web.rollout.steps, [0.1, 0.5, 1]);
  assert.equal(web.rollout.analysis.maxErrorRate, 0.005);
  assert.deepEqual(web.rollout.pin, { cookie: 'sid' });
  assert.deepEqual(web.source, { repo: '/srv/git/web', build: ['npm ci'], keep: 5 });
  assert.equal(snapshotOf(app('replicas: 3', 'instances: 2')).apps.get('web')!.instances, 2, 'instances wins');
});

test('steps must increase and end at 100%, each one positioned', () => {
  const last = onlyProblem(app('rollout: { steps: [5%, 50%] }'));
  assert.match(last.message, /the last step must be 100%/);
  assert.deepEqual([last.line, last.col], [4, 28], "at the last step");
  const order = problemsOf(app('rollout:', '  steps: [50%, 25%, 100%]')).map((d) => `${d.line}:${d.col} ${d.message}`);
  assert.deepEqual(order, ['5:20 steps must increase']);
  assert.match(onlyProblem(app('rollout: { strategy: blue-green }')).message, /rollout\.strategy/);
});
