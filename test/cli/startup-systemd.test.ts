// `wharf startup systemd` prints a unit that `systemd-analyze verify` accepts, with what
// running wharf needs: SIGHUP reload, a stop that lets wharf drain (KillMode=mixed and a
// TimeoutStopSec covering the drain and the apps' stop_timeout), restarts, LimitNOFILE and
// hardening that keeps V8 working; a port below 1024 gets exactly CAP_NET_BIND_SERVICE.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';
import { skipMissing } from '../helpers/backends.js';

function unitValues(unit: string, key: string): string[] {
  return unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

describe('wharf startup systemd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-systemd-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'server.js'), '');
  const config = (listen: string) => `listen: [${listen}]
access_log: /var/log/wharf/access.log
timeouts: { shutdown: 25s }
apps:
  web: { command: node server.js, stop_timeout: 40s }
routes:
  - { path: /, proxy: web }
`;

  function verify(t: { skip(message: string): void }, unit: string, name: string): { status: number | null; stderr: string } | undefined {
    const path = join(dir, name);
    writeFileSync(path, unit);
    const run = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    if (run.error) {
      skipMissing(t, 'systemd-analyze (Debian package systemd)');
      return undefined;
    }
    return { status: run.status, stderr: run.stderr };
  }

  test('the unit passes systemd-analyze verify and has the settings wharf needs', async (t) => {
    writeFileSync(join(dir, 'wharf.yaml'), config('127.0.0.1:8080'));
    const run = await runCli(['startup', 'systemd', '-c', join(dir, 'wharf.yaml'), '--user', 'www-data']);
    assert.equal(run.code, 0, run.stderr);
    const unit = run.stdout;
    assert.deepEqual(unitValues(unit, 'ExecReload'), ['/bin/kill -HUP $MAINPID']);
    assert.deepEqual(unitValues(unit, 'KillMode'), ['mixed']);
    assert.deepEqual(unitValues(unit, 'KillSignal'), ['SIGTERM']);
    assert.ok(Number(unitValues(unit, 'TimeoutStopSec')[0]) >= 25 + 40, 'the stop deadline covers the drain and the slowest stop_timeout');
    assert.deepEqual(unitValues(unit, 'Restart'), ['on-failure']);
    assert.ok(Number(unitValues(unit, 'LimitNOFILE')[0]) >= 65536);
    assert.deepEqual(unitValues(unit, 'User'), ['www-data']);
    assert.match(unitValues(unit, 'ExecStart')[0]!, new RegExp(` up -c ${join(dir, 'wharf.yaml').replace(/[.]/g, '\\.')}$`));
    assert.deepEqual(unitValues(unit, 'NoNewPrivileges'), ['yes']);
    assert.deepEqual(unitValues(unit, 'ProtectSystem'), ['strict']);
    assert.deepEqual(unitValues(unit, 'MemoryDenyWriteExecute'), [], 'V8 needs W+X memory');
    const writable = unitValues(unit, 'ReadWritePaths')[0]!.split(' ');
    for (const path of [join(dir, '.wharf'), join(dir, 'logs'), '/var/log/wharf']) assert.ok(writable.includes(`-${path}`), `${path} writable`);
    assert.deepEqual(unitValues(unit, 'CapabilityBoundingSet'), ['']);

    const verified = verify(t, unit, 'wharf-test.service');
    if (!verified) return;
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stderr.split('\n').filter((l) => l.includes('wharf-test.service')).join('\n'), '');
    // verify does reject a broken unit, so its approval means something.
    const broken = verify(t, unit.replace('KillMode=mixed', 'KillMode=drain'), 'wharf-broken.service')!;
    assert.match(broken.stderr, /wharf-broken\.service:\d+: .*kill mode/i);
  });

  test('a listener below port 1024 gets CAP_NET_BIND_SERVICE and nothing more', async (t) => {
    writeFileSync(join(dir, 'low.yaml'), config('127.0.0.1:80'));
    const run = await runCli(['startup', 'systemd', '-c', join(dir, 'low.yaml')]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(unitValues(run.stdout, 'AmbientCapabilities'), ['CAP_NET_BIND_SERVICE']);
    assert.deepEqual(unitValues(run.stdout, 'CapabilityBoundingSet'), ['CAP_NET_BIND_SERVICE']);
    const verified = verify(t, run.stdout, 'wharf-low.service');
    if (verified) assert.equal(verified.status, 0, verified.stderr);
  });

  test('an unknown init system and a config that does not load are errors', async () => {
    const [unknown, broken] = await Promise.all([
      runCli(['startup', 'launchd', '-c', join(dir, 'wharf.yaml')]),
      runCli(['startup', 'systemd', '-c', join(dir, 'missing.yaml')]),
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown init system "launchd"/);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /missing\.yaml:1:1: cannot read config/);
  });
});
