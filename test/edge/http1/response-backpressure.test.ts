// The lean layer's response must tell its writer to wait when the client stops reading, as
// http.ServerResponse does: the proxy pauses the upstream on `write() === false`, and that is
// all that keeps a large download (or a limit_rate response) out of wharf's memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { Http1Server } from '../../../src/edge/http1/server.js';
import type { Http1Response } from '../../../src/edge/http1/response.js';

const settings = { clientHeaderMs: 10_000, keepaliveMs: 5_000, maxHeaderSize: 16 * 1024 };

/**
 * Writes one `pieceBytes` piece per turn of the event loop, as a proxy forwarding upstream reads
 * does, until write() says wait (or 64 MB, the bound); resolves the bytes written.
 */
async function writeUntilFull(res: Http1Response, pieceBytes: number): Promise<{ written: number; drained: Promise<void> }> {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const piece = Buffer.alloc(pieceBytes, 1);
  let written = 0;
  while (written < 64 * 1024 * 1024) {
    written += pieceBytes;
    // 'drain' can come on the next tick, before any promise callback: listen at once.
    if (!res.write(piece)) return { written, drained: new Promise((resolve) => res.once('drain', () => resolve())) };
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { written, drained: Promise.reject(new Error('write() never returned false')) };
}

for (const pieceBytes of [1024, 8 * 1024, 64 * 1024]) {
  test(`write() returns false once a client that does not read has ${pieceBytes}-byte pieces queued, and 'drain' follows when it reads`, async () => {
    let written = 0;
    let drained: Promise<void> | undefined;
    const server = new Http1Server(settings, {
      request: (_req, res) => {
        void writeUntilFull(res, pieceBytes).then((outcome) => {
          written = outcome.written;
          drained = outcome.drained;
        });
      },
      upgrade: (_req, socket) => socket.destroy(),
      clientError: (_error, socket) => socket.destroy(),
    });
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.server.address() as AddressInfo).port, '127.0.0.1');
    client.pause();
    client.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    try {
      while (drained === undefined) await new Promise((r) => setTimeout(r, 5));
      // The kernel's socket buffers take a few MB on loopback; what matters is that it stops.
      assert.ok(written < 16 * 1024 * 1024, `wrote ${written} bytes before being told to wait`);
      client.resume();
      await drained;
    } finally {
      client.destroy();
      await new Promise((resolve) => server.server.close(resolve));
    }
  });
}
