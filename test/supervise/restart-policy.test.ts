import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE, statesOf, suiteFixtures, waitFor } from './helpers.js';

const CRASH_JS = `console.log('up'); setTimeout(() => process.exit(3), 20);`;
const CLEAN_EXIT_JS = `console.log('done');`;

describe('restart policy', () => {
  const fixtures = suiteFixtures();

  test('a crashing instance restarts with growing delays, ends fatal on a crash loop, and start() clears it', async () => {
    const f = await fixtures.start(
      `apps:
  crashy:
    command: [${NODE}, crash.js]
    restart: always
    min_uptime: 5s
    max_restarts: 3
    restart_window: 1m
`,
      { 'crash.js': CRASH_JS },
    );
    await waitFor('fatal', () => statesOf(f, 'crashy')[0] === 'fatal');

    const starts = f.seen.filter((e) => e.to === 'starting');
    assert.equal(starts.length, 4, 'the first run and 3 restarts');
    // The wait between a crash and the next start (process start-up time excluded).
    const exits = f.seen.filter((e) => e.to === 'exited');
    const waits = starts.slice(1).map((start, i) => start.at - exits[i]!.at);
    assert.ok(waits[0]! >= 95 && waits[1]! >= 195 && waits[2]! >= 395, `restart delays grow: ${waits.join(', ')} ms`);
    const backoffs = f.seen.filter((e) => e.to === 'backoff').map((e) => e.reason ?? '');
    assert.deepEqual(backoffs.map((r) => /restarting in (\d+)ms/.exec(r)?.[1]), ['100', '200', '400']);

    const [status] = f.supervisor.status();
    const instance = status!.instances[0]!;
    assert.equal(instance.state, 'fatal');
    assert.equal(instance.restarts, 3);
    assert.match(instance.reason ?? '', /crash loop: more than 3 restarts within 60s/);
    assert.match(instance.reason ?? '', /exited with code 3/);
    assert.deepEqual(instance.lastExit && { code: instance.lastExit.code, signal: instance.lastExit.signal }, { code: 3, signal: null });
    assert.equal(instance.pid, null);

    const fatalEvents = f.seen.filter((e) => e.to === 'fatal').length;
    await f.supervisor.start('crashy');
    assert.notEqual(statesOf(f, 'crashy')[0], 'fatal', 'start() cleared fatal');
    // The crash-loop window starts over: it takes 3 more restarts to be fatal again.
    await waitFor('fatal again', () => f.seen.filter((e) => e.to === 'fatal').length > fatalEvents);
    assert.equal(f.seen.filter((e) => e.to === 'starting').length, 8);
  });

  test('on-failure and never leave a clean or failed exit alone as configured', async () => {
    const f = await fixtures.start(
      `apps:
  once:
    command: [${NODE}, clean.js]
    restart: on-failure
  never:
    command: [${NODE}, crash.js]
    restart: never
`,
      { 'clean.js': CLEAN_EXIT_JS, 'crash.js': CRASH_JS },
    );
    await waitFor('both exited', () => statesOf(f, 'once')[0] === 'exited' && statesOf(f, 'never')[0] === 'exited');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual([statesOf(f, 'once'), statesOf(f, 'never')], [['exited'], ['exited']]);
    assert.equal(f.seen.filter((e) => e.to === 'starting').length, 2, 'neither was restarted');
    const never = f.supervisor.status().find((a) => a.name === 'never')!.instances[0]!;
    assert.equal(never.lastExit?.code, 3);
    assert.equal(never.restarts, 0);
  });

  test('a program that cannot be started is reported, not thrown', async () => {
    const f = await fixtures.start(
      `apps:
  missing:
    command: /nonexistent/program --flag
    restart: never
`,
    );
    const instance = f.supervisor.status()[0]!.instances[0]!;
    assert.equal(instance.state, 'exited');
    assert.match(instance.reason ?? '', /cannot start \/nonexistent\/program: .*ENOENT/);
  });

  test('actions on an unknown app fail with WHARF_UNKNOWN_APP', async () => {
    const f = await fixtures.start(`apps: {}\n`);
    for (const action of [() => f.supervisor.start('nope'), () => f.supervisor.stop('nope'), () => f.supervisor.reload('nope'), () => f.supervisor.scale('nope', 2), () => f.supervisor.logs('nope', 10)]) {
      await assert.rejects(action(), { code: 'WHARF_UNKNOWN_APP' });
    }
    assert.throws(() => f.supervisor.followLogs('nope', () => {}), { code: 'WHARF_UNKNOWN_APP' });
  });
});
