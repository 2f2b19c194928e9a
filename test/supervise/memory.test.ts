import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, NODE, poolAddresses, suiteFixtures, waitFor } from './helpers.js';

/** The first process to run grows to ~160 MB resident once it serves; later ones stay small. */
const HOG_ONCE_JS = `
import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
const firstRun = !existsSync('ran-once');
writeFileSync('ran-once', '');
const kept = [];
createServer((req, res) => res.end(String(process.pid))).listen(Number(process.env.PORT), '127.0.0.1', () => {
  if (firstRun) setTimeout(() => kept.push(Buffer.alloc(160 * 1024 * 1024, 1)), 200);
});
process.on('SIGTERM', () => process.exit(0));
`;

describe('max_memory', () => {
  const fixtures = suiteFixtures();

  test('an instance over max_memory is replaced: the new one is ready before the old one stops', async () => {
    const f = await fixtures.start(
      `apps:
  hog:
    command: [${NODE}, hog.js]
    max_memory: 100MB
`,
      { 'hog.js': HOG_ONCE_JS },
      { sampleIntervalMs: 100 },
    );
    const old = f.supervisor.status()[0]!.instances[0]!;
    let smallestPool = Infinity;
    const watching = (async () => {
      while (isAlive(old.pid!)) {
        smallestPool = Math.min(smallestPool, poolAddresses(f, 'hog').length);
        await sleep(5);
      }
    })();
    await waitFor('the old instance stopped', () => f.seen.some((e) => e.to === 'exited' && e.pid === old.pid), 15_000);
    await watching;

    const readyOfNew = f.seen.find((e) => e.to === 'ready' && e.pid !== old.pid)!;
    const stoppingOfOld = f.seen.find((e) => e.to === 'stopping' && e.pid === old.pid)!;
    assert.ok(readyOfNew && stoppingOfOld && readyOfNew.at <= stoppingOfOld.at, 'replacement ready first');
    assert.ok(smallestPool >= 1, 'the pool was never empty');
    const exited = f.seen.find((e) => e.to === 'exited' && e.pid === old.pid)!;
    assert.match(exited.reason ?? '', /stopped/);
    // The retired instance leaves the status list right after its exit is recorded.
    const now = await waitFor('only the replacement listed', () => {
      const listed = f.supervisor.status()[0]!.instances;
      return listed.length === 1 ? listed : undefined;
    }, 5000);
    assert.equal(now[0]!.state, 'ready');
    assert.equal(now[0]!.pid, readyOfNew.pid);
    assert.deepEqual(poolAddresses(f, 'hog'), [`127.0.0.1:${now[0]!.port}`]);
    assert.ok(now[0]!.rssBytes > 0 && now[0]!.rssBytes < 100 * 1024 * 1024, `status shows RSS (${now[0]!.rssBytes})`);
  });
});
