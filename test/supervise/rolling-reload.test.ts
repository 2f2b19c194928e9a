import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { get, isAlive, NODE, pidsOf, poolAddresses, SERVER_JS, statesOf, suiteFixtures, waitFor, type Fixture } from './helpers.js';

/** SERVER_JS, except that while the file "broken" exists a new process never listens. */
const BREAKABLE_JS = `
import { existsSync } from 'node:fs';
if (existsSync('broken')) setInterval(() => {}, 1000);
else await import('./server.js');
`;

const config = (instances: number, extra = '', startTimeout = '10s') => `apps:
  web:
    command: [${NODE}, breakable.js]
    instances: ${instances}
    health: { path: /healthz, interval: 100ms }
    start_timeout: ${startTimeout}
    stop_timeout: 2s
${extra ? `${extra}\n` : ''}`;

/** Samples the pool size until `until` settles; returns the smallest size seen. */
async function smallestPoolDuring(f: Fixture, until: Promise<unknown>): Promise<number> {
  let done = false;
  let smallest = Infinity;
  void until.finally(() => (done = true)).catch(() => {});
  while (!done) {
    smallest = Math.min(smallest, f.pools.get('web')!.peers.length);
    await sleep(2);
  }
  return smallest;
}

describe('rolling reload and scaling', () => {
  const fixtures = suiteFixtures();
  const files = { 'server.js': SERVER_JS, 'breakable.js': BREAKABLE_JS };

  test('reload replaces every pid while the pool never drops below N', async () => {
    const f = await fixtures.start(config(3), files);
    const before = pidsOf(f, 'web');
    assert.equal(before.length, 3);

    const reload = f.supervisor.reload('web');
    const smallest = await smallestPoolDuring(f, reload);
    await reload;

    assert.ok(smallest >= 3, `pool size stayed >= 3 (smallest seen: ${smallest})`);
    const afterPids = pidsOf(f, 'web');
    assert.equal(afterPids.length, 3);
    assert.ok(afterPids.every((pid) => !before.includes(pid)), 'every instance was replaced');
    assert.ok(before.every((pid) => !isAlive(pid)), 'old processes are gone');
    assert.deepEqual(statesOf(f, 'web'), ['ready', 'ready', 'ready']);
    const instances = f.supervisor.status()[0]!.instances;
    assert.deepEqual(instances.map((i) => i.id), [0, 1, 2]);
    assert.deepEqual(poolAddresses(f, 'web'), instances.map((i) => `127.0.0.1:${i.port}`).sort());
    for (const i of instances) assert.equal((await get(i.port!)).body, String(i.pid));
    assert.deepEqual(instances.map((i) => i.restarts), [1, 1, 1], 'a replacement counts as a restart');
    // Each old instance left only after its replacement was ready.
    for (const id of [0, 1, 2]) {
      const ready = f.seen.filter((e) => e.id === id && e.to === 'ready').at(-1)!;
      const stopping = f.seen.find((e) => e.id === id && e.to === 'stopping')!;
      assert.ok(ready.at <= stopping.at);
    }
    // A replacement keeps the restart policy once it has taken over: killed, it comes back.
    const [first] = pidsOf(f, 'web');
    process.kill(first!, 'SIGKILL');
    await waitFor('restarted', () => statesOf(f, 'web')[0] === 'ready' && pidsOf(f, 'web')[0] !== first);
  });

  test('a replacement that never becomes ready aborts the reload and the old instances keep serving', async () => {
    const f = await fixtures.start(config(2), files);
    const before = pidsOf(f, 'web');
    const addresses = poolAddresses(f, 'web');
    // A shorter start_timeout needs no new processes; replacements will use it.
    f.load(config(2, '', '1s'));
    await f.supervisor.apply(f.snapshot.apps);
    assert.deepEqual(pidsOf(f, 'web'), before);
    writeFileSync(join(f.dir, 'broken'), '');
    await assert.rejects(f.supervisor.reload('web'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'WHARF_RELOAD_ABORTED');
      assert.match(error.message, /replacement for instance 0 did not become ready \(not ready within 1000ms/);
      return true;
    });
    assert.deepEqual(pidsOf(f, 'web'), before);
    assert.deepEqual(poolAddresses(f, 'web'), addresses);
    assert.deepEqual(statesOf(f, 'web'), ['ready', 'ready']);
    assert.equal(f.supervisor.status()[0]!.instances.length, 2, 'the failed candidate is gone');
  });

  test('scale adds instances live and drains the extra ones', async () => {
    const f = await fixtures.start(config(1), files);
    const [first] = pidsOf(f, 'web');
    await f.supervisor.scale('web', 3);
    assert.deepEqual(statesOf(f, 'web'), ['ready', 'ready', 'ready']);
    assert.equal(poolAddresses(f, 'web').length, 3);
    assert.ok(pidsOf(f, 'web').includes(first!), 'existing instance untouched');

    const three = f.supervisor.status()[0]!.instances;
    await f.supervisor.scale('web', 1);
    const one = f.supervisor.status()[0]!.instances;
    assert.deepEqual(one.map((i) => [i.id, i.pid]), [[0, first]]);
    assert.deepEqual(poolAddresses(f, 'web'), [`127.0.0.1:${one[0]!.port}`]);
    for (const gone of three.slice(1)) assert.equal(isAlive(gone.pid!), false);
    await assert.rejects(f.supervisor.scale('web', -1), { code: 'WHARF_INVALID_SCALE' });
  });

  test('apply: new apps start, removed apps stop, changed commands roll, changed counts scale', async () => {
    const f = await fixtures.start(config(2), files);
    const webBefore = pidsOf(f, 'web');

    // Same command, different env -> rolling reload; a new app appears.
    f.load(`${config(2, '    env: { VERSION: "2" }')}  extra:\n    command: [${NODE}, server.js]\n`);
    await f.supervisor.apply(f.snapshot.apps);
    const webAfter = pidsOf(f, 'web');
    assert.ok(webAfter.every((pid) => !webBefore.includes(pid)), 'env change rolled every instance');
    assert.deepEqual(statesOf(f, 'extra'), ['ready']);
    assert.equal(poolAddresses(f, 'extra').length, 1);

    // A live scale survives a reload whose instance count did not change.
    await f.supervisor.scale('web', 3);
    const scaled = pidsOf(f, 'web');
    f.load(`${config(2, '    env: { VERSION: "2" }\n    restart: on-failure')}`);
    const extraPids = pidsOf(f, 'extra');
    await f.supervisor.apply(f.snapshot.apps);
    assert.deepEqual(pidsOf(f, 'web'), scaled, 'a restart-policy change needs no new processes');
    assert.deepEqual(f.supervisor.status().map((a) => a.name), ['web'], 'removed app is gone');
    assert.ok(extraPids.every((pid) => !isAlive(pid)));

    // The file's count changes -> scale to it.
    f.load(config(1, '    env: { VERSION: "2" }'));
    await f.supervisor.apply(f.snapshot.apps);
    assert.deepEqual(statesOf(f, 'web'), ['ready']);
  });
});

