// A reload keeps limit_req buckets and limit_conn counts of routes whose limits it did not
// change (nginx keeps its shared zones across a reload); a changed limit starts afresh.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';

describe('limits across a reload', () => {
  let backend: Backend;
  let w: RunningWharf;
  const held: ServerResponse[] = [];

  const config = (extraRoute: string, rate = '1r/m') => `${LOOPBACK}access_log: off
upstreams:
  u: { servers: [${backend.address}] }
routes:
  - { path: /req, proxy: u, limit_req: { rate: ${rate}, burst: 0 } }
  - { path: /conn, proxy: u, limit_conn: { total: 1 } }
  - { path: ${extraRoute}, proxy: u }
`;

  before(async () => {
    backend = await startBackend('u', (req, res) => {
      if (req.url?.startsWith('/conn/hold')) held.push(res);
      else res.end('ok');
    });
    w = await startWharf(config('/one'));
  });
  after(async () => {
    for (const res of held.splice(0)) res.end();
    await w?.stop();
    await backend?.close();
  });

  const status = async (path: string) => (await fetch(`${w.baseUrl}${path}`)).status;

  test('limit_req: the bucket survives a reload that left the route alone, not one that changed its rate', async () => {
    assert.equal(await status('/req'), 200);
    assert.equal(await status('/req'), 429);
    await w.reload(config('/two'));
    assert.equal(await status('/two'), 200, 'the reload is live');
    assert.equal(await status('/req'), 429, 'the same limit keeps its bucket');
    await w.reload(config('/two', '2r/m'));
    assert.equal(await status('/req'), 200, 'a changed limit starts from zero');
  });

  test('limit_conn: a request held across a reload still counts, and gives its slot back after it', async () => {
    const first = fetch(`${w.baseUrl}/conn/hold`);
    const deadline = Date.now() + 10_000;
    while (held.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(held.length, 1, 'the first request reached the backend');
    await w.reload(config('/three'));
    assert.equal(await status('/conn/other'), 503, 'the slot taken before the reload is still taken');
    held.shift()!.end('done');
    assert.equal((await first).status, 200);
    let after = 0;
    for (let i = 0; i < 50 && after !== 200; i++) {
      after = await status('/conn/other');
      if (after !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(after, 200, 'the slot came back');
  });
});
