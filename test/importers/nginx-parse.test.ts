// The nginx.conf reader: nginx's token rules, and include with relative paths and globs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseNginx } from '../../src/importers/nginx/parse.js';
import { loadNginxConfig } from '../../src/importers/nginx/include.js';
import { ImportError } from '../../src/importers/import-result.js';
import { tempDir, writeTree } from './round-trip.js';

describe('nginx parser', () => {
  test('directives, nested blocks, comments and line numbers', () => {
    const tree = parseNginx('# top comment\nhttp {\n  server { listen 80; # trailing\n    location / { root html; }\n  }\n}\n', 'nginx.conf');
    assert.equal(tree.length, 1);
    const http = tree[0]!;
    assert.deepEqual([http.name, http.line, http.file], ['http', 2, 'nginx.conf']);
    const server = http.block![0]!;
    assert.deepEqual(server.block!.map((d) => [d.name, d.args, d.line]), [['listen', ['80'], 3], ['location', ['/'], 4]]);
    assert.deepEqual(server.block![1]!.block![0], { name: 'root', args: ['html'], file: 'nginx.conf', line: 4 });
  });

  test('quotes group words and keep ; { } # inside; escapes follow nginx', () => {
    const [d] = parseNginx(`add_header X "a; b {c} #d" 'it\\'s' "q\\"x";`, 'f');
    assert.deepEqual(d!.args, ['X', 'a; b {c} #d', "it's", 'q"x']);
    const [regex] = parseNginx('location ~ \\.php$ { }', 'f');
    assert.deepEqual(regex!.args, ['~', '\\.php$'], 'unknown escapes keep their backslash, as regexes need');
  });

  test('${var} inside a word is not a block', () => {
    const [d] = parseNginx('return 301 https://${host}$request_uri;', 'f');
    assert.deepEqual(d!.args, ['301', 'https://${host}$request_uri']);
  });

  test('a # inside a word is not a comment', () => {
    const [d] = parseNginx('return 302 /page#top;', 'f');
    assert.deepEqual(d!.args, ['302', '/page#top']);
  });

  test('syntax errors name the file and line', () => {
    const cases: [string, RegExp][] = [
      ['http {\n  listen 80;\n', /^f: unexpected end of file, expecting "}"/],
      ['listen 80;\n}\n', /^f:2: unexpected "}"/],
      ['listen 80\n', /^f:1: directive "listen" is not terminated by ";"/],
      ['root "html;\n', /^f:1: unterminated quoted string/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseNginx(text, 'f'), (error: unknown) => {
        assert.ok(error instanceof ImportError);
        assert.equal(error.code, 'WHARF_IMPORT_SYNTAX');
        assert.match(error.message, message);
        return true;
      });
    }
  });
});

describe('nginx include', () => {
  test('relative to the main file, globs in sorted order, spliced in place', (t) => {
    const dir = tempDir('wharf-nginx-include-', t.after.bind(t));
    writeTree(dir, {
      'nginx.conf': 'http {\n  include sites/*.conf;\n  include extra.conf;\n  gzip on;\n}\n',
      'sites/b.conf': 'server { listen 8002; }\n',
      'sites/a.conf': 'server { listen 8001; }\n',
      'sites/notes.txt': 'not included',
      'extra.conf': 'include sites/b.conf;\n',
    });
    const loaded = loadNginxConfig(join(dir, 'nginx.conf'));
    const http = loaded.directives[0]!.block!;
    assert.deepEqual(http.map((d) => [d.name, d.file, d.line]), [
      ['server', 'sites/a.conf', 1],
      ['server', 'sites/b.conf', 1],
      ['server', 'sites/b.conf', 1],
      ['gzip', 'nginx.conf', 4],
    ]);
    assert.deepEqual(loaded.files, ['nginx.conf', 'sites/a.conf', 'sites/b.conf', 'extra.conf', 'sites/b.conf']);
    assert.deepEqual(loaded.problems, []);
  });

  test('a missing file, an empty glob and a loop are problems, not failures', (t) => {
    const dir = tempDir('wharf-nginx-include-', t.after.bind(t));
    writeTree(dir, {
      'nginx.conf': 'include missing.conf;\ninclude none/*.conf;\ninclude loop.conf;\n',
      'loop.conf': 'include loop.conf;\n',
    });
    const loaded = loadNginxConfig(join(dir, 'nginx.conf'));
    assert.deepEqual(loaded.problems.map((p) => [p.directive.file, p.directive.line]), [['nginx.conf', 1], ['nginx.conf', 2], ['loop.conf', 1]]);
    assert.match(loaded.problems[0]!.why, /missing\.conf does not exist/);
    assert.match(loaded.problems[1]!.why, /no file matches none\/\*\.conf/);
    assert.match(loaded.problems[2]!.why, /include loop/);
  });
});
