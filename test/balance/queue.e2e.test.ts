// max_conns with a queue, through a running wharf: a request over a full server waits for a
// slot instead of failing; one more than the queue holds, or one waiting past the queue's
// timeout, gets a fast 503.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';
import { startBackend, type Backend } from '../helpers/backends.js';

describe('max_conns and queue through the edge', () => {
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    // Each answer takes 300 ms, so one request holds the only slot for that long.
    backend = await startBackend('slow', (req, res) => setTimeout(() => res.end(`done ${req.url}`), 300));
    w = await startWharf(`${LOOPBACK}access_log_format: json
upstreams:
  slow:
    queue: { size: 1, timeout: 2s }
    servers:
      - { address: ${backend.address}, max_conns: 1 }
  impatient:
    queue: { size: 5, timeout: 100ms }
    servers:
      - { address: ${backend.address}, max_conns: 1 }
routes:
  - { path: /slow, proxy: slow }
  - { path: /impatient, proxy: impatient }
`);
  });

  after(async () => {
    await w.stop();
    await backend.close();
  });

  test('one request runs, one waits its turn, the one past the queue gets 503', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      ['/slow/1', '/slow/2', '/slow/3'].map(async (path, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 30));
        const res = await fetch(`${w.baseUrl}${path}`);
        return { path, status: res.status, body: await res.text(), at: Date.now() - started };
      }),
    );
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 503]);
    assert.equal(answers[1]!.body, 'done /slow/2');
    // Order, not time (the machine is shared): the rejected one was answered before the first
    // released its slot, and the queued one only after both others had their answers.
    assert.ok(answers[2]!.at < answers[0]!.at, `rejected at ${answers[2]!.at} ms, before the first finished at ${answers[0]!.at} ms`);
    assert.ok(answers[1]!.at >= answers[0]!.at, `queued request answered at ${answers[1]!.at} ms, after the first at ${answers[0]!.at} ms`);
    assert.ok(backend.seen.filter((s) => s.url === '/slow/3').length === 0, 'the rejected request never reached the backend');
  });

  test('a request waiting past the queue timeout gets 503 with its reason logged', async () => {
    const first = fetch(`${w.baseUrl}/impatient/a`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = await fetch(`${w.baseUrl}/impatient/b`);
    assert.equal(second.status, 503);
    assert.equal((await first).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const logged = w.accessLines.map((l) => JSON.parse(l) as { url: string; reason?: string }).find((r) => r.url === '/impatient/b');
    assert.equal(logged?.reason, 'queue_timeout');
  });
});
