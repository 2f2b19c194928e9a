// Hostile clients: the smuggling corpus (CL.TE, TE.CL, Transfer-Encoding variants, obs-fold,
// bare CR/LF) against both HTTP/1.1 stacks wharf runs (the lean plain-HTTP layer, or node:http
// with WHARF_HTTP1=node, and Node's server behind TLS). Every request the upstream receives must be one wharf itself parsed,
// routed and logged (a desync would hand the upstream a request wharf never saw), no framing
// header in disguise (Transfer_Encoding) may reach it, and every case is answered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import type { Socket } from 'node:net';
import { startBackend, interopRequired, type Backend } from '../../helpers/backends.js';
import { startWharf, type RunningWharf } from '../../helpers/wharf.js';
import { makeCert, opensslAvailable } from '../certs.js';
import { openSocket, portOf, type RawAnswer } from '../raw-http.js';
import { smugglingCorpus, type SmuggleCase } from './smuggling-corpus.js';

const tls = opensslAvailable();
/** How long a case's connection is watched for answers (a desync shows as a second one). */
const WATCH_MS = 500;
const PARALLEL = 40;

describe('request smuggling corpus', () => {
  let dir: string;
  let backend: Backend;
  let w: RunningWharf;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-smuggle-'));
    backend = await startBackend('app');
    const listen = tls
      ? (() => {
          const cert = makeCert(dir, 'site', ['a.test']);
          return `listen:\n  - 127.0.0.1:0\n  - address: 127.0.0.1:0\n    tls: { cert: ${cert.cert}, key: ${cert.key} }\n`;
        })()
      : 'listen: [127.0.0.1:0]\n';
    w = await startWharf(`${listen}control: { address: 127.0.0.1:0 }
access_log_format: json
upstreams:
  app: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: app }
`);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Everything the connection gets until it closes, or WATCH_MS after the first answer (5 s at most before it). */
  async function send(open: () => Promise<Socket>, bytes: string): Promise<RawAnswer> {
    const socket = await open();
    const answer = new Promise<RawAnswer>((resolve) => {
      let text = '';
      let timer = setTimeout(() => finish(false), 5000);
      const finish = (closed: boolean) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ text, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), closed });
      };
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        if (text === '') {
          clearTimeout(timer);
          timer = setTimeout(() => finish(false), WATCH_MS);
        }
        text += chunk;
      });
      socket.once('close', () => finish(true));
      socket.on('error', () => undefined);
    });
    socket.write(Buffer.from(bytes, 'latin1'));
    return answer;
  }

  async function run(open: () => Promise<Socket>): Promise<{ c: SmuggleCase; answer: RawAnswer }[]> {
    const cases = smugglingCorpus();
    const out: { c: SmuggleCase; answer: RawAnswer }[] = [];
    for (let i = 0; i < cases.length; i += PARALLEL) {
      const batch = cases.slice(i, i + PARALLEL);
      out.push(...(await Promise.all(batch.map(async (c) => ({ c, answer: await send(open, c.bytes) })))));
    }
    return out;
  }

  const FRAMING = new Set(['transfer-encoding', 'content-length']);

  async function check(results: { c: SmuggleCase; answer: RawAnswer }[], seenBefore: number, loggedBefore: number): Promise<void> {
    for (const { c, answer } of results) {
      const statuses = [...answer.text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      assert.ok(statuses.length >= 1, `${c.name}: no answer`);
      for (const status of statuses) assert.ok(status === 400 || status === 200, `${c.name}: answered ${statuses.join(', ')}`);
    }
    // Access log lines are written once per event-loop turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const forwarded = w.accessLines.slice(loggedBefore).map((line) => JSON.parse(line) as { url: string; tries?: unknown[] }).filter((r) => r.tries?.length).map((r) => r.url).sort();
    const received = backend.seen.slice(seenBefore);
    assert.deepEqual(received.map((r) => r.url).sort(), forwarded, 'the upstream received exactly the requests wharf logged as forwarded');
    // Every exchange those connections started has ended (none holds a slot or an upstream request).
    let active = NaN;
    for (let waited = 0; waited < 5000; waited += 50) {
      const metrics = await (await fetch(`${w.controlUrl}/metrics`)).text();
      active = Number(/^wharf_active_requests (\S+)$/m.exec(metrics)?.[1]);
      if (active === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(active, 0, 'exchanges left in flight');
    for (const request of received) {
      for (const name of Object.keys(request.headers)) {
        const normalized = name.replace(/_/g, '-').trim().toLowerCase();
        assert.ok(!FRAMING.has(normalized) || FRAMING.has(name), `a disguised framing header reached the upstream: ${JSON.stringify(name)}`);
      }
    }
  }

  test(`the plain listener (${process.env.WHARF_HTTP1 === 'node' ? 'node:http' : 'the lean HTTP/1.1 layer'})`, { timeout: 60_000 }, async (t) => {
    const port = portOf(w.urls[0]!);
    const [seen, logged] = [backend.seen.length, w.accessLines.length];
    const results = await run(() => openSocket(port));
    t.diagnostic(`${results.length} cases, ${results.filter((r) => r.answer.status === 400).length} refused with 400`);
    await check(results, seen, logged);
  });

  // The TLS listener does not depend on WHARF_HTTP1: the pass on node:http (run-tests.mjs) leaves it out.
  const tlsSkip = process.env.WHARF_HTTP1 === 'node' ? 'the same on both passes' : !tls && !interopRequired() ? 'openssl CLI not installed' : false;
  test("Node's HTTP/1.1 server (TLS listener)", { timeout: 60_000, skip: tlsSkip }, async (t) => {
    const port = portOf(w.urls[1]!);
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => resolve(socket));
        socket.once('error', reject);
      });
    const [seen, logged] = [backend.seen.length, w.accessLines.length];
    const results = await run(open);
    t.diagnostic(`${results.length} cases, ${results.filter((r) => r.answer.status === 400).length} refused with 400`);
    await check(results, seen, logged);
  });
});
