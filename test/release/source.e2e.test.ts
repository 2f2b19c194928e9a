// Source releases (PM2 deploy's job) from a real git repository made here (file://): the ref
// is cloned into releases/web/N, the build commands run there, the instances run from it; a
// failing build marks the release failed and restarts nothing; old directories are pruned.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { waitFor } from '../observe/support.js';
import { RELEASE_APP, releaseConfig } from './support.js';

const APP = `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const built = readFileSync('built.txt', 'utf8').trim();
createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : built)).listen(Number(process.env.PORT), '127.0.0.1');
`;

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.name=wharf-test', '-c', 'user.email=test@wharf', ...args], { encoding: 'utf8' });
}

function commit(repo: string, version: string, buildOk = true): void {
  writeFileSync(join(repo, 'app.mjs'), APP);
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'src-app', version: '1.0.0', private: true }));
  writeFileSync(join(repo, 'package-lock.json'), JSON.stringify({ name: 'src-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'src-app', version: '1.0.0' } } }));
  writeFileSync(join(repo, 'build.mjs'), buildOk ? `import { writeFileSync } from 'node:fs'; writeFileSync('built.txt', 'built ${version}');` : `console.error('build broke'); process.exit(3);`);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', version);
  git(repo, 'tag', version);
}

describe('source releases from git', () => {
  let w: RunningWharf;
  let repo: string;
  const deploy = async (ref: string) => {
    const response = await w.control('/api/apps/web/deploy', { method: 'POST', body: JSON.stringify({ ref }) });
    assert.equal(response.status, 202, await response.clone().text());
    const { release } = (await response.json()) as { release: { number: number } };
    await w.wharf.releases.settled('web');
    return w.wharf.releases.find('web', release.number);
  };
  const answer = async () => (await fetch(`${w.baseUrl}/`)).text();

  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'wharf-src-'));
    git(repo, 'init', '-q', '-b', 'main');
    for (const v of ['v1', 'v2']) commit(repo, v);
    commit(repo, 'v3-broken', false);
    commit(repo, 'v4');
    const source = `    source:\n      repo: file://${repo}\n      build: ["npm ci --offline --no-audit --no-fund", "node build.mjs"]\n      keep: 2\n`;
    w = await startWharf(releaseConfig('', source), { files: { 'app.mjs': RELEASE_APP } });
    await waitFor('ready', () => w.wharf.supervisor.status()[0]!.instances.some((i) => i.ready) || undefined);
  });
  after(async () => {
    await w.stop();
    rmSync(repo, { recursive: true, force: true });
  });

  test('--ref v1: cloned, built with npm ci and the build script, run from its own directory', async () => {
    const release = await deploy('v1');
    assert.equal(release.state, 'promoted', release.reason);
    assert.equal(release.dir, join(w.dir, '.wharf', 'releases', 'web', String(release.number)));
    assert.equal(release.commit, git(repo, 'rev-parse', 'v1').trim());
    assert.ok(existsSync(join(release.dir!, 'node_modules')) || existsSync(join(release.dir!, 'package-lock.json')));
    assert.equal(await answer(), 'built v1');
    const logs = await (await w.control('/api/apps/web/logs?lines=200')).text();
    assert.match(logs, /release #1: \$ node build\.mjs/, 'build output goes to the app log');
  });

  test('a failing build: release failed with the command named, nothing restarted, v1 still answers', async () => {
    const pids = w.wharf.supervisor.status()[0]!.instances.map((i) => i.pid);
    const release = await deploy('v3-broken');
    assert.equal(release.state, 'failed');
    assert.match(release.reason ?? '', /`node build\.mjs` failed \(exit 3\)/);
    assert.deepEqual(w.wharf.supervisor.status()[0]!.instances.map((i) => i.pid), pids);
    assert.equal(await answer(), 'built v1');
    const missing = await deploy('no-such-ref');
    assert.equal(missing.state, 'failed');
    assert.match(missing.reason ?? '', /git checkout/);
  });

  test('keep: 2 prunes older release directories, never the running one', async () => {
    assert.equal((await deploy('v2')).state, 'promoted');
    const last = await deploy('v4');
    assert.equal(last.state, 'promoted');
    assert.equal(await answer(), 'built v4');
    const dirs = readdirSync(join(w.dir, '.wharf', 'releases', 'web')).filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => a - b);
    assert.ok(dirs.length <= 2, `kept ${dirs}`);
    assert.ok(dirs.includes(last.number));
  });
});
