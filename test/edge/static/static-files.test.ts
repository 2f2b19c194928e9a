import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_JS, DOCS_HTML, INDEX_HTML, rawRequest, serve, serveSiteForSuite } from './site.js';

describe('static files: documents, directories, types, methods', () => {
  const site = serveSiteForSuite();

  test('a file is served whole with its length, type and validators', async () => {
    const res = await fetch(`${site.origin}/app.js`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), APP_JS);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(APP_JS)));
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.match(res.headers.get('etag') ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(!Number.isNaN(Date.parse(res.headers.get('last-modified') ?? '')));
    assert.equal(res.headers.get('vary'), null, 'no sibling, so nothing varies');
  });

  test('"/" serves the root index.html', async () => {
    const res = await fetch(`${site.origin}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await res.text(), INDEX_HTML);
  });

  test('a directory with a trailing slash serves its index.html', async () => {
    const res = await fetch(`${site.origin}/docs/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), DOCS_HTML);
  });

  test('a directory without trailing slash is redirected with 301, query kept', async () => {
    const res = await fetch(`${site.origin}/docs?lang=en`, { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/docs/?lang=en');
  });

  test('the redirect never points at another host', async () => {
    const res = await rawRequest(site.port, '//docs');
    assert.equal(res.status, 301);
    assert.equal(res.headers['location'], '/docs/');
  });

  test('a directory without index.html is 404, never a listing', async () => {
    const res = await fetch(`${site.origin}/empty/`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.doesNotMatch(await res.text(), /index|empty/);
  });

  test('a missing file is 404 and a file with a trailing slash is 404', async () => {
    assert.equal((await fetch(`${site.origin}/nope.js`)).status, 404);
    assert.equal((await fetch(`${site.origin}/app.js/`)).status, 404);
  });

  test('paths the file system cannot resolve are 404, not 500: through a file, a name too long, a symlink loop', async () => {
    await symlink('loop-b', join(site.root, 'loop-a'));
    await symlink('loop-a', join(site.root, 'loop-b'));
    for (const path of ['/app.js/x', `/${'n'.repeat(300)}`, '/loop-a', '/loop-a/x']) {
      assert.equal((await fetch(`${site.origin}${path}`)).status, 404, path);
    }
  });

  test('percent-encoded names are decoded once', async () => {
    const res = await fetch(`${site.origin}/a%20b/c.txt`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'spaced');
    assert.equal((await rawRequest(site.port, '/a%2520b/c.txt')).status, 404, '%25 must not be decoded twice');
  });

  test('malformed percent-encoding is 400', async () => {
    assert.equal((await rawRequest(site.port, '/bad%zz')).status, 400);
    assert.equal((await rawRequest(site.port, '/bad%e2%28.txt')).status, 400, 'not UTF-8');
  });

  test('Content-Type follows the extension', async () => {
    const expected: Record<string, string> = {
      'index.html': 'text/html; charset=utf-8',
      'style.css': 'text/css; charset=utf-8',
      'mod.mjs': 'text/javascript; charset=utf-8',
      'data.json': 'application/json',
      'logo.svg': 'image/svg+xml',
      'img.png': 'image/png',
      'photo.jpg': 'image/jpeg',
      'anim.gif': 'image/gif',
      'pic.webp': 'image/webp',
      'favicon.ico': 'image/x-icon',
      'font.woff': 'font/woff',
      'font.woff2': 'font/woff2',
      'notes.txt': 'text/plain; charset=utf-8',
      'feed.xml': 'application/xml',
      'mod.wasm': 'application/wasm',
      'doc.pdf': 'application/pdf',
      'app.js.map': 'application/json',
      'clip.mp4': 'video/mp4',
      'blob.xyz': 'application/octet-stream',
    };
    for (const [name, type] of Object.entries(expected)) {
      const res = await fetch(`${site.origin}/${name}`);
      await res.arrayBuffer();
      assert.equal(res.status, 200, name);
      assert.equal(res.headers.get('content-type'), type, name);
    }
  });

  test('HEAD carries the GET headers and no body', async () => {
    const res = await rawRequest(site.port, '/app.js', 'HEAD');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(APP_JS)));
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.ok(res.headers['etag']);
    assert.equal(res.body, '');
  });

  test('methods other than GET and HEAD get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await fetch(`${site.origin}/app.js`, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      await res.text();
    }
  });

  test('dotfiles and dot-directories are 404; .well-known is published', async () => {
    for (const path of ['/.env', '/.git/config', '/.git/', '/%2egit/config']) {
      const res = await rawRequest(site.port, path);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(res.body, /TOP-SECRET/);
    }
    const wellKnown = await fetch(`${site.origin}/.well-known/security.txt`);
    assert.equal(wellKnown.status, 200);
    assert.match(await wellKnown.text(), /Contact:/);
  });

  test('a symlink that stays inside the root is followed', async () => {
    const file = await fetch(`${site.origin}/alias.js`);
    assert.equal(file.status, 200);
    assert.equal(await file.text(), APP_JS);
    const dir = await fetch(`${site.origin}/docs-link/`);
    assert.equal(dir.status, 200);
    assert.equal(await dir.text(), DOCS_HTML);
  });

  test('an empty file is 200 with Content-Length 0', async () => {
    const res = await fetch(`${site.origin}/empty.txt`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '0');
    assert.equal(await res.text(), '');
  });
});

describe('static files: options and prefixes', () => {
  // Like the edge with `path: /assets`: the prefix is stripped before the handler sees the path.
  const site = serveSiteForSuite((url) => {
    const path = url.split('?')[0] ?? '/';
    const rest = path.startsWith('/assets') ? path.slice('/assets'.length) : path;
    return rest.startsWith('/') ? rest : `/${rest}`;
  }, { index: 'app.js' });

  test('alias semantics: /assets/x is served from ROOT/x', async () => {
    const res = await fetch(`${site.origin}/assets/notes.txt`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'notes');
  });

  test('the bare prefix redirects to the prefix with a slash, which serves the index', async () => {
    const res = await fetch(`${site.origin}/assets`, { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/assets/');
    const index = await fetch(`${site.origin}/assets/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/javascript; charset=utf-8', 'type follows the index name');
    assert.equal(await index.text(), APP_JS);
  });

  test('a root that does not exist answers 404', async () => {
    const missing = await serve(`${site.base}/no-such-dir`);
    try {
      const res = await fetch(`${missing.origin}/index.html`);
      assert.equal(res.status, 404);
      await res.text();
    } finally {
      await missing.close();
    }
  });
});
