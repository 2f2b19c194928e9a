// `wharf check`: a valid config exits 0 with a one-line summary; an invalid one exits 1 with
// one FILE:LINE:COL line per problem.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from './cli-process.js';

const GOOD = `listen: [127.0.0.1:18080]
upstreams:
  api: { servers: [127.0.0.1:9001, 127.0.0.1:9002] }
routes:
  - { path: /api, proxy: api }
  - { path: /, redirect: { to: "https://example.com/" } }
`;

const BAD = `listen: [127.0.0.1:18080]
upstreams:
  api:
    balance: round_robbin
    servers: [127.0.0.1:9001]
routes:
  - path: /api
    proxy: api
    max_body: lots
`;

describe('wharf check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-check-'));
  const runs: Record<'good' | 'bad' | 'syntax' | 'missing', CliRun> = {} as never;
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Each run starts a Node process; they are independent, so they run side by side.
  before(async () => {
    writeFileSync(join(dir, 'good.yaml'), GOOD);
    writeFileSync(join(dir, 'bad.yaml'), BAD);
    writeFileSync(join(dir, 'syntax.yaml'), 'listen: [127.0.0.1:18080\nroutes: []\n');
    const names = ['good', 'bad', 'syntax', 'missing'] as const;
    const results = await Promise.all(names.map((name) => runCli(['check', '-c', join(dir, name === 'missing' ? 'nope.yaml' : `${name}.yaml`)])));
    names.forEach((name, i) => (runs[name] = results[i]!));
  });

  test('a valid config: exit 0 and a one-line summary', () => {
    const run = runs.good;
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, run.stdout);
    assert.match(lines[0]!, /ok/);
    assert.match(lines[0]!, /1 listener/);
    assert.match(lines[0]!, /1 upstream/);
    assert.match(lines[0]!, /2 route/);
  });

  test('an invalid config: exit 1 and FILE:LINE:COL: message for every problem', () => {
    const run = runs.bad;
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.ok(lines.length >= 2, run.stderr);
    for (const line of lines) assert.match(line, /^.*bad\.yaml:\d+:\d+: \S/, `not FILE:LINE:COL: ${line}`);
    assert.ok(lines.some((l) => /bad\.yaml:4:\d+: .*round_robbin|bad\.yaml:4:\d+: .*balance/.test(l)), run.stderr);
    assert.ok(lines.some((l) => /bad\.yaml:9:\d+: /.test(l)), run.stderr);
  });

  test('a YAML syntax error points at its line', () => {
    const run = runs.syntax;
    assert.equal(run.code, 1);
    assert.match(run.stderr, /syntax\.yaml:\d+:\d+: /);
  });

  test('a missing file: exit 1 with a one-line error', () => {
    const run = runs.missing;
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nope\.yaml/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
