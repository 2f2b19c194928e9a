// wharf cluster nodes as separate `wharf up` processes, each on its own loopback address
// (127.0.0.2, 127.0.0.3, ...) with fixed ports (a node that restarts under its name must come
// back on the same control address to take its old lease over), all sharing one etcd.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { spawnCli } from '../cli/cli-process.js';
import { freePorts } from './etcd-member.js';

export const CLUSTER_TOKEN = 'cluster-test-token';

export interface NodeSpec {
  readonly name: string;
  /** Loopback address the node listens and advertises on. */
  readonly ip: string;
  readonly etcd: readonly string[];
  readonly ttl?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Its state dir (default DIR/NAME-state). */
  readonly stateDir?: string;
}

export interface WharfNode {
  readonly spec: NodeSpec;
  readonly file: string;
  readonly edgeUrl: string;
  readonly controlUrl: string;
  readonly child: ReturnType<typeof spawnCli>;
  /** GET or POST on its control API with the token; the parsed JSON body and status. */
  api<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }>;
  /** PIDs of its supervised instances, from its status. */
  instancePids(): Promise<number[]>;
  /** kill -9 of the node and every instance it runs (a machine that dies). */
  killHard(): Promise<void>;
  stop(): Promise<void>;
}

const agent = new Agent({ connections: 4 });

export function nodeConfig(spec: NodeSpec, dir: string, ports: { edge: number; control: number }): string {
  const labels = spec.labels ? `, labels: ${JSON.stringify(spec.labels)}` : '';
  return `listen: [${spec.ip}:${ports.edge}]
control: { address: ${spec.ip}:${ports.control}, token: ${CLUSTER_TOKEN} }
state_dir: ${spec.stateDir ?? join(dir, `${spec.name}-state`)}
access_log: off
log_level: info
cluster: { node: ${spec.name}, advertise: ${spec.ip}, etcd: [${spec.etcd.join(', ')}], ttl: ${spec.ttl ?? '2s'}${labels} }
`;
}

/** Writes the node's file (ports kept per name across restarts) and starts `wharf up`. */
export async function startWharfNode(dir: string, spec: NodeSpec, ports?: { edge: number; control: number }): Promise<WharfNode> {
  mkdirSync(dir, { recursive: true });
  const [edge, control] = ports ? [ports.edge, ports.control] : await freePorts(2);
  const file = join(dir, `${spec.name}.yaml`);
  writeFileSync(file, nodeConfig(spec, dir, { edge: edge!, control: control! }));
  const child = spawnCli(['up', '-c', file]);
  const urls = await servingUrls(child);
  const api: WharfNode['api'] = async (path, init = {}) => {
    const res = await request(`${urls.control}${path}`, {
      method: (init.method ?? (init.body === undefined ? 'GET' : 'POST')) as 'GET',
      headers: { authorization: `Bearer ${CLUSTER_TOKEN}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      dispatcher: agent,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as never };
  };
  const instancePids = async () => {
    const { body } = await api<{ apps: { instances: { pid: number | null }[] }[] }>('/api/status');
    return body.apps.flatMap((app) => app.instances.map((i) => i.pid)).filter((pid): pid is number => pid !== null);
  };
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    spec,
    file,
    edgeUrl: urls.edge,
    controlUrl: urls.control,
    child,
    api,
    instancePids,
    async killHard() {
      const pids = await instancePids().catch(() => []);
      child.kill('SIGKILL');
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await child.exited;
    },
    async stop() {
      if (exited()) return;
      child.kill('SIGTERM');
      await child.exited;
    },
  };
}

/** The edge and control URLs `wharf up` prints once it serves; rejects with its stderr if it exits first. */
async function servingUrls(child: ReturnType<typeof spawnCli>, timeoutMs = 60_000): Promise<{ edge: string; control: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /wharf: serving (http:\/\/\S+); control and dashboard on (http:\/\/\S+)/.exec(child.output.stderr);
    if (match) return { edge: match[1]!, control: match[2]! };
    if (child.exitCode !== null) throw Object.assign(new Error(`wharf exited with ${child.exitCode}:\n${child.output.stderr}`), { stderr: child.output.stderr });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`wharf did not start in ${timeoutMs} ms:\n${child.output.stderr}`);
}

/** Keep-alive GET load on `url` from `connections` loops until stop(); counts answers by status and body. */
export function keepAliveLoad(url: string, connections = 4): { stop(): Promise<{ ok: number; failed: number; failures: string[]; bodies: Map<string, number> }> } {
  const loadAgent = new Agent({ connections, keepAliveTimeout: 30_000 });
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const bodies = new Map<string, number>();
  const loop = async () => {
    while (running) {
      try {
        const res = await request(url, { dispatcher: loadAgent });
        const body = await res.body.text();
        if (res.statusCode === 200) {
          ok += 1;
          bodies.set(body, (bodies.get(body) ?? 0) + 1);
        } else failures.push(`${res.statusCode} ${body.trim()}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const loops = Array.from({ length: connections }, () => loop());
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await loadAgent.close();
      return { ok, failed: failures.length, failures: failures.slice(0, 10), bodies };
    },
  };
}

/** An app that answers its $HOST (the node it runs on) and binds only there. */
export const HOST_APP = `
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end(process.env.HOST)).listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

export function writeApp(dir: string): void {
  writeFileSync(join(dir, 'app.mjs'), HOST_APP);
}
