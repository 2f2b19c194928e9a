// A wharf killed with kill -9 in the middle of a canary resumes the same step on the next
// `wharf up` and finishes it; the CLI verbs drive it: deploy, rollout, a forbidden move
// (exit 1 with the table's sentence), deploy --wait (exit 0 when promoted), releases.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edgeUrlOf, runCli, spawnCli } from '../cli/cli-process.js';
import { waitFor } from '../observe/support.js';
import { RELEASE_APP } from './support.js';
import { NODE } from '../supervise/helpers.js';

const CONFIG = `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: off
log_level: warn
apps:
  web:
    command: [${NODE}, app.mjs]
    instances: 1
    health: { path: /healthz, interval: 100ms }
    rollout:
      strategy: canary
      steps: [25%, 50%, 100%]
      interval: 2s
      analysis: { min_requests: 5, max_p99_ratio: 1000 }
routes:
  - { path: /, proxy: web }
`;

interface Rollout { release: { number: number; state: string; step: number } | null; weight: number }

describe('a canary survives kill -9 of wharf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-resume-'));
  const file = join(dir, 'wharf.yaml');
  writeFileSync(file, CONFIG);
  writeFileSync(join(dir, 'app.mjs'), RELEASE_APP);
  const children: ReturnType<typeof spawnCli>[] = [];
  let traffic = true;
  after(async () => {
    traffic = false;
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  const token = () => readFileSync(join(dir, '.wharf', 'control.token'), 'utf8').trim();
  const start = async () => {
    const child = spawnCli(['up', '-c', file]);
    children.push(child);
    const edge = await edgeUrlOf(child);
    const control = /control and dashboard on (http:\/\/\S+)/.exec(child.output.stderr)![1]!;
    return { child, edge, control };
  };
  const rollout = async (control: string) => (await (await fetch(`${control}/api/apps/web/rollout`, { headers: { authorization: `Bearer ${token()}` } })).json()) as Rollout;
  const load = (edge: () => string) => {
    void (async () => {
      while (traffic) {
        await fetch(`${edge()}/`).then((r) => r.text(), () => undefined);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  };

  test('kill -9 at step 2 of 3, then wharf up: the same release resumes at step 2 and is promoted', async () => {
    let current = await start();
    load(() => current.edge);
    const deployed = await runCli(['deploy', 'web', '--env', 'GREETING=resumed', '-c', file, '--control', current.control]);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, /deploy: web release #1 \(canary: env GREETING\) started/);
    await waitFor('step 2', async () => ((await rollout(current.control)).release?.step ?? 0) >= 1 || undefined, 30_000, 100);
    const before = await rollout(current.control);
    current.child.kill('SIGKILL');
    await current.child.exited;

    current = await start();
    const resumed = await rollout(current.control);
    assert.equal(resumed.release?.number, 1);
    assert.ok(['progressing', 'promoted'].includes(resumed.release!.state), JSON.stringify(resumed));
    assert.ok(resumed.release!.step >= before.release!.step, `resumed at step ${resumed.release!.step}, was at ${before.release!.step}`);
    await waitFor('promoted', async () => (await rollout(current.control)).release?.state === 'promoted' || undefined, 40_000, 200);
    assert.equal(await (await fetch(`${current.edge}/`)).text(), 'release 1 resumed');

    const forbidden = await runCli(['rollout', 'web', 'abort', '-c', file, '--control', current.control]);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /cannot abort release #1 of web: it is promoted, and abort applies only to a release that is progressing or paused/);

    const waited = await runCli(['deploy', 'web', '--env', 'GREETING=second', '--wait', '-c', file, '--control', current.control], 90_000);
    assert.equal(waited.code, 0, waited.stdout + waited.stderr);
    assert.match(waited.stdout, /web #2 promoted/);
    const list = await runCli(['releases', 'web', '-c', file, '--control', current.control]);
    assert.match(list.stdout, /#2\s+promoted\s+canary\s+env GREETING/);
    assert.match(list.stdout, /#1\s+promoted/);
  });
});
