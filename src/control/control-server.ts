// The control API on its own address: status, reload and app actions, plus whatever other parts
// mount (metrics, events, dashboard, the Consul-compatible registry API). Every request first
// passes the gate (Host, Origin, token or session); every change and every refusal is audited.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Logger } from '../observe/logger.js';
import type { AuditEvent } from '../observe/events.js';
import type { ControlConfig } from '../config/model.js';
import type { WharfStatus } from './status.js';
import { ControlGate, type GateSettings } from './auth/request-gate.js';
import { SessionStore } from './auth/sessions.js';
import { LoginRoutes } from './auth/login-routes.js';
import { auditEntry, isMutating } from './audit.js';
import { boundAddress, closeNow, listenOn } from '../net/http-server.js';

export interface ControlTarget {
  readonly snapshot: { readonly file: string; readonly hash: string };
  status(): WharfStatus;
  /** GET /api/nodes: the cluster's nodes (one machine: this one). */
  nodes(): { nodes: readonly NodeView[] };
  reload(): Promise<{ ok: boolean; hash?: string; errors?: readonly string[] }>;
  /** Sets an app's instance count (cluster-wide for an app placed by replicas). */
  scale(app: string, instances: number): Promise<void>;
  readonly supervisor: {
    start(app: string): Promise<void>;
    stop(app: string): Promise<void>;
    restart(app: string): Promise<void>;
    reload(app: string): Promise<void>;
    logs(app: string, lines: number): Promise<string[]>;
    followLogs(app: string, onLine: (line: string) => void): () => void;
  };
}

export interface NodeView {
  readonly name: string;
  readonly address: string;
  readonly state: 'alive' | 'lost';
  /** Ready instances per app on that node. */
  readonly apps: Readonly<Record<string, number>>;
}

export type ControlRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

/** The control settings the server runs with: the config's, with the token resolved. */
export type ControlSettings = ControlConfig & { readonly token: string };

const APP_ACTION = /^\/api\/apps\/([^/]+)\/(restart|stop|start|reload|scale)$/;
const APP_LOGS = /^\/api\/apps\/([^/]+)\/logs$/;

export class ControlServer {
  private server: Server | undefined;
  private readonly extraRoutes: ControlRoute[] = [];
  private readonly sessions = new SessionStore();
  private readonly gate = new ControlGate({ token: '', public: [], hosts: [], host: '' }, this.sessions);
  private readonly login = new LoginRoutes(this.gate, this.sessions, () => this.secure);
  private secure = false;

  constructor(
    private readonly target: ControlTarget,
    private readonly logger: Logger,
    private readonly audit: (entry: AuditEvent) => void = () => {},
  ) {}

  /** Mounts more endpoints (metrics, events, dashboard); tried in order before a 404. */
  mount(route: ControlRoute): void {
    this.extraRoutes.push(route);
  }

  /** The gate, for listeners of other parts that accept the control token (the Consul API's own address). */
  get requestGate(): ControlGate {
    return this.gate;
  }

