// Shared by the importer behaviour tests: the imported YAML made runnable on loopback (edge
// and control on port 0, a route to each app), free port ranges, and small HTTP helpers.
import { createServer } from 'node:net';
import { parse as parseYaml, stringify } from 'yaml';

/** The imported config with listeners on loopback port 0, access log off and `routes` added. */
export function runnable(yaml: string, routes: readonly Record<string, unknown>[]): string {
  const config = (parseYaml(yaml) ?? {}) as Record<string, unknown>;
  config.listen ??= ['127.0.0.1:0'];
  config.control = { address: '127.0.0.1:0' };
  config.access_log = 'off';
  config.routes = [...((config.routes as unknown[]) ?? []), ...routes];
  return stringify(config);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A prefix P such that ports P*100+from .. P*100+from+count-1 are free right now. */
export async function freePortPrefix(from: number, count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const prefix = 200 + Math.floor(Math.random() * 400);
    const ports = Array.from({ length: count }, (_, i) => prefix * 100 + from + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return prefix;
  }
  throw new Error('no free port range found');
}

export async function getJson(url: string, deadlineMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return (await res.json()) as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`${url}: HTTP ${res.status}`);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
