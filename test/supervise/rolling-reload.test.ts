import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '../../src/config/model.js';
import type { Instance } from '../../src/supervise/instance.js';
import type { InstanceState } from '../../src/supervise/instance-state.js';
import { replaceInstance, rollingReload, type ReplaceHost } from '../../src/supervise/rolling-reload.js';
import { get, isAlive, NODE, pidsOf, poolAddresses, SERVER_JS, statesOf, suiteFixtures, waitFor, type Fixture } from './helpers.js';

/**
 * The replacement order on a scripted host, without processes: every step lands in `log`, and an
 * instance's start answers what `ready` says (a failed start leaves `reason` behind, or not).
 */
class FakeInstance {
  replacing = false;
  reason?: string;
  config?: AppConfig;
  constructor(
    private readonly log: string[],
    readonly name: string,
    readonly index: number,
    public state: InstanceState,
    public autoRestart: boolean,
    public restarts: number,
    private readonly ready: boolean | { reason?: string },
  ) {}
  async start(): Promise<boolean> {
    this.log.push(`start ${this.name}${this.replacing ? ' (replacing)' : ''}`);
    if (this.ready === true) this.state = 'ready';
    else {
      this.state = 'exited';
      this.reason = this.ready === false ? undefined : this.ready.reason;
    }
    return this.ready === true;
  }
  async stop(): Promise<void> {
    this.log.push(`stop ${this.name}`);
    this.state = 'exited';
  }
  setConfig(config: AppConfig): void {
    this.log.push(`config ${this.name} ${(config as { tag?: string }).tag}`);
    this.config = config;
  }
}

const AUTO = { port: 'auto', tag: 'v2' } as unknown as AppConfig;
const FIXED = { port: 8080, tag: 'v2' } as unknown as AppConfig;

class FakeHost implements ReplaceHost {
  readonly name = 'web';
  readonly log: string[] = [];
  list: FakeInstance[] = [];
  /** How the replacements added next will start, by slot index (ready unless said). */
  readonly startsReady = new Map<number, boolean | { reason?: string }>();
  /** Runs after each retire (a scale-down racing the reload, say). */
  afterRetire?: (retired: FakeInstance) => void;

  old(index: number, state: InstanceState = 'ready', restarts = 0): FakeInstance {
    const instance = new FakeInstance(this.log, `old${index}`, index, state, true, restarts, true);
    this.list.push(instance);
    return instance;
  }
  members(): readonly Instance[] {
    return this.list as unknown as Instance[];
  }
  add(index: number, config: AppConfig, options: { autoRestart: boolean; restarts: number }): Instance {
    const ready = this.startsReady.get(index) ?? true;
    this.log.push(`add ${index} autoRestart=${options.autoRestart} restarts=${options.restarts} ${(config as { tag?: string }).tag}`);
    const fresh = new FakeInstance(this.log, `new${index}`, index, 'exited', options.autoRestart, options.restarts, ready);
    this.list.push(fresh);
    return fresh as unknown as Instance;
  }
  async retire(instance: Instance): Promise<void> {
    const fake = instance as unknown as FakeInstance;
    this.log.push(`retire ${fake.name}${fake.autoRestart ? '' : ' (no auto-restart)'}`);
    this.list = this.list.filter((i) => i !== fake);
    this.afterRetire?.(fake);
  }
  names(): string[] {
    return this.list.map((i) => `${i.name}:${i.state}${i.autoRestart ? '' : ':manual'}`);
  }
}

const asInstance = (fake: FakeInstance) => fake as unknown as Instance;

