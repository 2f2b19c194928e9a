// A loopback TCP relay a test can cut: a node that reaches etcd through relays is partitioned
// from it (every connection reset, new ones refused) without touching etcd or the other nodes.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpRelay {
  /** http://127.0.0.1:PORT, to use in place of the target's URL. */
  readonly url: string;
  /** Resets every relayed connection and refuses new ones until heal(). */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpRelay(target: URL): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    heal() {
      open = true;
    },
    close() {
      open = false;
      for (const socket of sockets) socket.destroy();
      // Not waited for: every relayed socket is destroyed above, and a test must not hang on one.
      server.close();
      return Promise.resolve();
    },
  };
}
