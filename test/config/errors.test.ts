// Every config problem is reported as FILE:LINE:COL pointing at the offending key or value.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigLoader } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/diagnostics.js';
import { lines, onlyProblem, problemsOf } from './load-helpers.js';

const books = ['upstreams:', '  books:', '    servers: [127.0.0.1:9001]'];

describe('config errors carry exact positions', () => {
  test('YAML syntax error: an unterminated quote points at the opening quote', () => {
    const text = lines('listen:', '  - 127.0.0.1:8080', 'routes:', '  - path: /', '    proxy: "books');
    const problem = onlyProblem(text);
    assert.deepEqual([problem.line, problem.col], [5, 12]);
    assert.match(problem.message, /never closed/);
  });

  test('YAML syntax error: an unclosed flow list', () => {
    const problem = onlyProblem(lines('upstreams:', '  a:', '    servers: [127.0.0.1:1', '    balance: x'));
    assert.deepEqual([problem.line, problem.col], [4, 5]);
    assert.match(problem.message, /\]/);
  });

  test('the error text is FILE:LINE:COL: message', () => {
    const text = lines('upstreams:', '  api:', '    servers:', '      - address: 127.0.0.1:9001', '        weigth: 5');
    assert.throws(
      () => new ConfigLoader({}).fromText('conf/wharf.yaml', text),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.message, 'conf/wharf.yaml:5:9: unknown key "weigth" in upstreams.api.servers.0 (did you mean "weight"?)');
        return true;
      },
    );
  });

  test('unknown key with a close match suggests it, at the key', () => {
    const problem = onlyProblem(lines('listen: [127.0.0.1:8080]', 'upstreams:', '  api:', '    blance: least_conn', '    servers: [127.0.0.1:9001]'));
    assert.deepEqual([problem.line, problem.col], [4, 5]);
    assert.match(problem.message, /unknown key "blance" in upstreams\.api \(did you mean "balance"\?\)/);
  });

  test('unknown key without a close match lists the known keys instead', () => {
    const problem = onlyProblem(lines('upstreams:', '  api:', '    servers:', '      - address: 127.0.0.1:9001', '        zzzqqq: 5'));
    assert.deepEqual([problem.line, problem.col], [5, 9]);
    assert.doesNotMatch(problem.message, /did you mean/);
    assert.match(problem.message, /unknown key "zzzqqq".*known keys: address, weight, max_fails/);
  });

  test('unknown top-level key', () => {
    const problem = onlyProblem(lines('lisen: [127.0.0.1:8080]'));
    assert.deepEqual([problem.line, problem.col], [1, 1]);
    assert.match(problem.message, /unknown key "lisen" in config \(did you mean "listen"\?\)/);
  });

  test('a route proxying to a name that does not exist, with did-you-mean', () => {
    const problem = onlyProblem(lines(...books, 'routes:', '  - path: /', '    proxy: boks'));
    assert.deepEqual([problem.line, problem.col], [6, 12]);
    assert.equal(problem.message, 'proxy "boks" names no upstream or app (did you mean "books"?)');
  });

  test('no suggestion when nothing is close (a one-letter name is not "corrected")', () => {
    const problem = onlyProblem(lines('upstreams:', '  a:', '    servers: [127.0.0.1:1]', 'routes:', '  - proxy: b'));
    assert.deepEqual([problem.line, problem.col], [5, 12]);
    assert.equal(problem.message, 'proxy "b" names no upstream or app');
  });

  test('a bad CIDR in access points at the rule', () => {
    const text = lines(...books, 'routes:', '  - path: /', '    proxy: books', '    access:', '      - allow 127.0.0.1', '      - deny 10.0.0.0/33');
    const problem = onlyProblem(text);
    assert.deepEqual([problem.line, problem.col], [9, 9]);
    assert.match(problem.message, /invalid address or CIDR "10\.0\.0\.0\/33"/);
    const flow = onlyProblem(lines(...books, 'routes:', '  - proxy: books', '    access: ["allow 300.1.2.3", "deny all"]'));
    assert.deepEqual([flow.line, flow.col], [6, 14]);
  });

  test('an access rule that is neither allow nor deny', () => {
    const problem = onlyProblem(lines(...books, 'routes:', '  - proxy: books', '    access: [permit all]'));
    assert.deepEqual([problem.line, problem.col], [6, 14]);
    assert.match(problem.message, /"permit all" is not valid/);
  });

  test('bad durations', () => {
    const text = lines('upstreams:', '  books:', '    servers:', '      - address: 127.0.0.1:9001', '        fail_timeout: 10 seconds', '    read_timeout: 5x');
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [p.line, p.col]), [[5, 23], [6, 19]]);
    assert.match(problems[0]!.message, /fail_timeout: "10 seconds" is not valid \(a duration/);
    assert.match(problems[1]!.message, /read_timeout: "5x" is not valid/);
  });

  test('a negative duration', () => {
    const problem = onlyProblem(lines('timeouts:', '  shutdown: -5'));
    assert.deepEqual([problem.line, problem.col], [2, 13]);
    assert.match(problem.message, /timeouts\.shutdown: must be >= 0/);
  });

  test('bad sizes and rates', () => {
    const text = lines(...books, 'routes:', '  - path: /', '    proxy: books', '    max_body: 1TB', '    limit_req: { rate: 10r/h }', '    limit_rate: fast');
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [p.line, p.col]), [[7, 15], [8, 24], [9, 17]]);
    assert.match(problems[0]!.message, /max_body: "1TB" is not valid \(a size/);
    assert.match(problems[1]!.message, /limit_req\.rate: "10r\/h" is not valid \(a rate: 10r\/s, 600r\/m\)/);
    assert.match(problems[2]!.message, /limit_rate: "fast" is not valid/);
  });

  test('a wrong enum value lists the allowed ones', () => {
    const problem = onlyProblem(lines('upstreams:', '  books:', '    balance: fastest', '    servers: [127.0.0.1:9001]'));
    assert.deepEqual([problem.line, problem.col], [3, 14]);
    assert.match(problem.message, /balance: "fastest" is not one of "round_robin", "least_conn", "ip_hash", "hash", "least_time", "random"/);
    const restart = onlyProblem(lines('apps:', '  web:', '    command: node server.js', '    restart: sometimes'));
    assert.deepEqual([restart.line, restart.col], [4, 14]);
    assert.match(restart.message, /"sometimes" is not one of "always", "on-failure", "never"/);
  });

  test('a value of neither union type names both', () => {
    const problem = onlyProblem(lines('apps:', '  web:', '    command: node server.js', '    instances: many'));
    assert.deepEqual([problem.line, problem.col], [4, 16]);
    assert.match(problem.message, /instances: "many" is not an integer or "max"/);
  });

  test('a missing required key points at the map that lacks it', () => {
    const problem = onlyProblem(lines('upstreams:', '  books:', '    balance: round_robin'));
    assert.deepEqual([problem.line, problem.col], [3, 5]);
    assert.equal(problem.message, 'upstreams.books: missing required key "servers" (or "service" for members from the registry)');
    const app = onlyProblem(lines('apps:', '  web:', '    cwd: /tmp'));
    assert.deepEqual([app.line, app.col], [3, 5]);
    assert.match(app.message, /apps\.web: missing required key "command"/);
  });

  test('duplicate keys name the key and point at the second one', () => {
    const problem = onlyProblem(lines('upstreams:', '  books:', '    servers: [127.0.0.1:9001]', '  books:', '    servers: [127.0.0.1:9002]'));
    assert.deepEqual([problem.line, problem.col], [4, 3]);
    assert.equal(problem.message, 'duplicate key "books" (a key may appear once per map)');
  });

  test('an unset ${VAR} without default', () => {
    const problem = onlyProblem(lines('control:', '  address: 127.0.0.1:9901', '  token: ${WHARF_TEST_UNSET}'));
    assert.deepEqual([problem.line, problem.col], [3, 10]);
    assert.match(problem.message, /environment variable WHARF_TEST_UNSET is not set/);
  });

  test('a pool name outside [A-Za-z0-9_.-] is rejected, not silently unchecked', () => {
    const problem = onlyProblem(lines('upstreams:', '  "bad name":', '    servers: [127.0.0.1:1]'));
    assert.deepEqual([problem.line, problem.col], [2, 3]);
    assert.match(problem.message, /upstreams: invalid name "bad name"/);
  });

  test('a numeric-looking pool name keeps its position and spelling', () => {
    const problem = onlyProblem(lines('upstreams:', '  "007":', '    servers: [127.0.0.1:1]', '    weigth: 1'));
    assert.deepEqual([problem.line, problem.col], [4, 5]);
    assert.match(problem.message, /in upstreams\.007 /);
  });

  test('an invalid server address', () => {
    const problem = onlyProblem(lines('upstreams:', '  a:', '    servers: [127.0.0.1:1, nohost]'));
    assert.deepEqual([problem.line, problem.col], [3, 28]);
    assert.match(problem.message, /invalid server address "nohost"/);
  });

  test('a config that is not a map', () => {
    const problem = onlyProblem('hello\n');
    assert.deepEqual([problem.line, problem.col], [1, 1]);
    assert.match(problem.message, /expected object/);
  });
});