describe('rolling reload of instances that are not serving', () => {
  const fixtures = suiteFixtures();
  /** Answers its VERSION, or crashes at once while VERSION is "broken". */
  const VERSION_JS = `
if (process.env.VERSION === 'broken') process.exit(3);
import('node:http').then(({ createServer }) => createServer((req, res) => res.end(process.env.VERSION)).listen(Number(process.env.PORT), '127.0.0.1'));
`;
  const versioned = (version: string) => `apps:
  web:
    command: [${NODE}, version.js]
    env: { VERSION: "${version}" }
    max_restarts: 0
    stop_timeout: 2s
`;

  test('a stopped instance is not started by a reload; it keeps the new config for its next start', async () => {
    const f = await fixtures.start(versioned('1'), { 'version.js': VERSION_JS });
    await f.supervisor.stop('web');
    assert.deepEqual(statesOf(f, 'web'), ['exited']);
    f.load(versioned('2'));
    await f.supervisor.apply(f.snapshot.apps);
    assert.deepEqual(statesOf(f, 'web'), ['exited'], 'still stopped');
    await f.supervisor.start('web');
    const [instance] = f.supervisor.status()[0]!.instances;
    assert.equal((await get(instance!.port!)).body, '2');
  });

  test('an instance that crashed for good (fatal) is restarted with the new config', async () => {
    const f = await fixtures.start(versioned('broken'), { 'version.js': VERSION_JS });
    await waitFor('fatal', () => statesOf(f, 'web')[0] === 'fatal');
    f.load(versioned('3'));
    await f.supervisor.apply(f.snapshot.apps);
    await waitFor('ready', () => statesOf(f, 'web')[0] === 'ready');
    const [instance] = f.supervisor.status()[0]!.instances;
    assert.equal((await get(instance!.port!)).body, '3');
  });
});

