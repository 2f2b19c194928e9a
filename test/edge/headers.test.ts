// Header rewriting between client and upstream, on the flat raw lists the proxy passes, and
// the path normalization routes are matched on. The end-to-end view is proxy-headers.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientResponseHead, headerObject, normalizePath, rawHeader, upstreamRequestHeaders, type ForwardedFacts } from '../../src/edge/headers.js';

const FACTS: ForwardedFacts = { clientIp: '192.0.2.9', proto: 'https', host: 'shop.test' };
const WHARF_HEADERS = ['x-real-ip', '192.0.2.9', 'x-forwarded-proto', 'https', 'x-forwarded-host', 'shop.test', 'host', 'shop.test'];

const bytes = (flat: readonly string[]): Buffer[] => flat.map((text) => Buffer.from(text, 'latin1'));

describe('upstream request headers', () => {
  test('end-to-end headers pass in order, names as sent, repeats kept; wharf adds its own at the end', () => {
    const out = upstreamRequestHeaders(['Accept', 'a/b', 'Cookie', 'x=1', 'cookie', 'y=2', 'User-Agent', 'ua'], FACTS);
    assert.deepEqual(out, ['Accept', 'a/b', 'Cookie', 'x=1', 'cookie', 'y=2', 'User-Agent', 'ua', 'x-forwarded-for', '192.0.2.9', ...WHARF_HEADERS]);
  });

  test('X-Forwarded-For lines are joined in order and the client is appended', () => {
    const out = upstreamRequestHeaders(['X-Forwarded-For', '198.51.100.1', 'Accept', '*/*', 'x-forwarded-for', '203.0.113.7, 203.0.113.8'], FACTS);
    assert.deepEqual(out, ['Accept', '*/*', 'x-forwarded-for', '198.51.100.1, 203.0.113.7, 203.0.113.8, 192.0.2.9', ...WHARF_HEADERS]);
  });

  test('an empty X-Forwarded-For line counts as absent', () => {
    assert.deepEqual(upstreamRequestHeaders(['X-Forwarded-For', ''], FACTS), ['x-forwarded-for', '192.0.2.9', ...WHARF_HEADERS]);
  });

  test("the client's Host, X-Real-IP, X-Forwarded-Proto and X-Forwarded-Host are replaced; a host override wins for Host only", () => {
    const out = upstreamRequestHeaders(['Host', 'evil.test', 'X-Real-IP', '1.1.1.1', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'evil.test'], { ...FACTS, hostOverride: 'backend.internal' });
    assert.deepEqual(out, ['x-forwarded-for', '192.0.2.9', 'x-real-ip', '192.0.2.9', 'x-forwarded-proto', 'https', 'x-forwarded-host', 'shop.test', 'host', 'backend.internal']);
  });

  test('hop-by-hop headers and HTTP/2 pseudo-headers are dropped', () => {
    const hop = ['Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Proxy-Connection', 'x', 'Proxy-Authenticate', 'x', 'Proxy-Authorization', 'x', 'TE', 'trailers', 'Trailer', 'x', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'Expect', '100-continue', 'HTTP2-Settings', 'x'];
    assert.deepEqual(upstreamRequestHeaders([':method', 'GET', ':path', '/', ...hop, 'X-Kept', '1'], FACTS), ['X-Kept', '1', 'x-forwarded-for', '192.0.2.9', ...WHARF_HEADERS]);
  });

  test('headers named by Connection are dropped, across several Connection lines and in any case', () => {
    const out = upstreamRequestHeaders(['Connection', 'X-One, keep-alive', 'X-One', '1', 'connection', ' x-two ,close', 'X-Two', '2', 'X-Three', '3'], FACTS);
    assert.deepEqual(out.slice(0, 2), ['X-Three', '3']);
    assert.equal(out.length, 2 + 2 + WHARF_HEADERS.length);
  });

  test('only Connection names headers to drop: other values that look like header names do not', () => {
    const out = upstreamRequestHeaders(['User-Agent', 'x-trace', 'Link', 'x-span', 'X-Trace', 'a', 'X-Span', 'b'], FACTS);
    assert.deepEqual(out.slice(0, 8), ['User-Agent', 'x-trace', 'Link', 'x-span', 'X-Trace', 'a', 'X-Span', 'b']);
  });

  test('framing headers disguised with underscores are dropped; other underscored names and the real Content-Length pass', () => {
    const out = upstreamRequestHeaders(['Transfer_Encoding', 'chunked', 'content_length', '5', 'X_Api_Key', 'k', 'Content-Length', '3'], FACTS);
    assert.deepEqual(out, ['X_Api_Key', 'k', 'Content-Length', '3', 'x-forwarded-for', '192.0.2.9', ...WHARF_HEADERS]);
  });

  test('Connection: close or keep-alive alone names nothing else', () => {
    for (const value of ['close', 'Close', 'keep-alive', 'Keep-Alive', 'close, keep-alive']) {
      assert.deepEqual(upstreamRequestHeaders(['Connection', value, 'Close', 'kept', 'Keep-Alive-Extra', 'kept'], FACTS).slice(0, 4), ['Close', 'kept', 'Keep-Alive-Extra', 'kept'], value);
    }
  });
});

