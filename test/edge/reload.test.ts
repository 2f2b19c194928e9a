// Config reload swaps the runtime under load without failing a request; a bad config is
// rejected with FILE:LINE:COL errors and the running one keeps serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';

const configFor = (a: Backend, b: Backend, target: 'blue' | 'green') => `${LOOPBACK}access_log: off
upstreams:
  blue: { servers: [${a.address}] }
  green: { servers: [${b.address}] }
routes:
  - path: /api
    proxy: ${target}
  - path: /${target === 'blue' ? 'only-blue' : 'only-green'}
    proxy: ${target}
`;

describe('config reload', () => {
  let blue: Backend;
  let green: Backend;
  let w: RunningWharf;
  let agent: Agent;

  before(async () => {
    blue = await startBackend('blue');
    green = await startBackend('green');
    w = await startWharf(configFor(blue, green, 'blue'));
    agent = new Agent({ connections: 2, pipelining: 1, keepAliveTimeout: 10_000 });
  });

  after(async () => {
    await agent?.close();
    await w?.stop();
    await blue?.close();
    await green?.close();
  });

  async function whoAnswers(path: string): Promise<{ status: number; id?: string }> {
    const res = await request(`${w.baseUrl}${path}`, { dispatcher: agent });
    const text = await res.body.text();
    return { status: res.statusCode, id: res.statusCode === 200 ? (JSON.parse(text) as { id: string }).id : undefined };
  }

  test('five reloads under steady keep-alive load fail no request and switch the upstream', async () => {
    assert.equal((await whoAnswers('/api/x')).id, 'blue');
    let stop = false;
    const failures: string[] = [];
    const served = { blue: 0, green: 0 };
    const loop = async () => {
      for (let i = 0; i < 20_000 && !stop; i++) {
        try {
          const { status, id } = await whoAnswers(`/api/load/${i}`);
          if (status !== 200 || (id !== 'blue' && id !== 'green')) failures.push(`status ${status}`);
          else served[id]++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const loops = [loop(), loop()];
    const deadline = setTimeout(() => (stop = true), 8_000);
    try {
      for (let round = 1; round <= 5; round++) {
        await sleep(250);
        const target = round % 2 === 1 ? 'green' : 'blue';
        await w.reload(configFor(blue, green, target));
        assert.equal((await whoAnswers('/api/after-reload')).id, target, `reload ${round} switched to ${target}`);
      }
      await sleep(250);
    } finally {
      stop = true;
      clearTimeout(deadline);
      await Promise.all(loops);
    }
    assert.deepEqual(failures, []);
    assert.ok(served.blue > 0 && served.green > 0, `served ${JSON.stringify(served)}`);
    // Five reloads from blue end on green; the route that only existed in the old config is gone.
    assert.equal((await whoAnswers('/api/end')).id, 'green');
    assert.equal((await whoAnswers('/only-green/x')).id, 'green');
    assert.equal((await whoAnswers('/only-blue/x')).status, 404);
  });

  test('an invalid config is rejected with FILE:LINE:COL errors and the old one keeps serving', async () => {
    const before = (await whoAnswers('/api/before')).id;
    const broken = `${LOOPBACK}upstreams:
  green: { servers: [${green.address}], balanse: least_conn }
routes:
  - path: /api
    proxy: nowhere
`;
    await assert.rejects(w.reload(broken), (error: Error) => {
      const lines = error.message.split('\n').filter((l) => l.includes('wharf.yaml:'));
      assert.ok(lines.length >= 1, error.message);
      for (const line of lines) assert.match(line, /wharf\.yaml:\d+:\d+: /);
      assert.match(error.message, /wharf\.yaml:4:\d+: .*balanse/);
      assert.match(error.message, /wharf\.yaml:7:\d+: .*nowhere/);
      return true;
    });
    assert.equal((await whoAnswers('/api/still')).id, before);
  });
});
