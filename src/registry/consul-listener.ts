// registry.consul_api: the /v1/ API on its own address (Consul's usual 127.0.0.1:8500), so
// clients configured for a local Consul agent work unchanged. Anything else there is a 404.
import { createServer, type Server } from 'node:http';
import type { RegistryRoute } from './consul-api.js';
import { sendText } from './consul-http.js';
import { boundAddress, closeNow, listenOn } from '../net/http-server.js';

export class ConsulListener {
  private server: Server | undefined;

  constructor(private readonly route: RegistryRoute) {}

  async start(host: string, port: number): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://registry');
      void this.route(req, res, url).then((answered) => {
        if (!answered) sendText(res, 404, `no such endpoint: ${url.pathname} (this address serves the Consul-compatible /v1/ API)`);
      });
    });
    await listenOn(server, host, port, 'for the Consul API on');
    this.server = server;
  }

  address(): { host: string; port: number } {
    return boundAddress(this.server);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Blocking queries hold connections open for minutes: they end with the listener.
    await closeNow(server);
  }
}
