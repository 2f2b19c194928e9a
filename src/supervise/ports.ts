// Free ports for `port: auto`: the kernel picks one for a listener on HOST:0, which is closed
// right away and handed to the child. The allocator remembers ports it handed out until their
// instance exits, so two instances starting at once never get the same one. HOST is where
// every instance listens ($HOST): loopback on one machine, the node's advertise address in a
// cluster, so the allocator is the one place that knows it.
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class PortAllocator {
  private readonly held = new Set<number>();

  constructor(readonly host = '127.0.0.1') {}

  async allocate(): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await freePort(this.host);
      if (!this.held.has(port)) {
        this.held.add(port);
        return port;
      }
    }
    throw new Error('no free port found after 50 attempts');
  }

  release(port: number): void {
    this.held.delete(port);
  }
}
