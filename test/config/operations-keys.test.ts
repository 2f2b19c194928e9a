// Config keys for running wharf for real: env_file per app, an access log whose directory
// wharf can create (or `check` says why not), routes bound to listeners, and YAML errors
// that say how to fix them (${VAR} works inside { } flow maps).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lines, onlyProblem, problemsOf, snapshotOf } from './load-helpers.js';

describe('operations keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-opskeys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wharf.yaml');

  test('env_file: dotenv files merged under env:, a later file over an earlier one', () => {
    writeFileSync(join(dir, 'base.env'), '# shared\nDB_URL=postgres://db/app\nGREETING="hello world"\nMODE=base\n');
    writeFileSync(join(dir, 'local.env'), 'MODE=local\nexport TOKEN=s3cret\n');
    const text = lines('apps:', '  web:', '    command: node server.js', '    env_file: [base.env, local.env]', '    env: { GREETING: from-config }');
    const env = snapshotOf(text, {}, file).apps.get('web')!.env;
    assert.equal(env.DB_URL, 'postgres://db/app');
    assert.equal(env.MODE, 'local');
    assert.equal(env.GREETING, 'from-config');
  });

  test('a missing env_file is an error at its place', () => {
    const text = lines('apps:', '  web:', '    command: node server.js', '    env_file: nope.env');
    const [problem] = problemsOf(text, {}, file);
    assert.deepEqual([problem!.line, problem!.col], [4, 15]);
    assert.match(problem!.message, /env_file "nope\.env" cannot be read: it does not exist/);
  });

  test('an access log in a missing directory is fine (wharf creates it); one under a file is an error', () => {
    writeFileSync(join(dir, 'plain-file'), '');
    snapshotOf(lines('access_log: logs/deep/access.log'), {}, file);
    const [problem] = problemsOf(lines('access_log: plain-file/access.log'), {}, file);
    assert.match(problem!.message, /access log "plain-file\/access\.log" cannot be written: .*plain-file is not a directory/);
  });

  test('routes name their listeners as written under listen:; an unknown one is an error', () => {
    const base = ['listen: [127.0.0.1:8080, "[::1]:8443"]', 'upstreams: { a: { servers: [127.0.0.1:9001] } }', 'routes:'];
    const snapshot = snapshotOf(lines(...base, '  - { path: /, proxy: a, listeners: ["[::1]:8443"] }', '  - { path: /, proxy: a, listeners: [127.0.0.1:8080] }'));
    assert.deepEqual(snapshot.routes.map((r) => r.listeners), [['[::1]:8443'], ['127.0.0.1:8080']], 'same host and path on different listeners is no duplicate');
    const problem = onlyProblem(lines(...base, '  - { path: /, proxy: a, listeners: [127.0.0.1:9999] }'));
    assert.match(problem.message, /listener "127\.0\.0\.1:9999" is not one of the listen: addresses/);
  });

  test('${VAR} inside a { } flow map is substituted like anywhere else', () => {
    const text = lines('control: { address: 127.0.0.1:9901, token: ${WHARF_TOKEN:-} }', 'apps:', '  web: { command: node s.js, env: { A: "${A}", B: ${B:-x,y} } }');
    const snapshot = snapshotOf(text, { WHARF_TOKEN: 'abc', A: '1' });
    assert.equal(snapshot.control.token, 'abc');
    assert.deepEqual(snapshot.apps.get('web')!.env, { A: '1', B: 'x,y' });
  });

  test('a YAML syntax error is one line with a hint', () => {
    const indent = problemsOf(lines('apps:', '  web:', '    command: x', '   port: 3'));
    assert.equal(indent.length, 1);
    assert.deepEqual([indent[0]!.line, indent[0]!.col], [4, 1]);
    assert.match(indent[0]!.message, /check the indentation/);
    const tab = problemsOf('apps:\n\tweb: {}\n');
    assert.equal(tab.length, 1);
    assert.match(tab[0]!.message, /indent with spaces, not tabs/);
  });
});
