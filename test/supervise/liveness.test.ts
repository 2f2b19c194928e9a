import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlive, NODE, poolAddresses, suiteFixtures, waitFor } from './helpers.js';

/** The first process to run turns sick (/live -> 500) half a second after starting; later ones stay well. */
const SICK_ONCE_JS = `
import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
const firstRun = !existsSync('ran-once');
writeFileSync('ran-once', '');
const sickAt = firstRun ? Date.now() + 500 : Infinity;
createServer((req, res) => {
  res.statusCode = req.url === '/live' && Date.now() > sickAt ? 500 : 200;
  res.end(String(process.pid));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

describe('liveness', () => {
  const fixtures = suiteFixtures();

  test('failing the liveness check `fails` times in a row restarts the instance, out of the pool first', async () => {
    const f = fixtures.create(
      `apps:
  flaky:
    command: [${NODE}, sick.js]
    restart: never
    liveness: { path: /live, interval: 100ms, fails: 3 }
`,
      { 'sick.js': SICK_ONCE_JS },
    );
    const poolAtStopping: string[][] = [];
    f.events.on('instance', (e) => e.to === 'stopping' && poolAtStopping.push(poolAddresses(f, 'flaky')));
    await f.supervisor.apply(f.snapshot.apps);
    const first = f.supervisor.status()[0]!.instances[0]!;

    await waitFor('a second ready run', () => f.seen.filter((e) => e.to === 'ready').length === 2, 5000);
    const stopping = f.seen.find((e) => e.to === 'stopping')!;
    assert.equal(stopping.from, 'ready');
    assert.equal(stopping.pid, first.pid);
    assert.match(stopping.reason ?? '', /liveness check failed 3 times in a row: GET \/live returned 500/);
    assert.deepEqual(poolAtStopping[0], [], 'removed from the pool before being stopped');
    assert.equal(isAlive(first.pid!), false);

    const second = f.supervisor.status()[0]!.instances[0]!;
    assert.equal(second.state, 'ready', 'restarted although restart: never (wharf ended the run, not the app)');
    assert.notEqual(second.pid, first.pid);
    assert.equal(second.restarts, 1);
    assert.deepEqual(poolAddresses(f, 'flaky'), [`127.0.0.1:${second.port}`]);
  });
});
