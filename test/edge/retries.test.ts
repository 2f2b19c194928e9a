// Retries of requests that were sent: every retry is logged with its reason (json access log
// and wharf's log), and the pool's retry budget bounds them however many servers there are.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startBackend, type Backend } from '../helpers/backends.js';
import { Wharf } from '../../src/wharf.js';
import { createLogger } from '../../src/observe/logger.js';

interface Logged {
  readonly wharf: Wharf;
  readonly baseUrl: string;
  readonly access: () => Record<string, unknown>[];
  readonly log: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/** A wharf whose access log (json) and own log are both captured. */
async function loggedWharf(yaml: string): Promise<Logged> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-retries-'));
  const file = join(dir, 'wharf.yaml');
  await writeFile(file, `listen: [127.0.0.1:0]\ncontrol: { address: 127.0.0.1:0 }\naccess_log_format: json\n${yaml}`);
  const capture = (stream: PassThrough) => {
    const lines: string[] = [];
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts);
    });
    return () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  };
  const stdout = new PassThrough();
  const logStream = new PassThrough();
  const access = capture(stdout);
  const log = capture(logStream);
  const wharf = await Wharf.start(file, { logger: createLogger('info', logStream), stdout });
  const [edge] = wharf.edgeAddresses();
  return {
    wharf,
    baseUrl: `http://127.0.0.1:${edge!.port}`,
    access,
    log,
    async stop() {
      await wharf.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let waited = 0; !check() && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('retries of sent requests', () => {
  const backends: Backend[] = [];
  let resets = 0;

  before(async () => {
    // Four servers that take every request and die on it (close without answering).
    for (const id of ['p', 'q', 'r', 's']) {
      backends.push(
        await startBackend(id, (req) => {
          resets++;
          req.socket.destroy();
        }),
      );
    }
    backends.push(await startBackend('ok', (_req, res) => res.end('ok')));
  });
  after(async () => {
    await Promise.all(backends.map((b) => b.close()));
  });

  test('each retry carries its reason in the json access log and in wharf\'s log', async () => {
    const [p, , , , ok] = backends;
    const w = await loggedWharf(`upstreams:
  u: { servers: [${p!.address}, ${ok!.address}], retries: 1 }
routes:
  - { path: /, proxy: u }
`);
    try {
      const res = await fetch(`${w.baseUrl}/once`);
      assert.equal(await res.text(), 'ok');
      await until(() => w.access().some((r) => r.url === '/once'));
      const line = w.access().find((r) => r.url === '/once')!;
      const tries = line.tries as { peer: string; retry?: string }[];
      assert.deepEqual(tries.map((t) => [t.peer, t.retry]), [[p!.address, 'upstream_reset'], [ok!.address, undefined]]);
      await until(() => w.log().some((r) => r.msg === 'retrying on another server'));
      const logged = w.log().find((r) => r.msg === 'retrying on another server')!;
      assert.equal(logged.reason, 'upstream_reset');
      assert.equal(logged.url, '/once');
      assert.equal(logged.peer, p!.address);
    } finally {
      await w.stop();
    }
  });

  test('the retry budget bounds retries of sent requests, and a denial is logged', async () => {
    const dying = backends.slice(0, 4);
    const w = await loggedWharf(`upstreams:
  u:
    retries: 3
    retry_budget: { percent: 0, min_retries: 2 }
    servers: [${dying.map((b) => `{ address: ${b.address}, max_fails: 0 }`).join(', ')}]
routes:
  - { path: /, proxy: u }
`);
    try {
      resets = 0;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${w.baseUrl}/poison/${i}`)).status);
      assert.deepEqual(statuses, [502, 502, 502, 502, 502]);
      // Five requests, two retries in the budget: seven servers hit instead of twenty.
      assert.equal(resets, 7);
      await until(() => w.log().some((r) => r.msg === 'not retried: the retry budget is spent'));
      assert.ok(w.log().some((r) => r.msg === 'not retried: the retry budget is spent' && r.url === '/poison/0'));
    } finally {
      await w.stop();
    }
  });

  test('next_upstream_tries is nginx\'s spelling of retries + 1', async () => {
    const dying = backends.slice(0, 4);
    const w = await loggedWharf(`upstreams:
  u:
    next_upstream_tries: 2
    servers: [${dying.map((b) => `{ address: ${b.address}, max_fails: 0 }`).join(', ')}]
routes:
  - { path: /, proxy: u }
`);
    try {
      resets = 0;
      assert.equal((await fetch(`${w.baseUrl}/x`)).status, 502);
      assert.equal(resets, 2);
    } finally {
      await w.stop();
    }
  });
});
