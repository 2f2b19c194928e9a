// Bodies stream through the proxy both ways with back-pressure: 100 MB up and 100 MB down
// arrive intact (sha256) without the process holding them, and a reader that stops reading
// stops the writer on the other side.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startBackend, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';

const MB = 1024 * 1024;
const TOTAL = 100 * MB;
const block = randomBytes(MB);

/** TOTAL bytes made on the fly: a random block with its index stamped in, never all in memory. */
function generated(total = TOTAL): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(block.subarray(0, Math.min(64 * 1024, total - sent)));
      chunk.writeUInt32BE(sent / 1024, 0);
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

// Chunks that were streamed through are garbage, but V8 may collect them late and RSS would
// count them; collecting often makes the peak RSS reflect what is actually held.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Runs `work` while sampling memory: the peak RSS growth over the start, and the peak of the
 * buffers still alive right after a collection (what the process actually holds).
 */
async function memoryGrowth<T>(work: () => Promise<T>): Promise<{ result: T; rss: number; live: number }> {
  collectGarbage();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakLive = base.arrayBuffers;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    collectGarbage();
    peakLive = Math.max(peakLive, process.memoryUsage().arrayBuffers);
  }, 25);
  try {
    const result = await work();
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    return { result, rss: peakRss - base.rss, live: peakLive - base.arrayBuffers };
  } finally {
    clearInterval(timer);
  }
}

describe('streaming through the proxy', () => {
  let backend: Backend;
  let w: RunningWharf;
  /** Bytes the download handler has handed to its socket so far. */
  let downloadWritten = 0;
  /** Bytes the slow upload handler has read so far. */
  let uploadRead = 0;
  /** Set by the slow upload handler once it has stopped reading. */
  const uploadGate: { release?: () => void } = {};

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
      return;
    }
    if (req.url === '/slow-upload') {
      // Reads one chunk, then stops until the test lets it go on.
      req.once('data', (chunk: Buffer) => {
        uploadRead += chunk.length;
        req.pause();
        uploadGate.release = () => {
          req.on('data', (c: Buffer) => (uploadRead += c.length));
          req.resume();
        };
      });
      req.on('end', () => res.end('done'));
      return;
    }
    if (req.url === '/download') {
      const { stream, digest } = generated();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
      stream.on('data', (chunk: Buffer) => {
        downloadWritten += chunk.length;
        if (!res.write(chunk)) {
          stream.pause();
          res.once('drain', () => stream.resume());
        }
      });
      stream.on('end', () => res.end());
      downloadDigests.push(digest);
      res.on('close', () => stream.destroy());
      return;
    }
    res.end('?');
  };
  const downloadDigests: (() => string)[] = [];

  before(async () => {
    backend = await startBackend('stream', handler);
    w = await startWharf(`${LOOPBACK}access_log: off
timeouts: { client_body: 30s, upstream_read: 30s }
upstreams:
  stream: { servers: [${backend.address}] }
routes:
  - path: /
    proxy: stream
`);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
  });

  test('100 MB upload arrives intact without being held in memory', async () => {
    const { result, rss, live } = await memoryGrowth(
      () =>
        new Promise<{ status: number; body: string; digest: string }>((resolve, reject) => {
          const { stream, digest } = generated();
          const req = httpRequest(`${w.baseUrl}/upload`, { method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream' } }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body, digest: digest() }));
          });
          req.on('error', reject);
          stream.pipe(req);
        }),
    );
    assert.equal(result.status, 200);
    const seen = JSON.parse(result.body) as { bytes: number; sha256: string };
    assert.equal(seen.bytes, TOTAL);
    assert.equal(seen.sha256, result.digest);
    assert.ok(rss < 70 * MB, `RSS grew by ${Math.round(rss / MB)} MB while streaming 100 MB up`);
    assert.ok(live < 32 * MB, `${Math.round(live / MB)} MB of buffers were held while streaming 100 MB up`);
  });

  test('100 MB download arrives intact without being held in memory', async () => {
    const { result, rss, live } = await memoryGrowth(
      () =>
        new Promise<{ status: number; bytes: number; sha256: string }>((resolve, reject) => {
          const req = httpRequest(`${w.baseUrl}/download`, { agent: false }, (res) => {
            const hash = createHash('sha256');
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              hash.update(chunk);
              bytes += chunk.length;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end();
        }),
    );
    assert.equal(result.status, 200);
    assert.equal(result.bytes, TOTAL);
    await sleep(10);
    assert.equal(result.sha256, downloadDigests.at(-1)!());
    assert.ok(rss < 70 * MB, `RSS grew by ${Math.round(rss / MB)} MB while streaming 100 MB down`);
    assert.ok(live < 32 * MB, `${Math.round(live / MB)} MB of buffers were held while streaming 100 MB down`);
  });

  test('a client that stops reading stops the upstream from writing', async () => {
    downloadWritten = 0;
    const req = httpRequest(`${w.baseUrl}/download`, { agent: false });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', reject);
      req.end();
    });
    res.pause();
    // With nothing read, the upstream can only fill the socket buffers and the proxy's small window.
    let last = -1;
    for (let i = 0; i < 50 && downloadWritten !== last; i++) {
      last = downloadWritten;
      await sleep(100);
    }
    assert.ok(downloadWritten < 40 * MB, `upstream wrote ${Math.round(downloadWritten / MB)} MB to a client that read nothing`);
    req.destroy();
  });

  test('an upstream that stops reading stops the client from sending', async () => {
    uploadRead = 0;
    delete uploadGate.release;
    const { stream } = generated();
    let produced = 0;
    stream.on('data', (chunk: Buffer) => (produced += chunk.length));
    const done = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${w.baseUrl}/slow-upload`, { method: 'POST', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      stream.pipe(req);
    });
    let last = -1;
    for (let i = 0; i < 50 && (produced !== last || !uploadGate.release); i++) {
      last = produced;
      await sleep(100);
    }
    // (The handler sets it from another callback; TypeScript cannot see that.)
    const release = uploadGate.release as (() => void) | undefined;
    assert.ok(release, 'the upstream saw the upload start');
    assert.ok(produced < 40 * MB, `the client was able to send ${Math.round(produced / MB)} MB to an upstream that read nothing`);
    release();
    assert.equal(await done, 200);
    assert.equal(uploadRead, TOTAL);
  });
});
