import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StaticHandler } from '../../../src/edge/static/static-handler.js';
import { buildSite, rawPath, type Site } from './site.js';

const LARGE_SIZE = 20 * 1024 * 1024;

describe('static files: large files stream intact and with back-pressure', () => {
  let site: Site;
  let server: Server;
  let port: number;
  let large: Buffer;
  const responses: ServerResponse[] = [];
  before(async () => {
    site = await buildSite();
    large = randomBytes(LARGE_SIZE);
    await writeFile(join(site.root, 'large.bin'), large);
    const handler = new StaticHandler(site.root);
    server = createServer((req, res) => {
      responses.push(res);
      handler.handle(req, res, rawPath(req.url ?? '/'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await site.remove();
  });

  function download(headers: Record<string, string> = {}): Promise<{ status: number; length: string | undefined; sha256: string; bytes: number }> {
    return new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/large.bin', headers }, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          bytes += chunk.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], sha256: hash.digest('hex'), bytes }));
        res.on('error', reject);
      }).on('error', reject);
    });
  }

  test('a 20 MB file arrives byte for byte', async () => {
    const result = await download();
    assert.equal(result.status, 200);
    assert.equal(result.length, String(LARGE_SIZE));
    assert.equal(result.bytes, LARGE_SIZE);
    assert.equal(result.sha256, createHash('sha256').update(large).digest('hex'));
  });

  test('a range deep inside the large file is exact', async () => {
    const start = 13_000_001;
    const end = 17_500_000;
    const result = await download({ range: `bytes=${start}-${end}` });
    assert.equal(result.status, 206);
    assert.equal(result.bytes, end - start + 1);
    assert.equal(result.sha256, createHash('sha256').update(large.subarray(start, end + 1)).digest('hex'));
  });

  test('a client that stops reading does not make the server buffer the file', async () => {
    responses.length = 0;
    const socket = connect(port, '127.0.0.1');
    try {
      socket.pause();
      socket.write('GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n');
      for (let i = 0; i < 100 && responses.length === 0; i++) await sleep(10);
      const res = responses[0];
      assert.ok(res, 'request reached the server');
      // Give a buffering implementation every chance to pile the file up in memory.
      await sleep(300);
      const queued = res.writableLength + (res.socket?.writableLength ?? 0);
      assert.ok(queued < 2 * 1024 * 1024, `server queued ${queued} bytes for a paused client`);
    } finally {
      socket.destroy();
    }
  });
});