describe('rawHeader', () => {
  test('finds a header whatever its case and joins repeats with ", "', () => {
    const raw = ['Host', 'a.test', 'X-Tag', 'one', 'x-tag', 'two', 'X-Tags', 'no'];
    assert.equal(rawHeader(raw, 'host'), 'a.test');
    assert.equal(rawHeader(raw, 'x-tag'), 'one, two');
    assert.equal(rawHeader(raw, 'x-ta'), undefined);
    assert.equal(rawHeader(raw, 'expect'), undefined);
  });
});

describe('client response head', () => {
  test('keeps names as sent and repeats; reads Content-Length', () => {
    const head = clientResponseHead(bytes(['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'Content-Length', '12', 'X-Mixed-Case', 'v']));
    assert.deepEqual(head, { headers: ['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'Content-Length', '12', 'X-Mixed-Case', 'v'], contentLength: 12 });
  });

  test('without Content-Length the length is -1', () => {
    assert.equal(clientResponseHead(bytes(['X', '1'])).contentLength, -1);
  });

  test('drops hop-by-hop headers, Connection itself and whatever it names', () => {
    const head = clientResponseHead(bytes(['Connection', 'X-Private, keep-alive', 'X-Private', 's', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Proxy-Authenticate', 'Basic', 'x-private', 's2', 'X-Kept', 'yes']));
    assert.deepEqual(head.headers, ['X-Kept', 'yes']);
    const plain = clientResponseHead(bytes(['Connection', 'close', 'X-Kept', 'yes']));
    assert.deepEqual(plain.headers, ['X-Kept', 'yes']);
  });

  test('bytes pass through as latin1, unchanged', () => {
    const value = Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9]);
    const head = clientResponseHead([Buffer.from('X-Name'), value]);
    assert.deepEqual(Buffer.from(head.headers[1]!, 'latin1'), value);
  });
});

describe('headerObject', () => {
  test('lower-cases names and gathers repeats into arrays, in order', () => {
    assert.deepEqual(headerObject(['Set-Cookie', 'a', 'X-One', '1', 'set-cookie', 'b', 'SET-COOKIE', 'c']), { 'set-cookie': ['a', 'b', 'c'], 'x-one': '1' });
  });
});

describe('normalizePath', () => {
  test('decodes escapes, resolves dot segments and merges slashes', () => {
    const cases: [string, string][] = [
      ['/plain/path', '/plain/path'],
      ['/%61dmin', '/admin'],
      ['/a/./b/../c', '/a/c'],
      ['/a/%2e%2e/b', '/b'],
      ['//a///b', '/a/b'],
      ['/a/b/..', '/a/'],
      ['/a;b/c', '/a/c'],
      ['/a%3Bx/y', '/a/y'],
      ['/a/b/', '/a/b/'],
      ['/a/b/.', '/a/b/'],
      ['/.', '/'],
      ['/a/.hidden', '/a/.hidden'],
      ['/a..b/c', '/a..b/c'],
      ['/;x/admin', '/admin'],
      ['/admin/;jsessionid=1', '/admin/'],
    ];
    for (const [path, normalized] of cases) assert.equal(normalizePath(path), normalized, path);
  });

  test('a broken escape, a NUL or .. above the root is invalid; escapes that are not UTF-8 decode byte by byte', () => {
    assert.equal(normalizePath('/a%zz'), undefined);
    assert.equal(normalizePath('/a%2'), undefined);
    assert.equal(normalizePath('/a%'), undefined);
    assert.equal(normalizePath('/a%00b'), undefined);
    assert.equal(normalizePath('/../../x'), undefined, '.. above the root');
    assert.equal(normalizePath('/a/../../x'), undefined);
    assert.equal(normalizePath('/caf%E9'), '/caf\u00e9');
    assert.equal(normalizePath('/caf%e9/%2E%2E/x'), '/x');
  });
});