describe('several problems are reported together', () => {
  test('schema, reference and value errors all come back, sorted by position', () => {
    const text = lines(
      'listen: [127.0.0.1:8080]', //                       1
      'log_level: loud', //                                2
      'upstreams:', //                                     3
      '  books:', //                                       4
      '    balance: fastest', //                           5
      '    servers:', //                                   6
      '      - address: 127.0.0.1:9001', //                7
      '        weigth: 2', //                              8
      'routes:', //                                        9
      '  - path: /api', //                                10
      '    proxy: boks', //                               11
      '    access: [allow 10.0.0.0/99]', //               12
      '    limit_req: { rate: fast }', //                 13
      '  - path: /', //                                   14
      '    proxy: books', //                              15
      '    max_body: ${WHARF_TEST_UNSET_BODY}', //        16
    );
    const problems = problemsOf(text);
    assert.deepEqual(
      problems.map((p) => `${p.line}:${p.col}`),
      ['2:12', '5:14', '8:9', '11:12', '12:14', '13:24', '16:15'],
    );
    assert.match(problems[2]!.message, /did you mean "weight"/);
    assert.match(problems[3]!.message, /did you mean "books"/);
    assert.match(problems[6]!.message, /WHARF_TEST_UNSET_BODY is not set/);
  });

  test('a malformed part does not hide the problems of the others', () => {
    const problems = problemsOf(lines('upstreams:', '  a:', '    servers: 5', 'routes:', '  - path: /', '    proxy: x', '    access: "allow all"'));
    assert.deepEqual(problems.map((p) => `${p.line}:${p.col}`), ['3:14', '6:12', '7:13']);
    assert.match(problems[0]!.message, /servers: expected array, got number 5/);
    assert.match(problems[1]!.message, /proxy "x" names no upstream or app/);
    assert.match(problems[2]!.message, /access: expected array, got string/);
  });
});

