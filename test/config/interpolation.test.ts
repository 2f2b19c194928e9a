// ${VAR} and ${VAR:-default} are replaced from the environment before validation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lines, onlyProblem, problemsOf, snapshotOf } from './load-helpers.js';

const app = (line: string) => lines('apps:', '  web:', '    command: node server.js', line);

describe('environment interpolation', () => {
  test('${VAR} is replaced, also several in one value', () => {
    const snapshot = snapshotOf(lines('upstreams:', '  api:', '    servers: ["${API_HOST}:${API_PORT}"]'), { API_HOST: '10.1.2.3', API_PORT: '9001' });
    assert.equal(snapshot.upstreams.get('api')!.servers[0]!.address, '10.1.2.3:9001');
  });

  test('${VAR:-default} uses the default when unset or empty, the value otherwise', () => {
    const text = lines('control:', '  address: ${CONTROL:-127.0.0.1:9911}', '  token: ${TOKEN:-}');
    assert.equal(snapshotOf(text, {}).control.port, 9911);
    assert.equal(snapshotOf(text, { CONTROL: '' }).control.port, 9911);
    assert.equal(snapshotOf(text, { CONTROL: '127.0.0.1:7000' }).control.port, 7000);
    assert.equal(snapshotOf(text, {}).control.token, '');
    assert.equal(snapshotOf(text, { TOKEN: 's3cret' }).control.token, 's3cret');
  });

  test('an unquoted ${N} that expands to a number is a number', () => {
    const snapshot = snapshotOf(app('    instances: ${WORKERS}\n    port: ${PORT:-3000}'), { WORKERS: '3' });
    assert.equal(snapshot.apps.get('web')!.instances, 3);
    assert.equal(snapshot.apps.get('web')!.port, 3000);
  });

  test('a quoted "${N}" stays text', () => {
    const snapshot = snapshotOf(app('    env: { WORKERS: "${WORKERS}" }'), { WORKERS: '3' });
    assert.equal(snapshot.apps.get('web')!.env.WORKERS, '3');
    const problem = onlyProblem(app('    instances: "${WORKERS}"'), { WORKERS: '3' });
    assert.match(problem.message, /instances: "3" is not an integer or "max"/);
  });

  test('a value is taken verbatim, not parsed as YAML again', () => {
    const snapshot = snapshotOf(lines('control:', '  token: ${TOKEN}'), { TOKEN: 'abc #not-a-comment: [x]' });
    assert.equal(snapshot.control.token, 'abc #not-a-comment: [x]');
  });

  test('every unset variable is reported at its value, without follow-on errors', () => {
    const problems = problemsOf(lines('control:', '  token: ${NO_TOKEN}', 'routes:', '  - path: /', '    static: /', '    max_body: ${NO_BODY}'));
    assert.deepEqual(problems.map((p) => `${p.line}:${p.col}`), ['2:10', '6:15']);
    assert.match(problems[0]!.message, /NO_TOKEN is not set \(write \$\{NO_TOKEN:-\} to allow empty\)/);
    assert.match(problems[1]!.message, /NO_BODY is not set/);
  });

  test('a set but empty variable without default is accepted as empty', () => {
    assert.equal(snapshotOf(lines('control:', '  token: ${EMPTY}'), { EMPTY: '' }).control.token, '');
  });

  test('a malformed reference is an error, not kept literally', () => {
    const problem = onlyProblem(lines('control:', '  token: ${NOT VALID}'));
    assert.deepEqual([problem.line, problem.col], [2, 10]);
    assert.match(problem.message, /malformed variable reference/);
  });

  test('works in JSON configs', () => {
    const snapshot = snapshotOf('{ "listen": ["127.0.0.1:${EDGE_PORT:-8081}"] }', {}, '/nowhere/wharf.json');
    assert.equal(snapshot.listen[0]!.port, 8081);
  });
});
