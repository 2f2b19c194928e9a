// Start and stop of wharf's own small HTTP servers (control API, Consul API): one error code
// for an address that cannot be bound, and a close that does not wait for held connections
// (event streams and blocking queries stay open for minutes).
import type { Server } from 'node:net';

/** Binds `server`; rejects with WHARF_LISTEN_FAILED naming what the address was for. */
export function listenOn(server: Server, host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(Object.assign(new Error(`cannot listen ${what} ${host}:${port}: ${error.message}`), { code: 'WHARF_LISTEN_FAILED' })));
    server.listen(port, host, () => resolve());
  });
}

export function boundAddress(server: Server | undefined): { host: string; port: number } {
  const address = server?.address();
  return typeof address === 'object' && address ? { host: address.address, port: address.port } : { host: '', port: 0 };
}

export async function closeNow(server: Server & { closeAllConnections(): void }): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