describe('JSON config files', () => {
  test('are accepted and their errors carry positions too', () => {
    const text = lines(
      '{',
      '  "upstreams": {',
      '    "books": {',
      '      "balance": "least_conn",',
      '      "servers": [',
      '        { "address": "127.0.0.1:9001", "weigth": 2 }',
      '      ]',
      '    }',
      '  },',
      '  "routes": [{ "path": "/", "proxy": "bookz" }]',
      '}',
    );
    const problems = problemsOf(text, {}, '/nowhere/wharf.json');
    assert.deepEqual(problems.map((p) => `${p.line}:${p.col}`), ['6:40', '10:38']);
    assert.match(problems[0]!.message, /unknown key "weigth".*did you mean "weight"/);
    assert.match(problems[1]!.message, /proxy "bookz".*did you mean "books"/);
  });

  test('load() reads a JSON file from disk', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'wharf.json');
    writeFileSync(file, JSON.stringify({ upstreams: { books: { servers: ['127.0.0.1:9001'] } }, routes: [{ path: '/', proxy: 'books' }] }));
    const snapshot = await new ConfigLoader({}).load(file);
    assert.equal(snapshot.upstreams.get('books')?.servers[0]?.address, '127.0.0.1:9001');
    assert.equal(snapshot.routes[0]?.action.kind, 'proxy');
    assert.equal(snapshot.file, file);
  });

  test('load() of a missing file reports it at 1:1', async () => {
    await assert.rejects(new ConfigLoader({}).load('/nowhere/missing.yaml'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^\/nowhere\/missing\.yaml:1:1: cannot read config/);
      return true;
    });
  });
});

describe('files the config refers to must exist', () => {
  test('static dirs, certificates, htpasswd and cwd are checked relative to the config', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const text = lines(
      'listen:',
      '  - address: 127.0.0.1:8443',
      '    tls: { cert: certs/site.crt, key: certs/site.key }',
      'apps:',
      '  web:',
      '    command: node server.js',
      '    cwd: ./nope',
      'routes:',
      '  - path: /',
      '    static: ./public',
      '    auth: { htpasswd: users.htpasswd }',
    );
    const problems = problemsOf(text, {}, join(dir, 'wharf.yaml'));
    assert.deepEqual(problems.map((p) => `${p.line}:${p.col}`), ['3:18', '3:39', '7:10', '10:13', '11:23']);
    assert.match(problems[0]!.message, /certificate file "certs\/site\.crt" does not exist/);
    assert.match(problems[3]!.message, /static directory "\.\/public" does not exist/);
  });
});
