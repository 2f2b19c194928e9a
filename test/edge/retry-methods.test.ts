// When the edge tries another server: a 502/503/504 answer is retried only for idempotent
// methods (a POST may already have had its effect), a refused connection for any method
// whose body was not sent yet. Each request here names the servers it reached.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { request } from 'undici';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';

/** A loopback port nothing listens on (bound, then closed). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('retries on another server', () => {
  let bad: Backend[] = [];
  let good: Backend;
  let w: RunningWharf;

  before(async () => {
    const answer502 = (_req: unknown, res: import('node:http').ServerResponse) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway from upstream');
    };
    bad = [await startBackend('bad1', answer502), await startBackend('bad2', answer502)];
    good = await startBackend('good');
    // max_fails 0: the 502s must not bench the servers between tests.
    w = await startWharf(`${LOOPBACK}access_log: off
upstreams:
  failing: { retries: 1, servers: [${bad.map((b) => `{ address: ${b.address}, max_fails: 0 }`).join(', ')}] }
  half-dead: { retries: 1, servers: [127.0.0.1:${await refusedPort()}, ${good.address}] }
routes:
  - path: /failing
    proxy: failing
  - path: /half-dead
    proxy: half-dead
`);
  });

  after(async () => {
    await w?.stop();
    for (const b of [...bad, good]) await b?.close();
  });

  const reached = () => bad.reduce((sum, b) => sum + b.seen.length, 0);

  async function send(method: string, path: string, body?: string): Promise<{ status: number; body: string; reached: number }> {
    const before = reached();
    const res = await request(`${w.baseUrl}${path}`, { method: method as 'GET', body });
    return { status: res.statusCode, body: await res.body.text(), reached: reached() - before };
  }

  test('a body-less POST answered 502 reaches only one server, and the client gets that 502', async () => {
    const res = await send('POST', '/failing/order');
    assert.deepEqual(res, { status: 502, body: 'bad gateway from upstream', reached: 1 });
  });

  test('a POST with a body answered 502 is not retried either', async () => {
    assert.equal((await send('POST', '/failing/order', 'item=1')).reached, 1);
  });

  test('idempotent methods answered 502 are retried on the other server (retries: 1)', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await send(method, '/failing/thing');
      assert.deepEqual([res.status, res.reached], [502, 2], method);
    }
  });

  test('a refused connection is retried whatever the method: a POST still reaches the live server', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await request(`${w.baseUrl}/half-dead/order`, { method: 'POST', body: 'item=1' });
      assert.equal(res.statusCode, 200);
      assert.equal((JSON.parse(await res.body.text()) as { id: string; bodyBytes: number }).bodyBytes, 6);
    }
  });
});
