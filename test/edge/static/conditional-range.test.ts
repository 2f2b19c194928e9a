import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveSiteForSuite } from './site.js';

describe('static files: validators and 304', () => {
  const site = serveSiteForSuite();
  let etag: string;
  let lastModified: string;
  before(async () => {
    const mtime = new Date('2024-03-01T12:00:00Z');
    await utimes(join(site.root, 'digits.txt'), mtime, mtime);
    const res = await fetch(`${site.origin}/digits.txt`);
    await res.text();
    etag = res.headers.get('etag') ?? '';
    lastModified = res.headers.get('last-modified') ?? '';
  });

  const get = (headers: Record<string, string>, path = '/digits.txt'): Promise<Response> => fetch(`${site.origin}${path}`, { headers });

  test('Last-Modified is the file mtime', () => {
    assert.equal(lastModified, 'Fri, 01 Mar 2024 12:00:00 GMT');
  });

  test('If-None-Match with the current ETag is 304 without a body', async () => {
    const res = await get({ 'if-none-match': etag });
    assert.equal(res.status, 304);
    assert.equal(res.headers.get('etag'), etag);
    assert.equal(await res.text(), '');
  });

  test('If-None-Match matches within a list, weakly, and with *', async () => {
    assert.equal((await get({ 'if-none-match': `"nope", W/${etag}` })).status, 304);
    assert.equal((await get({ 'if-none-match': '*' })).status, 304);
  });

  test('If-None-Match with another tag is 200, and wins over If-Modified-Since', async () => {
    const res = await get({ 'if-none-match': '"other"', 'if-modified-since': lastModified });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '0123456789');
  });

  test('If-Modified-Since at or after the mtime is 304, before it is 200', async () => {
    assert.equal((await get({ 'if-modified-since': lastModified })).status, 304);
    assert.equal((await get({ 'if-modified-since': 'Sat, 02 Mar 2024 00:00:00 GMT' })).status, 304);
    const older = await get({ 'if-modified-since': 'Thu, 29 Feb 2024 00:00:00 GMT' });
    assert.equal(older.status, 200);
    assert.equal(await older.text(), '0123456789');
    const garbage = await get({ 'if-modified-since': 'not a date' });
    assert.equal(garbage.status, 200);
    await garbage.text();
  });

  test('a changed file gets a new ETag and no longer matches', async () => {
    await writeFile(join(site.root, 'notes.txt'), 'first');
    const first = await get({}, '/notes.txt');
    await first.text();
    await writeFile(join(site.root, 'notes.txt'), 'second version');
    const second = await get({ 'if-none-match': first.headers.get('etag') ?? '' }, '/notes.txt');
    assert.equal(second.status, 200);
    assert.notEqual(second.headers.get('etag'), first.headers.get('etag'));
    assert.equal(await second.text(), 'second version');
  });

  test('If-Match that fails is 412', async () => {
    const res = await get({ 'if-match': '"something-else"' });
    assert.equal(res.status, 412);
    await res.text();
    const ok = await get({ 'if-match': etag });
    assert.equal(ok.status, 200);
    await ok.text();
  });
});

describe('static files: Range', () => {
  const site = serveSiteForSuite();

  const range = (value: string, extra: Record<string, string> = {}): Promise<Response> =>
    fetch(`${site.origin}/digits.txt`, { headers: { range: value, ...extra } });

  test('bytes=a-b is 206 with exactly those bytes', async () => {
    const res = await range('bytes=2-5');
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), 'bytes 2-5/10');
    assert.equal(res.headers.get('content-length'), '4');
    assert.equal(await res.text(), '2345');
  });

  test('bytes=a- runs to the end', async () => {
    const res = await range('bytes=7-');
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), 'bytes 7-9/10');
    assert.equal(await res.text(), '789');
  });

  test('bytes=-n is the last n bytes', async () => {
    const res = await range('bytes=-3');
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), 'bytes 7-9/10');
    assert.equal(await res.text(), '789');
  });

  test('an end past the file and a suffix longer than the file are clamped', async () => {
    const past = await range('bytes=8-100');
    assert.equal(past.headers.get('content-range'), 'bytes 8-9/10');
    assert.equal(await past.text(), '89');
    const longSuffix = await range('bytes=-50');
    assert.equal(longSuffix.status, 206);
    assert.equal(await longSuffix.text(), '0123456789');
  });

  test('a start past the end is 416 with Content-Range bytes */SIZE', async () => {
    for (const value of ['bytes=10-', 'bytes=99-200', 'bytes=-0']) {
      const res = await range(value);
      assert.equal(res.status, 416, value);
      assert.equal(res.headers.get('content-range'), 'bytes */10', value);
      assert.doesNotMatch(await res.text(), /0123/);
    }
  });

  test('a malformed Range is ignored: whole file, 200', async () => {
    for (const value of ['bytes=5-2', 'bytes=abc', 'items=0-1', 'bytes=1-x', 'bytes']) {
      const res = await range(value);
      assert.equal(res.status, 200, value);
      assert.equal(await res.text(), '0123456789', value);
    }
  });

  test('several ranges get the whole file with 200', async () => {
    const res = await range('bytes=0-1,4-5');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '0123456789');
  });

  test('If-Range with the current ETag or date applies the range', async () => {
    const first = await fetch(`${site.origin}/digits.txt`);
    await first.text();
    const byTag = await range('bytes=0-1', { 'if-range': first.headers.get('etag') ?? '' });
    assert.equal(byTag.status, 206);
    assert.equal(await byTag.text(), '01');
    const byDate = await range('bytes=0-1', { 'if-range': first.headers.get('last-modified') ?? '' });
    assert.equal(byDate.status, 206);
    assert.equal(await byDate.text(), '01');
  });

  test('If-Range that does not match sends the whole file with 200', async () => {
    for (const validator of ['"stale-tag"', 'Thu, 01 Jan 2015 00:00:00 GMT']) {
      const res = await range('bytes=0-1', { 'if-range': validator });
      assert.equal(res.status, 200, validator);
      assert.equal(res.headers.get('content-range'), null);
      assert.equal(await res.text(), '0123456789');
    }
  });

  test('a range on an empty file is 416', async () => {
    const res = await fetch(`${site.origin}/empty.txt`, { headers: { range: 'bytes=0-' } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), 'bytes */0');
    await res.text();
  });
});
