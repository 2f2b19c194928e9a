// The CLI verbs that talk to a running wharf (status, scale, restart, stop/start, logs,
// reload), against a real wharf with a real supervised app, plus the one-line errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnCli, type CliRun } from './cli-process.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';

const APP = `
import { createServer } from 'node:http';
console.log('web instance ' + process.env.WHARF_INSTANCE + ' says hello');
createServer((req, res) => res.end('pid ' + process.pid)).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

const TOKEN = 'sesame-1234';

function config(routeTarget = 'web'): string {
  return `listen: [127.0.0.1:0]
control: { address: 127.0.0.1:0, token: ${TOKEN} }
access_log: "off"
apps:
  web:
    command: node app.mjs
    instances: 1
    stop_timeout: 2s
routes:
  - { path: /, proxy: ${routeTarget} }
`;
}

async function cli(args: string[], control: string, token: string | undefined = TOKEN): Promise<CliRun> {
  const env = { ...process.env, WHARF_TOKEN: token ?? '' };
  const child = spawnCli([...args, '--control', control], env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

function pidsOf(wharf: RunningWharf): number[] {
  return wharf.wharf.status().apps.find((a) => a.name === 'web')!.instances.map((i) => i.pid ?? 0);
}

describe('wharf control verbs', () => {
  let wharf: RunningWharf;
  before(async () => {
    wharf = await startWharf(config(), { files: { 'app.mjs': APP } });
  });
  after(() => wharf.stop());

  test('status prints the app, its instance pid and the upstream servers', async () => {
    const run = await cli(['status'], wharf.controlUrl);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /APP\s+INSTANCE\s+PID\s+PORT\s+STATE\s+RESTARTS\s+UPTIME\s+RSS/);
    assert.match(run.stdout, new RegExp(`web\\s+0\\s+${pidsOf(wharf)[0]}\\s+\\d+\\s+ready`));
    assert.match(run.stdout, /UPSTREAM\s+SERVER/);
  });

  test('scale changes the instance count live, restart replaces the pids', async () => {
    const scaled = await cli(['scale', 'web', '2'], wharf.controlUrl);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.equal(pidsOf(wharf).length, 2);
    const before = pidsOf(wharf);
    const restarted = await cli(['restart', 'web'], wharf.controlUrl);
    assert.equal(restarted.code, 0, restarted.stderr);
    const afterPids = pidsOf(wharf);
    assert.equal(afterPids.length, 2);
    for (const pid of afterPids) assert.ok(!before.includes(pid), `pid ${pid} should be new`);
  });

  test('stop leaves no instance running; start brings it back', async () => {
    assert.equal((await cli(['stop', 'web'], wharf.controlUrl)).code, 0);
    assert.ok(wharf.wharf.status().apps[0]!.instances.every((i) => i.state !== 'ready'));
    assert.equal((await fetch(wharf.baseUrl)).status, 503);
    assert.equal((await cli(['start', 'web'], wharf.controlUrl)).code, 0);
    assert.equal((await fetch(wharf.baseUrl)).status, 200);
  });

  test('logs shows what the app printed', async () => {
    const run = await cli(['logs', 'web', '-n', '20'], wharf.controlUrl);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /web instance \d says hello/);
  });

  test('reload without an app re-reads the config file', async () => {
    const run = await cli(['reload'], wharf.controlUrl);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /config [0-9a-f]+ applied/);
  });

  test('a wrong app name is a one-line error and exit 1', async () => {
    const run = await cli(['restart', 'nope'], wharf.controlUrl);
    assert.equal(run.code, 1);
    assert.match(run.stderr.trim(), /^wharf: .*nope/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  test('a missing or wrong token is refused', async () => {
    const run = await cli(['restart', 'web'], wharf.controlUrl, 'wrong');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /token/);
  });

  test('a wharf that is not running is a one-line error and exit 1', async () => {
    const run = await cli(['status'], 'http://127.0.0.1:9');
    assert.equal(run.code, 1);
    assert.match(run.stderr.trim(), /^wharf: wharf is not running at http:\/\/127\.0\.0\.1:9/);
  });
});