  start(config: ControlSettings): Promise<void> {
    this.configure(config);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.secure = Boolean(config.tls);
    this.server = config.tls
      ? createTlsServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, handler)
      : createServer(handler);
    return listenOn(this.server, config.host, config.port, 'on control address');
  }

  /** Token, public endpoints and accepted hosts follow reloads; the address and TLS need a restart. */
  configure(config: ControlSettings): void {
    const settings: GateSettings = { token: config.token, public: config.public, hosts: config.hosts, host: config.host };
    this.gate.configure(settings);
  }

  address(): { host: string; port: number } {
    return boundAddress(this.server);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await closeNow(server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://control');
    } catch {
      return json(res, 400, { error: 'malformed request target', code: 'WHARF_BAD_REQUEST' });
    }
    const decision = this.gate.check(req, url);
    if (!decision.ok) {
      this.record(auditEntry(req, url, decision.status, 'refused', { reason: decision.code }));
      if (decision.status === 401 && req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) return this.login.page(res, 401, '');
      if (decision.status === 401 && url.pathname.startsWith('/v1/')) return text(res, 403, 'ACL not found');
      if (decision.status === 401) res.setHeader('www-authenticate', 'Bearer realm="wharf"');
      return json(res, decision.status, { error: decision.message, code: decision.code });
    }
    if (isMutating(req.method)) {
      res.once('finish', () => this.record(auditEntry(req, url, res.statusCode, res.statusCode < 400 ? 'done' : 'failed', { via: decision.via })));
    }
    if (decision.via === 'login' || url.pathname === '/api/login-link') {
      const outcome = await this.login.handle(req, res, url);
      if (outcome) {
        if (!outcome.ok) this.record(auditEntry(req, url, res.statusCode, 'refused', { via: decision.via, reason: outcome.reason }));
        return;
      }
    }
    if (decision.via !== 'public') {
      res.setHeader('x-wharf-config', this.target.snapshot.hash);
      res.setHeader('x-wharf-config-file', encodeURI(this.target.snapshot.file));
    }
    await this.route(req, res, url);
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      if (req.method === 'GET' && url.pathname === '/healthz') return text(res, 200, 'ok\n');
      if (req.method === 'GET' && url.pathname === '/api/status') return json(res, 200, this.target.status());
      if (req.method === 'GET' && url.pathname === '/api/nodes') return json(res, 200, this.target.nodes());
      if (req.method === 'POST' && url.pathname === '/api/reload') {
        const result = await this.target.reload();
        return json(res, result.ok ? 200 : 422, result);
      }
      const action = APP_ACTION.exec(url.pathname);
      if (req.method === 'POST' && action) return await this.appAction(res, decodeURIComponent(action[1]!), action[2]!, url);
      const logs = APP_LOGS.exec(url.pathname);
      if (req.method === 'GET' && logs) return await this.logs(req, res, decodeURIComponent(logs[1]!), url);
      for (const route of this.extraRoutes) if (await route(req, res, url)) return;
      json(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}`, code: 'WHARF_NOT_FOUND' });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'WHARF_ERROR';
      const declared = (error as { status?: unknown }).status;
      const status = typeof declared === 'number' ? declared : code === 'WHARF_UNKNOWN_APP' ? 404 : code.startsWith('WHARF_') ? 409 : 500;
      if (status === 500) this.logger.error({ err: (error as Error).message, path: url.pathname }, 'control API error');
      if (!res.headersSent) json(res, status, { error: (error as Error).message, code });
      else res.end();
    }
  }

  private record(entry: AuditEvent): void {
    const line = `control: ${entry.method} ${entry.path} ${entry.outcome} (${entry.status})`;
    if (entry.outcome === 'done') this.logger.info({ audit: entry }, line);
    else this.logger.warn({ audit: entry }, line);
    this.audit(entry);
  }

  private async appAction(res: ServerResponse, app: string, action: string, url: URL): Promise<void> {
    const supervisor = this.target.supervisor;
    if (action === 'scale') {
      const given = url.searchParams.get('instances');
      // "max" is one per CPU of this machine, as `instances: max` in the config.
      const instances = given === 'max' ? availableParallelism() : Number(given);
      if (!Number.isInteger(instances) || instances < 0) return json(res, 400, { error: 'scale needs ?instances=N (a whole number >= 0) or max', code: 'WHARF_BAD_REQUEST' });
      await this.target.scale(app, instances);
      return json(res, 200, { ok: true, app, action, instances });
    } else {
      await supervisor[action as 'start' | 'stop' | 'restart' | 'reload'](app);
    }
    json(res, 200, { ok: true, app, action });
  }

  private async logs(req: IncomingMessage, res: ServerResponse, app: string, url: URL): Promise<void> {
    const lines = Number(url.searchParams.get('lines') ?? '50');
    const initial = await this.target.supervisor.logs(app, Number.isFinite(lines) ? lines : 50);
    const follow = url.searchParams.get('follow') === '1' || url.searchParams.get('follow') === 'true';
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.write(initial.map((l) => `${l}\n`).join(''));
    if (!follow) return void res.end();
    const stop = this.target.supervisor.followLogs(app, (line) => res.write(`${line}\n`));
    req.once('close', stop);
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
