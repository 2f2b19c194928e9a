// Runs the same upstream definition in a real nginx and in wharf, so tests can compare which
// backend each request reaches. nginx runs as one foreground process (daemon off,
// master_process off) with its own prefix, config, temp dirs, pid and error log in a temp
// directory; backends are in-process servers that answer with their id and record attempts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, connect, type AddressInfo } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackend, type Backend } from '../helpers/backends.js';

export const NGINX = '/usr/sbin/nginx';

export function nginxInstalled(): boolean {
  return existsSync(NGINX);
}

export interface ServerSpec {
  /** A backend id (the backend's address is filled in) or a literal dead address. */
  readonly backend?: string;
  readonly address?: string;
  readonly weight?: number;
  readonly maxFails?: number;
  readonly failTimeout?: string;
  readonly backup?: boolean;
  readonly down?: boolean;
}

export interface UpstreamSpec {
  readonly balance?: 'round_robin' | 'least_conn' | 'ip_hash' | 'hash';
  /** With balance: hash — wharf's `uri` is nginx's $request_uri. */
  readonly hashKey?: 'uri';
  /** Further servers tried after a failed attempt (nginx: proxy_next_upstream_tries = retries + 1). */
  readonly retries: number;
  /** nginx's proxy_next_upstream_tries when it differs from retries + 1 (0 = every server). */
  readonly nginxTries?: number;
  readonly servers: readonly ServerSpec[];
}

/** Attempt log shared by all backends of a test: [request sequence number, backend id]. */
export class AttemptLog {
  readonly entries: [number, string][] = [];
  clear(): void {
    this.entries.length = 0;
  }
  /** Backend ids that saw request `seq`, in order. */
  of(seq: number): string[] {
    return this.entries.filter(([s]) => s === seq).map(([, id]) => id);
  }
}

export interface IdBackend extends Backend {
  /** Requests to reset (close without answering) before answering normally again. */
  resetNext: number;
}

export async function idBackends(ids: readonly string[], log: AttemptLog): Promise<Map<string, IdBackend>> {
  const out = new Map<string, IdBackend>();
  for (const id of ids) {
    const backend = await startBackend(id, (req, res, self) => {
      log.entries.push([Number(req.headers['x-seq'] ?? -1), id]);
      const me = self as IdBackend;
      if (me.resetNext > 0) {
        me.resetNext--;
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
      res.end(id);
    });
    out.set(id, Object.assign(backend, { resetNext: 0 }));
  }
  return out;
}

function addressOf(spec: ServerSpec, backends: Map<string, Backend>): string {
  if (spec.address) return spec.address;
  const backend = backends.get(spec.backend ?? '');
  if (!backend) throw new Error(`no backend ${spec.backend}`);
  return backend.address;
}

export function nginxUpstream(spec: UpstreamSpec, backends: Map<string, Backend>): string {
  const method = { round_robin: '', least_conn: 'least_conn;', ip_hash: 'ip_hash;', hash: 'hash $request_uri consistent;' }[spec.balance ?? 'round_robin'];
  const servers = spec.servers.map((s) => {
    const params = [
      s.weight !== undefined ? `weight=${s.weight}` : '',
      s.maxFails !== undefined ? `max_fails=${s.maxFails}` : '',
      s.failTimeout !== undefined ? `fail_timeout=${s.failTimeout}` : '',
      s.backup ? 'backup' : '',
      s.down ? 'down' : '',
    ].filter(Boolean);
    return `    server ${addressOf(s, backends)} ${params.join(' ')};`;
  });
  return `upstream u {\n    ${method}\n${servers.join('\n')}\n  }`;
}

export function wharfUpstreamYaml(spec: UpstreamSpec, backends: Map<string, Backend>): string {
  const servers = spec.servers.map((s) => ({
    address: addressOf(s, backends),
    ...(s.weight !== undefined && { weight: s.weight }),
    ...(s.maxFails !== undefined && { max_fails: s.maxFails }),
    ...(s.failTimeout !== undefined && { fail_timeout: s.failTimeout }),
    ...(s.backup && { backup: true }),
    ...(s.down && { down: true }),
  }));
  const upstream = { balance: spec.balance ?? 'round_robin', ...(spec.hashKey && { hash_key: spec.hashKey }), retries: spec.retries, servers };
  return `upstreams:\n  u: ${JSON.stringify(upstream)}\nroutes:\n  - { path: /, proxy: u }\n`;
}

export interface RunningNginx {
  readonly baseUrl: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/** A loopback port that was free a moment ago (nothing listens on it now). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** `locations`: nginx location blocks placed before the catch-all `location /` that proxies to u. */
export async function startNginx(spec: UpstreamSpec, backends: Map<string, Backend>, locations = ''): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'wharf-nginx-'));
  await chmod(dir, 0o755);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${nginxUpstream(spec, backends)}
  server {
    listen 127.0.0.1:${port};
    ${locations}
    location / {
      proxy_pass http://u;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries ${spec.nginxTries ?? spec.retries + 1};
      proxy_connect_timeout 2s;
    }
  }
}
`;
    await writeFile(join(dir, 'nginx.conf'), conf);
    const child: ChildProcess = spawn(NGINX, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    const deadline = Date.now() + 5000;
    while (!exited && Date.now() < deadline && !(await accepting(port))) await new Promise((r) => setTimeout(r, 20));
    if (!exited && (await accepting(port))) {
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        dir,
        async stop() {
          if (!exited) {
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
            await exit;
            clearTimeout(timer);
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    if (!exited) {
      child.kill('SIGKILL');
      await exit;
    }
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    // Another process may have taken the port between freePort() and nginx's bind: try again.
    if (attempt < 2 && /Address already in use/.test(log)) continue;
    await rm(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start:\n${log}`);
  }
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One GET with a sequence number (x-seq), optionally from a given local (source) address. */
export function get(baseUrl: string, path: string, seq: number, localAddress?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { agent: false, localAddress, headers: { 'x-seq': String(seq) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}
