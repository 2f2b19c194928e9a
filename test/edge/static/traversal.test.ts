import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawPath, rawRequest, SECRET, serveSiteForSuite, urlPath, type PathOf } from './site.js';

// Every one of these names the secret outside the root (or the root's parent) in some disguise.
const ESCAPES: readonly string[] = [
  '/../secret.txt',
  '/docs/../../secret.txt',
  '/%2e%2e/secret.txt',
  '/%2E%2E/secret.txt',
  '/%2e%2e%2fsecret.txt',
  '/..%2fsecret.txt',
  '/..%2Fsecret.txt',
  '/docs%2f..%2f..%2fsecret.txt',
  '/%2e%2e%2f%2e%2e%2fsecret.txt',
  '/.%2e/secret.txt',
  '/secret.txt%00',
  '/index.html%00/../../secret.txt',
  '/%00../secret.txt',
  '/..%5csecret.txt',
  '/%5c..%5csecret.txt',
  '/docs%5c..%5c..%5csecret.txt',
  '/leak.txt',
  '/leakdir/passwd',
  '/leakdir/',
  '/leakdir',
  '/sibling/passwd',
  '/sibling.txt',
  '/sibling/',
  '/%2e%2e/private/passwd',
];

function checkEscapes(name: string, pathOf: PathOf): void {
  describe(`static files: no escape from the root (${name})`, () => {
    const site = serveSiteForSuite(pathOf);

    for (const target of ESCAPES) {
      test(`${target} is 404 and leaks nothing`, async () => {
        for (const method of ['GET', 'HEAD']) {
          const res = await rawRequest(site.port, target, method);
          assert.equal(res.status, 404, `${method} ${target}`);
          assert.doesNotMatch(res.body, new RegExp(SECRET), `${method} ${target}`);
          assert.equal(res.headers['location'], undefined, 'not even a redirect');
        }
      });
    }

    test('overlong UTF-8 dots are rejected as bad encoding', async () => {
      const res = await rawRequest(site.port, '/%c0%ae%c0%ae/secret.txt');
      assert.equal(res.status, 400);
      assert.doesNotMatch(res.body, new RegExp(SECRET));
    });

    test('double encoding stays literal', async () => {
      const res = await rawRequest(site.port, '/%252e%252e/secret.txt');
      assert.equal(res.status, 404);
      assert.doesNotMatch(res.body, new RegExp(SECRET));
    });

    test('a raw backslash never reaches the file system', async () => {
      const res = await rawRequest(site.port, '/..\\secret.txt');
      assert.notEqual(res.status, 200);
      assert.doesNotMatch(res.body, new RegExp(SECRET));
    });

    test('the same server still serves files inside the root', async () => {
      const res = await rawRequest(site.port, '/digits.txt');
      assert.equal(res.status, 200);
      assert.equal(res.body, '0123456789');
    });
  });
}

// The edge hands the handler the raw path; a server built on WHATWG URL folds ".." first. Both
// must be safe.
checkEscapes('raw path, as the edge passes it', rawPath);
checkEscapes('path from new URL()', urlPath);
