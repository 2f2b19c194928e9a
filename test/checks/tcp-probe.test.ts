import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { probeTcp } from '../../src/checks/tcp-probe.js';

describe('probeTcp', () => {
  test('a listening port passes (whatever it would answer); a closed one is critical', async () => {
    let accepted = 0;
    const server = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const open = await probeTcp({ host: '127.0.0.1', port }, 1000);
    assert.deepEqual(open, { status: 'passing', output: `connected to 127.0.0.1:${port}` });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.ok(accepted <= 1);
    const closed = await probeTcp({ host: '127.0.0.1', port }, 1000);
    assert.equal(closed.status, 'critical');
    assert.match(closed.output, /ECONNREFUSED/);
  });
});
