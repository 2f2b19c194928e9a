// Which wharf a control verb reaches, and with what token: never a guess. A config that exists
// but does not load stops the verb with its errors (no fallback to the default address); the
// owner's CLI finds the generated token in the state dir; another OS user cannot read it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { interopRequired } from '../helpers/backends.js';
import { runCli } from './cli-process.js';

const OTHER_USER = 'wharf-test-other';
const execFileAsync = promisify(execFile);

/** A second OS user for the permission test (created once; root only). */
function otherUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    execFileSync('id', [OTHER_USER], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OTHER_USER], { stdio: 'ignore' });
    } catch {
      return undefined;
    }
  }
  return OTHER_USER;
}

/**
 * Runs the CLI as another user through runuser, from a directory that user may enter. Async:
 * the wharf it talks to runs in this very process.
 */
async function runAs(user: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  const tsx = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs');
  try {
    const { stdout } = await execFileAsync('runuser', ['-u', user, '--', process.execPath, '--import', `file://${tsx}`, join(process.cwd(), 'src/cli/main.ts'), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

describe('the control target is never a guess', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-target-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a ./wharf.yaml that does not load stops the verb with its errors; a decoy on the default address is never reached', async () => {
    writeFileSync(join(dir, 'wharf.yaml'), 'listen: [127.0.0.1:0]\nroutes:\n  - { path: /, proxy: nowhere }\n');
    let hits = 0;
    const decoy: Server = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    // The default control address may be taken by another program; the assertions below hold either way.
    await new Promise<void>((resolve) => decoy.once('error', () => resolve()).listen(9901, '127.0.0.1', resolve));
    try {
      const run = await runCli(['status'], 60_000, { cwd: dir, env: { ...process.env, WHARF_TOKEN: '' } });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /wharf\.yaml:3:\d+: proxy "nowhere" names no upstream or app/);
      assert.equal(hits, 0, 'the decoy on 127.0.0.1:9901 was not asked');
      const explicit = await runCli(['status', '-c', join(dir, 'missing.yaml')], 60_000, { cwd: dir });
      assert.equal(explicit.code, 1);
      assert.match(explicit.stderr, /missing\.yaml:1:1: cannot read config/);
      assert.equal(hits, 0);
    } finally {
      decoy.close();
    }
  });

  test('check: a control address that is also a listen address is an error; a non-loopback control without TLS a warning', async () => {
    writeFileSync(join(dir, 'clash.yaml'), 'listen: [0.0.0.0:18080]\ncontrol: { address: 127.0.0.1:18080 }\nroutes:\n  - { path: /, redirect: { to: /x } }\n');
    const clash = await runCli(['check', '-c', join(dir, 'clash.yaml')]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /clash\.yaml:2:\d+: control address 127\.0\.0\.1:18080 is also listen\[0\]/);
    writeFileSync(join(dir, 'open.yaml'), 'listen: [127.0.0.1:18080]\ncontrol: { address: 0.0.0.0:19901 }\nroutes:\n  - { path: /, redirect: { to: /x } }\n');
    const open = await runCli(['check', '-c', join(dir, 'open.yaml')]);
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stderr, /open\.yaml:2:\d+: warning: .*without TLS/);
  });
});

describe('the generated token and the CLI', () => {
  let w: RunningWharf;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-token-'));
    chmodSync(dir, 0o755);
    w = await startWharf('listen: [127.0.0.1:0]\ncontrol: { address: 127.0.0.1:0 }\nroutes:\n  - { path: /, redirect: { to: /x } }\n', { dir });
    chmodSync(w.configFile, 0o644);
  });
  after(async () => {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the owner runs `wharf status` with no WHARF_TOKEN: the token comes from the state dir, and -v says which wharf answered', async () => {
    const env = { ...process.env, WHARF_TOKEN: '' };
    const run = await runCli(['status', '-v', '-c', w.configFile, '--control', w.controlUrl], 60_000, { env });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(`wharf at ${w.controlUrl} · config ${w.configFile} (${w.wharf.snapshot.hash})`), run.stdout);
    assert.match(run.stderr, new RegExp(`wharf: reached ${w.controlUrl} \\(config ${w.configFile}, ${w.wharf.snapshot.hash}\\)`));
    const refused = await runCli(['status', '--control', w.controlUrl], 60_000, { env, cwd: dir === process.cwd() ? tmpdir() : '/' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /control token is required/);
  });

  test('`wharf dashboard` prints a one-time login link that opens a session once', async () => {
    const run = await runCli(['dashboard', '-c', w.configFile, '--control', w.controlUrl], 60_000, { env: { ...process.env, WHARF_TOKEN: '' } });
    assert.equal(run.code, 0, run.stderr);
    const link = /^(http:\/\/\S+\/login\?code=\S+)$/m.exec(run.stdout)?.[1];
    assert.ok(link, run.stdout);
    const first = await fetch(link, { redirect: 'manual' });
    assert.equal(first.status, 303);
    assert.match(first.headers.get('set-cookie') ?? '', /^wharf_session=/);
    assert.equal((await fetch(link, { redirect: 'manual' })).status, 401);
  });

  test('another OS user gets 401: the token file is the owner\'s only', async (t) => {
    const user = otherUser();
    if (!user) {
      if (interopRequired()) throw new Error('this test needs root (useradd, runuser) when WHARF_REQUIRE_INTEROP is set');
      return t.skip('needs root to create a second user');
    }
    const run = await runAs(user, ['status', '-c', w.configFile, '--control', w.controlUrl], '/');
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /control token is required|refused/);
    const owner = await runAs('root', ['status', '-c', w.configFile, '--control', w.controlUrl], '/');
    assert.equal(owner.code, 0, owner.output);
  });
});