describe('fixed ports', () => {
  const fixtures = suiteFixtures();

  test('port: N gives instance i port N+i; reload restarts one instance at a time on the same port', async () => {
    const base = await twoFreePorts();
    const f = await fixtures.start(
      `apps:
  web:
    command: [${NODE}, server.js]
    instances: 2
    port: ${base}
    health: { path: /healthz, interval: 100ms }
`,
      { 'server.js': SERVER_JS },
    );
    assert.deepEqual(poolAddresses(f, 'web'), [`127.0.0.1:${base}`, `127.0.0.1:${base + 1}`]);
    const before = pidsOf(f, 'web');
    const seenBefore = f.seen.length;
    const reload = f.supervisor.reload('web');
    let smallest = Infinity;
    let done = false;
    void reload.finally(() => (done = true)).catch(() => {});
    while (!done) {
      smallest = Math.min(smallest, poolAddresses(f, 'web').length);
      await sleep(2);
    }
    await reload;
    assert.ok(smallest >= 1, 'one instance kept serving while the other restarted');
    assert.ok(pidsOf(f, 'web').every((pid) => !before.includes(pid)));
    assert.deepEqual(poolAddresses(f, 'web'), [`127.0.0.1:${base}`, `127.0.0.1:${base + 1}`]);
    // On a fixed port the old process leaves before its replacement starts (in event order).
    const during = f.seen.slice(seenBefore);
    for (const id of [0, 1]) {
      const exited = during.findIndex((e) => e.id === id && e.to === 'exited');
      const starting = during.findIndex((e) => e.id === id && e.to === 'starting');
      assert.ok(exited >= 0 && exited < starting, `instance ${id}: exited at event ${exited}, replacement starting at ${starting}`);
    }
    // None found its port taken and crashed.
    assert.deepEqual(f.seen.filter((e) => e.to === 'backoff' || e.to === 'fatal'), []);
    assert.deepEqual(f.supervisor.status()[0]!.instances.map((i) => i.restarts), [1, 1]);
    // A replacement keeps the restart policy: killed, it comes back.
    const [replaced] = pidsOf(f, 'web');
    process.kill(replaced!, 'SIGKILL');
    await waitFor('restarted', () => statesOf(f, 'web')[0] === 'ready' && pidsOf(f, 'web')[0] !== replaced);
  });
});

/** A port P with P and P+1 both free right now. */
async function twoFreePorts(): Promise<number> {
  const { createServer } = await import('node:net');
  const listen = (port: number) =>
    new Promise<import('node:net').Server | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listen(0);
    const port = (first!.address() as import('node:net').AddressInfo).port;
    const second = port < 65535 ? await listen(port + 1) : undefined;
    await Promise.all([first, second].map((s) => s && new Promise((resolve) => s.close(resolve))));
    if (second) return port;
  }
  throw new Error('no two consecutive free ports');
}
