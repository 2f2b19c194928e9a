// `wharf check`: a valid config exits 0 with a one-line summary; an invalid one exits 1 with
// one FILE:LINE:COL line per problem.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

describe('wharf check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-check-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a valid config: exit 0 and a one-line summary', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      `listen: [127.0.0.1:18080]
upstreams:
  api: { servers: [127.0.0.1:9001, 127.0.0.1:9002] }
routes:
  - { path: /api, proxy: api }
  - { path: /, redirect: { to: "https://example.com/" } }
`,
    );
    const run = await runCli(['check', '-c', file]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, run.stdout);
    assert.match(lines[0]!, /ok/);
    assert.match(lines[0]!, /1 listener/);
    assert.match(lines[0]!, /1 upstream/);
    assert.match(lines[0]!, /2 route/);
  });

  test('an invalid config: exit 1 and FILE:LINE:COL: message for every problem', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `listen: [127.0.0.1:18080]
upstreams:
  api:
    balance: round_robbin
    servers: [127.0.0.1:9001]
routes:
  - path: /api
    proxy: api
    max_body: lots
`,
    );
    const run = await runCli(['check', '-c', file]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.ok(lines.length >= 2, run.stderr);
    for (const line of lines) assert.match(line, /^.*bad\.yaml:\d+:\d+: \S/, `not FILE:LINE:COL: ${line}`);
    assert.ok(lines.some((l) => /bad\.yaml:4:\d+: .*round_robbin|bad\.yaml:4:\d+: .*balance/.test(l)), run.stderr);
    assert.ok(lines.some((l) => /bad\.yaml:9:\d+: /.test(l)), run.stderr);
  });

  test('a YAML syntax error points at its line', async () => {
    const file = join(dir, 'syntax.yaml');
    writeFileSync(file, 'listen: [127.0.0.1:18080\nroutes: []\n');
    const run = await runCli(['check', '-c', file]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /syntax\.yaml:\d+:\d+: /);
  });

  test('a missing file: exit 1 with a one-line error', async () => {
    const run = await runCli(['check', '-c', join(dir, 'nope.yaml')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nope\.yaml/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
