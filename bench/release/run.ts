// Releases under load: `npx tsx bench/release/run.ts`
//
// wharf runs an app (2 instances) behind its edge; a keep-alive GET load (8 connections,
// undici) runs through each phase, bounded by BENCH_SECONDS per phase (default 20):
//   1. a canary of a good release (steps 10% / 50% / 100%, 3 s each): failed requests (target 0);
//   2. a canary of a bad release (50% of its answers are 500s): failed requests, the bound the
//      tests assert (weight x error rate x requests until the abort), and the time from the
//      first 500 a client saw to the canary's weight reaching 0;
//   3. `wharf rollback` (rolling): failed requests (target 0);
//   4. with PM2 (PM2_BIN, node_modules/.bin/pm2 or PATH): `pm2 reload` of the same app in
//      cluster mode (2 instances) under the same load, for comparison; skipped otherwise.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { Wharf } from '../../src/wharf.js';
import { createLogger } from '../../src/observe/logger.js';
import { freePort } from '../../src/supervise/ports.js';
import { RELEASE_APP } from '../../test/release/support.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

interface Answer { readonly at: number; readonly status: number }

async function underLoad(url: string, action: () => Promise<void>): Promise<{ answers: Answer[]; errors: number }> {
  const client = new Pool(url, { connections: 8, pipelining: 1 });
  const answers: Answer[] = [];
  let errors = 0;
  let acting = true;
  const started = Date.now();
  const worker = async () => {
    while (acting && Date.now() - started < SECONDS * 1000) {
      try {
        const response = await client.request({ method: 'GET', path: '/' });
        await response.body.text();
        answers.push({ at: Date.now(), status: response.statusCode });
      } catch {
        errors++;
      }
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, worker));
  await sleep(500);
  try {
    await Promise.race([action(), sleep(SECONDS * 1000)]);
  } finally {
    await sleep(500);
    acting = false;
    await load;
    await client.close();
  }
  return { answers, errors };
}

async function benchWharf(dir: string): Promise<string[]> {
  writeFileSync(join(dir, 'app.mjs'), RELEASE_APP);
  writeFileSync(
    join(dir, 'wharf.yaml'),
    `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: off
apps:
  web:
    command: [${JSON.stringify(process.execPath)}, app.mjs]
    instances: 2
    health: { path: /healthz, interval: 100ms }
    rollout:
      strategy: canary
      steps: [10%, 50%, 100%]
      interval: 3s
      analysis: { max_error_rate: 5%, max_p99_ratio: 1000, min_requests: 20 }
routes:
  - { path: /, proxy: web }
`,
  );
  const wharf = await Wharf.start(join(dir, 'wharf.yaml'), { logger: createLogger('silent') });
  const lines: string[] = [];
  try {
    const edge = wharf.edgeAddresses()[0]!;
    const url = `http://127.0.0.1:${edge.port}`;
    while (!wharf.supervisor.status()[0]!.instances.every((i) => i.ready)) await sleep(50);
    const settle = async () => {
      await sleep(100);
      await wharf.releases.settled('web');
    };
    let aborting = 0;
    let rolledBack = 0;
    wharf.events.on('rollout', (e) => {
      if (e.to === 'aborting') aborting = Date.now();
      if (e.to === 'rolled_back') rolledBack = Date.now();
    });

    const good = await underLoad(url, async () => {
      await wharf.releases.deploy('web', { env: { GREETING: 'good' } }, 'bench');
      await settle();
    });
    const goodFailed = good.errors + good.answers.filter((a) => a.status !== 200).length;
    lines.push(`canary of a good release     requests ${good.answers.length}  failed ${goodFailed}  state ${wharf.releases.releases('web').at(-1)!.state}`);

    const bad = await underLoad(url, async () => {
      await wharf.releases.deploy('web', { env: { ERROR_RATE: '0.5' } }, 'bench');
      await settle();
    });
    const firstError = bad.answers.find((a) => a.status >= 500)?.at ?? 0;
    const beforeAbort = bad.answers.filter((a) => a.at <= aborting).length;
    const badFailed = bad.errors + bad.answers.filter((a) => a.status !== 200).length;
    lines.push(
      `canary of a bad release      requests ${bad.answers.length}  failed ${badFailed}  (bound 10% x 50% x ${beforeAbort} = ${Math.ceil(beforeAbort * 0.05)})  ` +
        `first 500 -> abort (weight 0) ${aborting - firstError} ms  -> canary stopped ${rolledBack - firstError} ms  state ${wharf.releases.releases('web').at(-1)!.state}`,
    );

    const back = await underLoad(url, async () => {
      await wharf.releases.rollback('web', 1, 'bench');
      await settle();
    });
    lines.push(`rollback --to 1 (rolling)    requests ${back.answers.length}  failed ${back.errors + back.answers.filter((a) => a.status !== 200).length}`);
  } finally {
    await wharf.shutdown();
  }
  return lines;
}

function pm2Binary(): string | undefined {
  for (const candidate of [process.env.PM2_BIN, join(ROOT, 'node_modules', '.bin', 'pm2')]) if (candidate && existsSync(candidate)) return candidate;
  return undefined;
}

async function benchPm2(pm2: string, dir: string): Promise<string> {
  const port = await freePort();
  const env = { ...process.env, PM2_HOME: join(dir, 'pm2-home'), PORT: String(port) };
  const pm = (...args: string[]) => run(pm2, args, { env, cwd: dir, timeout: 60_000 });
  try {
    await pm('start', join(dir, 'app.mjs'), '--name', 'web', '-i', '2');
    await sleep(2000);
    const reload = await underLoad(`http://127.0.0.1:${port}`, async () => {
      await pm('reload', 'web', '--update-env');
    });
    return `pm2 reload (cluster, 2)       requests ${reload.answers.length}  failed ${reload.errors + reload.answers.filter((a) => a.status !== 200).length}  (no canary: every instance replaced at once per worker)`;
  } finally {
    await pm('kill').catch(() => undefined);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'wharf-bench-release-'));
try {
  console.log(`load: 8 keep-alive connections (undici), at most ${SECONDS}s per phase`);
  for (const line of await benchWharf(dir)) console.log(line);
  const pm2 = pm2Binary();
  console.log(pm2 ? await benchPm2(pm2, dir) : 'pm2: not found (set PM2_BIN to compare with `pm2 reload`)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
