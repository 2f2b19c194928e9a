// Small real HTTP backends for tests: each answers with its id and echoes what it received.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  readonly id: string;
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  /** Requests seen (method, url, headers) in order. */
  readonly seen: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, backend: Backend) => void;

/** Default handler: 200 with JSON { id, method, url, headers }; drains any body. */
export const echoHandler: BackendHandler = (req, res, backend) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    const body = JSON.stringify({ id: backend.id, method: req.method, url: req.url, headers: req.headers, bodyBytes: bytes });
    res.writeHead(200, { 'content-type': 'application/json', 'x-backend': backend.id });
    res.end(body);
  });
};

export async function startBackend(id: string, handler: BackendHandler = echoHandler, port = 0): Promise<Backend> {
  const seen: Backend['seen'] = [];
  const server = createServer();
  const backend: Backend = {
    id,
    server,
    seen,
    get address() {
      return `127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    get port() {
      return (server.address() as AddressInfo).port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res, backend);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return backend;
}

/** True when an outside program is required by CI (WHARF_REQUIRE_INTEROP set). */
export function interopRequired(): boolean {
  return Boolean(process.env.WHARF_REQUIRE_INTEROP);
}

/** An outside program is missing: the test fails when CI requires it, and is skipped otherwise. */
export function skipMissing(t: { skip(message: string): void }, what: string): void {
  if (interopRequired()) throw new Error(`${what} is required (WHARF_REQUIRE_INTEROP is set) but missing`);
  t.skip(`${what} is not installed`);
}
