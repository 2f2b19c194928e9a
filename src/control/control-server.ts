// The control API on its own address: status, reload and app actions (token-protected when a
// token is set), plus whatever the observability part mounts (/metrics, events, dashboard).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../observe/logger.js';
import type { WharfStatus } from './status.js';

export interface ControlTarget {
  status(): WharfStatus;
  reload(): Promise<{ ok: boolean; hash?: string; errors?: readonly string[] }>;
  readonly supervisor: {
    start(app: string): Promise<void>;
    stop(app: string): Promise<void>;
    restart(app: string): Promise<void>;
    reload(app: string): Promise<void>;
    scale(app: string, instances: number): Promise<void>;
    logs(app: string, lines: number): Promise<string[]>;
    followLogs(app: string, onLine: (line: string) => void): () => void;
  };
}

export type ControlRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

const APP_ACTION = /^\/api\/apps\/([^/]+)\/(restart|stop|start|reload|scale)$/;
const APP_LOGS = /^\/api\/apps\/([^/]+)\/logs$/;

export class ControlServer {
  private server: Server | undefined;
  private token = '';
  private readonly extraRoutes: ControlRoute[] = [];

  constructor(
    private readonly target: ControlTarget,
    private readonly logger: Logger,
  ) {}

  /** Mounts more endpoints (metrics, events, dashboard); tried in order before a 404. */
  mount(route: ControlRoute): void {
    this.extraRoutes.push(route);
  }

  start(config: { host: string; port: number; token: string }): Promise<void> {
    this.token = config.token;
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      this.server!.once('error', (error) => reject(Object.assign(new Error(`cannot listen on control address ${config.host}:${config.port}: ${error.message}`), { code: 'WHARF_LISTEN_FAILED' })));
      this.server!.listen(config.port, config.host, () => resolve());
    });
  }

  address(): { host: string; port: number } {
    const address = this.server?.address();
    return typeof address === 'object' && address ? { host: address.address, port: address.port } : { host: '', port: 0 };
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.token) return true;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const expected = Buffer.from(this.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control');
    try {
      if (req.method === 'GET' && url.pathname === '/api/status') return json(res, 200, this.target.status());
      if (req.method === 'POST' && !this.authorized(req)) return json(res, 401, { error: 'a valid token is required (Authorization: Bearer TOKEN)', code: 'WHARF_UNAUTHORIZED' });
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
      const status = code === 'WHARF_UNKNOWN_APP' ? 404 : code.startsWith('WHARF_') ? 409 : 500;
      if (status === 500) this.logger.error({ err: (error as Error).message, path: url.pathname }, 'control API error');
      if (!res.headersSent) json(res, status, { error: (error as Error).message, code });
      else res.end();
    }
  }

  private async appAction(res: ServerResponse, app: string, action: string, url: URL): Promise<void> {
    const supervisor = this.target.supervisor;
    if (action === 'scale') {
      const instances = Number(url.searchParams.get('instances'));
      if (!Number.isInteger(instances) || instances < 0) return json(res, 400, { error: 'scale needs ?instances=N (a whole number >= 0)', code: 'WHARF_BAD_REQUEST' });
      await supervisor.scale(app, instances);
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
