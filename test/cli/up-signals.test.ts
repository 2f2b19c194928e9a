// `wharf up` as a real process: SIGTERM stops accepting, lets the in-flight request finish
// and exits 0; SIGHUP reloads the config file (and keeps the old one when the new is bad).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, type Backend } from '../helpers/backends.js';
import { edgeUrlOf, spawnCli } from './cli-process.js';

const config = (backend: Backend) => `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0 }
access_log: off
log_level: warn
upstreams:
  api: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: api }
`;

function get(url: string, agent: Agent | false = false): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function connectOutcome(port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
  });
}

describe('wharf up and signals', () => {
  const dirs: string[] = [];
  const backends: Backend[] = [];
  const children: ReturnType<typeof spawnCli>[] = [];

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(backends.map((b) => b.close()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function setup(yaml: string): { dir: string; file: string } {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-cli-'));
    dirs.push(dir);
    const file = join(dir, 'wharf.yaml');
    writeFileSync(file, yaml);
    return { dir, file };
  }

  test('SIGTERM: in-flight request completes, new connections are refused, exit code 0 without waiting out the deadline', async () => {
    const slow = await startBackend('slow', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('finally');
      }, 1500);
    });
    backends.push(slow);
    const { file } = setup(`${config(slow)}timeouts: { shutdown: 20s }\n`);
    const child = spawnCli(['up', '-c', file]);
    children.push(child);
    const url = await edgeUrlOf(child);
    const port = Number(new URL(url).port);

    // A keep-alive client: the drain must tell it to let go rather than wait for it.
    const agent = new Agent({ keepAlive: true });
    const inFlight = get(`${url}/slow`, agent);
    for (let i = 0; i < 100 && slow.seen.length === 0; i++) await sleep(20);
    assert.equal(slow.seen.length, 1, 'the request reached the backend before SIGTERM');
    const signalledAt = Date.now();
    child.kill('SIGTERM');

    let refused = '';
    for (let i = 0; i < 40 && !refused; i++) {
      const outcome = await connectOutcome(port);
      if (outcome !== 'connected') refused = outcome;
      else await sleep(25);
    }
    assert.equal(refused, 'ECONNREFUSED');
    assert.ok(Date.now() - signalledAt < 1400, 'new connections were refused while the request was still in flight');

    const answer = await inFlight;
    const answeredAt = Date.now();
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'finally');
    assert.equal(answer.connection, 'close');
    const exit = await child.exited;
    agent.destroy();
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.signal, null);
    assert.ok(Date.now() - answeredAt < 5000, `exited ${Date.now() - answeredAt} ms after the last response (shutdown deadline 20 s)`);
  });

  test('SIGHUP reloads the config file; a broken file is rejected and the old config keeps serving', async () => {
    const blue = await startBackend('blue');
    const green = await startBackend('green');
    backends.push(blue, green);
    const { file } = setup(config(blue));
    const child = spawnCli(['up', '-c', file]);
    children.push(child);
    const url = await edgeUrlOf(child);
    const idOf = async () => (JSON.parse((await get(`${url}/who`)).body) as { id: string }).id;
    assert.equal(await idOf(), 'blue');

    writeFileSync(file, config(green));
    child.kill('SIGHUP');
    let id = '';
    for (let i = 0; i < 100 && id !== 'green'; i++) {
      id = await idOf();
      if (id !== 'green') await sleep(50);
    }
    assert.equal(id, 'green');

    writeFileSync(file, `${config(blue)}  - { path: /x, proxy: missing_pool }\n`);
    child.kill('SIGHUP');
    for (let i = 0; i < 400 && !/missing_pool/.test(child.output.stderr); i++) await sleep(50);
    assert.match(child.output.stderr, /wharf\.yaml:\d+:\d+: .*missing_pool/);
    assert.equal(await idOf(), 'green');
    assert.equal(child.exitCode, null, 'a rejected reload does not stop wharf');

    child.kill('SIGTERM');
    const exit = await child.exited;
    assert.equal(exit.code, 0, exit.stderr);
  });
});