describe('replaceInstance and rollingReload on a scripted host', () => {
  test('port auto: the candidate starts beside the old one, takes over the restart policy, then the old one leaves', async () => {
    const host = new FakeHost();
    const old = host.old(1, 'ready', 4);
    const fresh = await replaceInstance(host, asInstance(old), AUTO);
    assert.deepEqual(host.log, ['add 1 autoRestart=false restarts=5 v2', 'start new1', 'retire old1']);
    assert.equal(old.replacing, true, 'the old instance is marked while it is being replaced (max_memory skips it)');
    assert.equal(fresh, asInstance(host.list[0]!));
    assert.deepEqual(host.names(), ['new1:ready']);
  });

  test('port auto: a candidate that does not become ready is retired, the old one keeps serving and may be replaced again', async () => {
    const host = new FakeHost();
    const old = host.old(0);
    host.startsReady.set(0, { reason: 'not ready within 1000ms' });
    await assert.rejects(replaceInstance(host, asInstance(old), AUTO), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'WHARF_RELOAD_ABORTED');
      assert.equal(error.message, 'web: the replacement for instance 0 did not become ready (not ready within 1000ms); the old instances keep serving');
      return true;
    });
    assert.deepEqual(host.log, ['add 0 autoRestart=false restarts=1 v2', 'start new0', 'retire new0 (no auto-restart)']);
    assert.equal(old.replacing, false);
    assert.deepEqual(host.names(), ['old0:ready']);
  });

  test('a failed replacement without a reason is explained by its state', async () => {
    const host = new FakeHost();
    host.startsReady.set(0, false);
    await assert.rejects(replaceInstance(host, asInstance(host.old(0)), AUTO), {
      message: 'web: the replacement for instance 0 did not become ready (exited); the old instances keep serving',
    });
  });

  test('a fixed port: the old instance leaves first, its replacement restarts on its own from the start', async () => {
    const host = new FakeHost();
    const old = host.old(0, 'ready', 2);
    const fresh = await replaceInstance(host, asInstance(old), FIXED);
    assert.deepEqual(host.log, ['retire old0', 'add 0 autoRestart=true restarts=3 v2', 'start new0']);
    assert.equal(fresh, asInstance(host.list[0]!));
    assert.deepEqual(host.names(), ['new0:ready']);
  });

  test('a fixed port: a replacement that does not become ready aborts with the same error', async () => {
    const host = new FakeHost();
    host.startsReady.set(0, { reason: 'crashed' });
    await assert.rejects(replaceInstance(host, asInstance(host.old(0)), FIXED), {
      code: 'WHARF_RELOAD_ABORTED',
      message: 'web: the replacement for instance 0 did not become ready (crashed); the old instances keep serving',
    });
    assert.deepEqual(host.log, ['retire old0', 'add 0 autoRestart=true restarts=1 v2', 'start new0']);
  });

  test('rollingReload replaces in slot order, one at a time, whatever order the members are kept in', async () => {
    const host = new FakeHost();
    host.old(2);
    host.old(0, 'starting');
    host.old(1);
    await rollingReload(host, AUTO);
    assert.deepEqual(
      host.log.filter((line) => line.startsWith('start') || line.startsWith('retire')),
      ['start new0', 'retire old0', 'start new1', 'retire old1', 'start new2', 'retire old2'],
    );
  });

  test('rollingReload: a stopped instance only takes the config, a crashed or waiting one is restarted with it', async () => {
    const host = new FakeHost();
    host.old(0, 'exited');
    host.old(1, 'fatal');
    host.old(2, 'backoff');
    await rollingReload(host, AUTO);
    assert.deepEqual(host.log, ['config old0 v2', 'stop old1', 'config old1 v2', 'start old1', 'stop old2', 'config old2 v2', 'start old2']);
    assert.deepEqual(host.names(), ['old0:exited', 'old1:ready', 'old2:ready']);
  });

  test('rollingReload skips an instance that left while an earlier one was replaced (a scale-down racing it)', async () => {
    const host = new FakeHost();
    host.old(0);
    const second = host.old(1);
    host.afterRetire = (retired) => {
      if (retired.name === 'old0') host.list = host.list.filter((i) => i !== second);
    };
    await rollingReload(host, AUTO);
    assert.deepEqual(host.log, ['add 0 autoRestart=false restarts=1 v2', 'start new0', 'retire old0']);
  });

  test('rollingReload stops at the first replacement that fails; the rest keep serving untouched', async () => {
    const host = new FakeHost();
    host.old(0);
    host.old(1);
    host.old(2);
    host.startsReady.set(1, { reason: 'crashed' });
    await assert.rejects(rollingReload(host, AUTO), { code: 'WHARF_RELOAD_ABORTED' });
    assert.deepEqual(host.names(), ['old1:ready', 'old2:ready', 'new0:ready']);
    assert.deepEqual(host.log.slice(3), ['add 1 autoRestart=false restarts=1 v2', 'start new1', 'retire new1 (no auto-restart)'], 'slot 2 was not touched');
  });
});

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
