// Failover through a running wharf: a backend process killed with SIGKILL under load costs
// GET clients nothing (retries), and a reload that adds or removes servers moves traffic.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'undici';
import { LOOPBACK, startWharf } from '../helpers/wharf.js';
import { startBackend } from '../helpers/backends.js';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** A backend in its own process: answers its id after a short delay, prints its port. */
const BACKEND = `
const http = require('node:http');
const server = http.createServer((req, res) => setTimeout(() => res.end(process.argv[1]), 2));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function childBackend(id: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, ['-e', BACKEND, id], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, address: `127.0.0.1:${chunk.toString().trim()}` };
}

describe('failover', () => {
  test('kill -9 of a backend under load: no GET fails thanks to retries', async () => {
    const backends = await Promise.all(['a', 'b', 'c'].map(childBackend));
    const wharf = await startWharf(`${LOOPBACK}
upstreams:
  u:
    retries: 2
    servers: [${backends.map((b) => b.address).join(', ')}]
routes:
  - { path: /, proxy: u }
`);
    cleanup.push(() => wharf.stop());
    const client = new Agent({ connections: 16 });
    cleanup.push(() => client.close());
    const counts = new Map<string, number>();
    let errors = 0;
    let total = 0;
    // Load runs until a while after the kill (bounded by 10 s whatever happens).
    let stopAt = Date.now() + 10_000;
    const worker = async () => {
      // Bounded in time and in count.
      while (Date.now() < stopAt && total < 20_000) {
        total++;
        try {
          const res = await request(`${wharf.baseUrl}/`, { dispatcher: client });
          const body = await res.body.text();
          if (res.statusCode !== 200) errors++;
          else counts.set(body, (counts.get(body) ?? 0) + 1);
        } catch {
          errors++;
        }
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, worker));
    // Kill b once it has served (a loaded machine may take a while to get going).
    for (let waited = 0; !(counts.get('b') ?? 0) && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const killedAt = counts.get('b') ?? 0;
    stopAt = Math.min(stopAt, Date.now() + 1100);
    backends[1]!.child.kill('SIGKILL');
    await load;
    assert.ok(killedAt > 0, 'b served before it was killed');
    assert.equal(errors, 0, `client errors out of ${total} requests`);
    assert.ok((counts.get('a') ?? 0) > 0 && (counts.get('c') ?? 0) > 0);
    assert.ok((counts.get('b') ?? 0) - killedAt < 50, 'b stopped getting traffic after it died');
  });

  test('a reload that adds and removes servers moves the traffic, keeping the pool', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((id) => startBackend(id, (_req, res) => res.end(id))));
    cleanup.push(() => Promise.all([a, b, c].map((x) => x!.close())).then(() => undefined));
    const config = (servers: string[]) => `${LOOPBACK}
upstreams:
  u: { servers: [${servers.join(', ')}] }
routes:
  - { path: /, proxy: u }
`;
    const wharf = await startWharf(config([a!.address, b!.address]));
    cleanup.push(() => wharf.stop());
    const answers = async (n: number) => {
      let out = '';
      for (let i = 0; i < n; i++) out += await (await fetch(`${wharf.baseUrl}/`)).text();
      return out;
    };
    assert.equal(await answers(4), 'abab');
    await wharf.reload(config([a!.address, c!.address]));
    const after = await answers(6);
    assert.ok(!after.includes('b'), after);
    assert.ok(after.includes('a') && after.includes('c'), after);
  });
});
