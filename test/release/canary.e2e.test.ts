// Canary releases on a real wharf under keep-alive load: a good release takes each step's
// share of the traffic (within ±10 points) and is promoted with 0 failed requests; a release
// answering 50% 500s is rolled back in its first step with its failures bounded by the
// step's weight; a release 5x slower is rolled back; pause holds a step; a second deploy
// during a rollout is refused, naming the one in progress.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { waitFor } from '../observe/support.js';
import type { RolloutEvent } from '../../src/observe/events.js';
import { RELEASE_FILES, releaseConfig } from './support.js';

const ROLLOUT = `    rollout:
      strategy: canary
      steps: [20%, 50%, 100%]
      interval: 1500ms
      analysis: { max_error_rate: 5%, max_p99_ratio: 5, min_requests: 30 }
`;

interface Answer { readonly at: number; readonly status: number; readonly body: string }

/** Keep-alive GET load recording every answer with its time, until `until` resolves (bounded). */
async function recordLoad(baseUrl: string, until: Promise<unknown>, maxMs = 30_000): Promise<{ answers: Answer[]; errors: string[] }> {
  const client = new Pool(baseUrl, { connections: 6, pipelining: 1 });
  const answers: Answer[] = [];
  const errors: string[] = [];
  let running = true;
  void until.finally(() => (running = false));
  const started = Date.now();
  const worker = async () => {
    while (running && Date.now() - started < maxMs && answers.length < 200_000) {
      try {
        const response = await client.request({ method: 'GET', path: '/' });
        answers.push({ at: Date.now(), status: response.statusCode, body: await response.body.text() });
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  await client.close();
  return { answers, errors };
}

describe('canary releases', () => {
  let w: RunningWharf;
  const events: (RolloutEvent & { at: number })[] = [];
  const deploy = async (env: Record<string, string>) => {
    const response = await w.control('/api/apps/web/deploy', { method: 'POST', body: JSON.stringify({ env }) });
    const body = (await response.json()) as { release: { number: number }; error?: string };
    assert.equal(response.status, 202, JSON.stringify(body));
    return body.release.number;
  };
  const ended = async (number: number) => {
    await waitFor(`release ${number} ended`, () => ['promoted', 'rolled_back', 'failed'].includes(w.wharf.releases.find('web', number).state) || undefined, 60_000, 50);
    await w.wharf.releases.settled('web');
  };

  before(async () => {
    w = await startWharf(releaseConfig(ROLLOUT), RELEASE_FILES);
    w.wharf.events.on('rollout', (e) => events.push({ ...e, at: Date.now() }));
    await waitFor('2 ready', () => w.wharf.supervisor.status()[0]!.instances.filter((i) => i.ready).length === 2 || undefined);
  });
  after(() => w.stop());

  test('a good release: each step\'s share within ±10 points, promoted, 0 failed requests, then only the new release answers', async () => {
    events.length = 0;
    const number = await deploy({ GREETING: 'canary' });
    const { answers, errors } = await recordLoad(w.baseUrl, ended(number).then(() => new Promise((r) => setTimeout(r, 500))));
    assert.equal(w.wharf.releases.find('web', number).state, 'promoted');
    assert.deepEqual(errors, []);
    assert.deepEqual(answers.filter((a) => a.status !== 200).slice(0, 3), [], 'no failed request');
    const newBody = `release ${number} canary`;
    // Each step's window: from its move to the next move, skipping the first 300 ms (the split changes between ticks).
    const starts = events.filter((e) => e.release === number && e.to === 'progressing');
    assert.equal(starts.length, 3, JSON.stringify(events));
    const weights = [0.2, 0.5, 1];
    starts.forEach((start, i) => {
      const end = starts[i + 1]?.at ?? events.find((e) => e.release === number && e.to === 'promoted')!.at;
      const inStep = answers.filter((a) => a.at >= start.at + 300 && a.at < end);
      assert.ok(inStep.length >= 20, `step ${i}: ${inStep.length} answers`);
      const share = inStep.filter((a) => a.body === newBody).length / inStep.length;
      assert.ok(Math.abs(share - weights[i]!) <= 0.1, `step ${i}: new release share ${share.toFixed(2)}, weight ${weights[i]}`);
    });
    const settledAt = events.find((e) => e.release === number && e.to === 'promoted')!.at + 300;
    const afterwards = answers.filter((a) => a.at > settledAt);
    assert.ok(afterwards.every((a) => a.body === newBody), 'only the new release answers after the promotion');
    assert.equal(w.wharf.supervisor.status().some((a) => a.name === 'web@canary'), false, 'the canary instances are gone');
  });

  test('a release answering 50% 500s: rolled back in its first step, failures bounded by weight x error rate', async () => {
    events.length = 0;
    const stableBody = await (await fetch(`${w.baseUrl}/`)).text();
    const number = await deploy({ ERROR_RATE: '0.5' });
    const { answers } = await recordLoad(w.baseUrl, ended(number).then(() => new Promise((r) => setTimeout(r, 500))));
    const release = w.wharf.releases.find('web', number);
    assert.equal(release.state, 'rolled_back');
    assert.equal(release.step, 0, 'rolled back in its first step');
    assert.match(release.reason ?? '', /error rate/);
    const abortAt = events.find((e) => e.release === number && e.to === 'aborting')!.at;
    const during = answers.filter((a) => a.at <= abortAt + 300);
    const failed = answers.filter((a) => a.status >= 500).length;
    // Bound: 20% of the traffic went to the canary, half of which failed, until the abort.
    const bound = Math.ceil(during.length * 0.2 * 0.5 * 1.5) + 10;
    assert.ok(failed <= bound, `${failed} failed of ${during.length} before the abort (bound ${bound})`);
    assert.ok(failed > 0, 'the bad release did answer some requests');
    const after = answers.filter((a) => a.at > events.find((e) => e.release === number && e.to === 'rolled_back')!.at);
    assert.ok(after.length > 0 && after.every((a) => a.body === stableBody && a.status === 200), 'only the stable release answers afterwards');
  });

  test('a release 5x slower than stable is rolled back on latency', async () => {
    // The machine running the tests may be loaded: stable's own p99 can reach a few hundred ms.
    const number = await deploy({ SLOW_MS: '1500' });
    await recordLoad(w.baseUrl, ended(number));
    const release = w.wharf.releases.find('web', number);
    assert.equal(release.state, 'rolled_back');
    assert.match(release.reason ?? '', /p99/);
  });

  test('pause holds a step past its interval, resume continues; a second deploy meanwhile is refused naming the first', async () => {
    const number = await deploy({ GREETING: 'paused' });
    const load = recordLoad(w.baseUrl, ended(number));
    await waitFor('progressing', () => w.wharf.releases.find('web', number).state === 'progressing' || undefined);
    const pause = await w.control('/api/apps/web/rollout/pause', { method: 'POST' });
    assert.equal(pause.status, 200, await pause.clone().text());
    const second = await w.control('/api/apps/web/deploy', { method: 'POST', body: '{}' });
    assert.equal(second.status, 409);
    assert.match(((await second.json()) as { error: string }).error, new RegExp(`already rolling out release #${number} \\(paused\\)`));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const held = w.wharf.releases.find('web', number);
    assert.equal(held.state, 'paused');
    assert.equal(held.step, 0, 'a paused step does not advance');
    const status = (await (await w.control('/api/apps/web/rollout')).json()) as { weight: number };
    assert.equal(status.weight, 0.2, 'the weight holds while paused');
    assert.equal((await w.control('/api/apps/web/rollout/resume', { method: 'POST' })).status, 200);
    await load;
    assert.equal(w.wharf.releases.find('web', number).state, 'promoted');
  });
});
