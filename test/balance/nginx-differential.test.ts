// The same upstream definitions in a real nginx and in wharf: every request must reach the
// same backend (and fail over through the same backends) in both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOOPBACK, startWharf } from '../helpers/wharf.js';
import { interopRequired } from '../helpers/backends.js';
import { AttemptLog, freePort, get, idBackends, nginxInstalled, startNginx, wharfUpstreamYaml, type IdBackend, type UpstreamSpec } from './nginx-harness.js';

const missing = !nginxInstalled();
if (missing && interopRequired()) throw new Error('nginx (/usr/sbin/nginx) is required: WHARF_REQUIRE_INTEROP is set');
const skip = missing ? 'nginx is not installed (/usr/sbin/nginx); install nginx-light to run the differential tests' : false;


interface Request {
  readonly path?: string;
  readonly from?: string;
  /** Pause before this request, ms. */
  readonly pauseMs?: number;
}

interface Trace {
  readonly answer: string;
  /** Live backends that saw the request, in order (dead ones refuse before anything is seen). */
  readonly attempts: string;
}

describe('balancing matches nginx', { skip }, () => {
  const log = new AttemptLog();
  let backends: Map<string, IdBackend>;
  /** Addresses nothing listens on: connections are refused at once. */
  let DEAD_1 = '';
  let DEAD_2 = '';

  before(async () => {
    backends = await idBackends(['a', 'b', 'c', 'd', 'e', 'x'], log);
    // x accepts connections and resets every one: a dead server whose attempts show in the trace.
    backends.get('x')!.resetNext = Infinity;
    DEAD_1 = `127.0.0.1:${await freePort()}`;
    DEAD_2 = `127.0.0.1:${await freePort()}`;
  });
  after(async () => {
    await Promise.all([...(backends?.values() ?? [])].map((b) => b.close()));
  });

  async function drive(baseUrl: string, requests: readonly Request[]): Promise<Trace[]> {
    log.clear();
    const traces: Trace[] = [];
    for (const [seq, r] of requests.entries()) {
      if (r.pauseMs) await new Promise((resolve) => setTimeout(resolve, r.pauseMs));
      const answer = await get(baseUrl, r.path ?? '/', seq, r.from);
      traces.push({ answer: answer.status === 200 ? answer.body : String(answer.status), attempts: log.of(seq).join('') });
    }
    return traces;
  }

  /** Runs the requests through nginx, then through wharf, with fresh balancer state each. */
  async function both(spec: UpstreamSpec, requests: readonly Request[], prepare: () => void = () => {}): Promise<{ nginx: Trace[]; wharf: Trace[] }> {
    prepare();
    const nginx = await startNginx(spec, backends);
    let nginxTraces: Trace[];
    try {
      nginxTraces = await drive(nginx.baseUrl, requests);
    } finally {
      await nginx.stop();
    }
    prepare();
    const wharf = await startWharf(LOOPBACK + wharfUpstreamYaml(spec, backends));
    try {
      return { nginx: nginxTraces, wharf: await drive(wharf.baseUrl, requests) };
    } finally {
      await wharf.stop();
    }
  }

  const times = (n: number, make: (i: number) => Request = () => ({})) => Array.from({ length: n }, (_, i) => make(i));
  const answers = (traces: Trace[]) => traces.map((t) => t.answer).join('');

  test('weighted round robin: 5,1,1 and 3,2,1', async () => {
    const { nginx, wharf } = await both({ retries: 1, servers: [{ backend: 'a', weight: 5 }, { backend: 'b' }, { backend: 'c' }] }, times(21));
    assert.equal(answers(nginx), 'aabacaa'.repeat(3), 'nginx itself');
    assert.deepEqual(wharf, nginx);
    const mixed = await both({ retries: 1, servers: [{ backend: 'a', weight: 3 }, { backend: 'b', weight: 2 }, { backend: 'c' }] }, times(18));
    assert.deepEqual(mixed.wharf, mixed.nginx);
  });

  test('least_conn on an idle pool follows the same weighted order', async () => {
    const { nginx, wharf } = await both({ balance: 'least_conn', retries: 1, servers: [{ backend: 'a', weight: 3 }, { backend: 'b' }, { backend: 'c', weight: 2 }] }, times(12));
    assert.deepEqual(wharf, nginx);
  });

  test('ip_hash: 60 client addresses land on the same servers', async () => {
    const clients = times(60, (i) => ({ from: `127.${(i * 37 + 1) % 256}.${(i * 11) % 256}.${1 + (i % 200)}` }));
    const spec: UpstreamSpec = { balance: 'ip_hash', retries: 1, servers: [{ backend: 'a' }, { backend: 'b', weight: 2 }, { backend: 'c' }, { backend: 'd' }] };
    const { nginx, wharf } = await both(spec, clients);
    assert.equal(new Set(answers(nginx)).size, 4, 'the clients spread over every server');
    assert.deepEqual(wharf, nginx);
  });

  test('ip_hash with a down server moves only that server\'s clients, the nginx way', async () => {
    const clients = times(50, (i) => ({ from: `127.${(i * 53 + 7) % 256}.${(i * 29) % 256}.9` }));
    const spec: UpstreamSpec = { balance: 'ip_hash', retries: 1, servers: [{ backend: 'a' }, { backend: 'b', down: true }, { backend: 'c' }] };
    const { nginx, wharf } = await both(spec, clients);
    assert.deepEqual(wharf, nginx);
  });

  test('hash $request_uri consistent: 60 URIs land on the same servers', async () => {
    const uris = times(60, (i) => ({ path: `/item/${i}?v=${i % 7}` }));
    const spec: UpstreamSpec = { balance: 'hash', hashKey: 'uri', retries: 1, servers: [{ backend: 'a' }, { backend: 'b', weight: 2 }, { backend: 'c' }] };
    const { nginx, wharf } = await both(spec, uris);
    assert.deepEqual(wharf, nginx);
  });

  test('backup failover: dead primaries are tried, then backups take over by weight', async () => {
    const spec: UpstreamSpec = {
      retries: 3,
      servers: [{ address: DEAD_1 }, { address: DEAD_2 }, { backend: 'c', backup: true, weight: 2 }, { backend: 'e', backup: true }],
    };
    const { nginx, wharf } = await both(spec, times(8));
    assert.equal(answers(nginx), 'ceccecce', 'nginx itself');
    assert.deepEqual(wharf, nginx);
    const visible: UpstreamSpec = { retries: 3, servers: [{ backend: 'x', maxFails: 1 }, { backend: 'a', down: true }, { backend: 'c', backup: true }, { backend: 'e', backup: true }] };
    const seen = await both(visible, times(5));
    assert.equal(seen.nginx[0]!.attempts, 'xc', 'nginx itself');
    assert.deepEqual(seen.wharf, seen.nginx);
  });

  test('refused primaries: the first request is answered by a backup, as nginx with proxy_next_upstream_tries 0', async () => {
    // wharf's default retries (1) bounds only requests that were sent; a refused connection
    // sent nothing, so every primary and then the backups are tried within the one request.
    const spec: UpstreamSpec = {
      retries: 1,
      nginxTries: 0,
      servers: [{ address: DEAD_1 }, { address: DEAD_2 }, { backend: 'c', backup: true }],
    };
    const { nginx, wharf } = await both(spec, times(4));
    assert.equal(answers(nginx), 'cccc', 'nginx itself');
    assert.deepEqual(wharf, nginx);
  });

  test('backups stay idle while one primary still answers', async () => {
    const spec: UpstreamSpec = { retries: 2, servers: [{ backend: 'a' }, { address: DEAD_1 }, { backend: 'c', backup: true }] };
    const { nginx, wharf } = await both(spec, times(6));
    assert.equal(answers(nginx), 'aaaaaa');
    assert.deepEqual(wharf, nginx);
  });

  test('max_fails/fail_timeout: a dead server is benched, then probed again after fail_timeout', async () => {
    const spec: UpstreamSpec = {
      retries: 2,
      servers: [{ backend: 'a' }, { backend: 'x', weight: 2, maxFails: 2, failTimeout: '1s' }, { backend: 'b' }],
    };
    // nginx counts fail_timeout in whole seconds, so wait well past it before probing again.
    const requests = [...times(10), { pauseMs: 2300 }, ...times(9)];
    const { nginx, wharf } = await both(spec, requests);
    const tried = nginx.map((t) => t.attempts).join(' ');
    assert.equal(tried.split('x').length - 1, 3, `nginx itself: two failures, a bench, one probe after it (${tried})`);
    assert.deepEqual(wharf, nginx);
  });

  test('a failure under max_fails lowers the effective weight and it recovers the same way', async () => {
    const spec: UpstreamSpec = { retries: 1, servers: [{ backend: 'a', weight: 3, maxFails: 3 }, { backend: 'b' }, { backend: 'c', weight: 2 }] };
    const { nginx, wharf } = await both(spec, times(14), () => {
      backends.get('a')!.resetNext = 1;
    });
    assert.equal(nginx[0]!.attempts.length, 2, 'the reset attempt was retried');
    assert.deepEqual(wharf, nginx);
  });
});
