// Reload as one transaction: the latest request wins (a reload asked while one runs runs again
// after it, with the newest file), phases are reported separately, and a reload whose apps
// cannot be reconciled says that its edge is live.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { startBackend, type Backend } from './helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from './helpers/wharf.js';

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Listens on $PORT; answers its name. With a start delay, its reload takes that long. */
const APP = (name: string, delayMs = 0) =>
  `[node, -e, "setTimeout(() => require('node:http').createServer((q, s) => s.end('${name}')).listen(process.env.PORT, '127.0.0.1'), ${delayMs})"]`;

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('reload as one transaction', () => {
  let backend: Backend;
  let w: RunningWharf;

  const config = (version: string, app: string) => `${LOOPBACK}access_log: off
upstreams:
  u: { servers: [${backend.address}] }
apps:
  web: { command: ${app}, health: { path: /, interval: 100ms }, start_timeout: 2s, stop_timeout: 1s }
routes:
  - { path: /${version}, proxy: u }
  - { path: /web, proxy: web }
`;

  test('a reload asked while one runs is run again afterwards, with the newest file', { timeout: 60_000 }, async () => {
    backend = await startBackend('u');
    cleanup.push(() => backend.close());
    w = await startWharf(config('v1', APP('one')));
    cleanup.push(() => w.stop());
    // v2 changes the app's command: its rolling reload takes at least a second (the start delay).
    const v2 = config('v2', APP('two', 1000));
    await writeFile(w.configFile, v2);
    const first = w.wharf.reload();
    // The edge of v2 is live while its apps are still being reconciled: now v3 is written.
    await until(() => w.wharf.snapshot.hash === sha(v2));
    const v3 = config('v3', APP('two', 1000));
    await writeFile(w.configFile, v3);
    const second = w.wharf.reload();
    const third = w.wharf.reload();
    assert.equal(second, third, 'requests asked during a run share the next run');
    const [r1, r2] = await Promise.all([first, second]);
    assert.equal(r1.ok, true, JSON.stringify(r1));
    assert.equal(r1.hash, sha(v2));
    assert.equal(r2.ok, true, JSON.stringify(r2));
    assert.equal(r2.hash, sha(v3), 'the later request read the newest file');
    assert.deepEqual(r2.phases, { config: 'ok', edge: 'applied', apps: 'reconciled' });
    assert.equal((await fetch(`${w.baseUrl}/v3`)).status, 200);
    assert.equal((await fetch(`${w.baseUrl}/v2`)).status, 404);
  });

  test('phases: a rejected file changes nothing; apps that cannot be reconciled leave the new edge live, and say so', { timeout: 60_000 }, async () => {
    const before = w.wharf.snapshot.hash;
    await writeFile(w.configFile, 'upstreams: [');
    const rejected = await w.wharf.reload();
    assert.equal(rejected.ok, false);
    assert.deepEqual(rejected.phases, { config: 'failed', edge: 'skipped', apps: 'skipped' });
    assert.equal(w.wharf.snapshot.hash, before);
    // An app command that never listens: its rolling reload is aborted.
    const v4 = config('v4', `[node, -e, "setInterval(() => {}, 1000)"]`);
    await writeFile(w.configFile, v4);
    const half = await w.wharf.reload();
    assert.equal(half.ok, false);
    assert.deepEqual(half.phases, { config: 'ok', edge: 'applied', apps: 'failed' });
    assert.equal(half.hash, sha(v4));
    assert.match(half.errors!.join('\n'), /apps not reconciled/);
    assert.equal((await fetch(`${w.baseUrl}/v4`)).status, 200, 'the new routes are live, as reported');
    assert.equal(await (await fetch(`${w.baseUrl}/web`)).text(), 'two', 'the old instances still serve');
  });
});
