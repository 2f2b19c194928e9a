// Logging a browser in and out: a one-time link from `wharf dashboard` (GET /login?code=),
// the token pasted into the login page (POST /login), and POST /logout. A CLI holding the
// token asks for links with POST /api/login-link.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControlGate } from './request-gate.js';
import { cookieOf } from './request-gate.js';
import { SESSION_COOKIE, SessionStore } from './sessions.js';
import { loginPage } from './login-page.js';

/** A pasted token is short; anything longer is not a login. */
const MAX_FORM_BYTES = 4096;

export interface LoginOutcome {
  /** false: the attempt was refused (audited as such). */
  readonly ok: boolean;
  readonly reason?: string;
}

export class LoginRoutes {
  constructor(
    private readonly gate: ControlGate,
    private readonly sessions: SessionStore,
    private readonly secure: () => boolean,
  ) {}

  /** Answers the request when it is a login endpoint; undefined when it is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<LoginOutcome | undefined> {
    const method = req.method ?? 'GET';
    if (url.pathname === '/login' && method === 'GET') {
      const code = url.searchParams.get('code') ?? '';
      const session = code ? this.sessions.redeem(code) : undefined;
      if (!session) {
        this.page(res, 401, code ? 'This login link is unknown, already used or expired; run `wharf dashboard` for a new one.' : '');
        return { ok: !code, reason: code ? 'login link refused' : undefined };
      }
      this.enter(res, session);
      return { ok: true };
    }
    if (url.pathname === '/login' && method === 'POST') {
      const token = new URLSearchParams(await readForm(req)).get('token') ?? '';
      if (!this.gate.tokenMatches(token.trim())) {
        this.page(res, 401, 'That is not the control token.');
        return { ok: false, reason: 'wrong token' };
      }
      this.enter(res, this.sessions.open());
      return { ok: true };
    }
    if (url.pathname === '/logout' && method === 'POST') {
      const session = cookieOf(req.headers.cookie, SESSION_COOKIE);
      if (session) this.sessions.close(session);
      res.writeHead(303, { location: '/', 'set-cookie': SessionStore.cookie('', this.secure()), 'cache-control': 'no-store' });
      res.end();
      return { ok: true };
    }
    if (url.pathname === '/api/login-link' && method === 'POST') {
      const { code, expiresInMs } = this.sessions.issueLoginCode();
      const body = JSON.stringify({ path: `/login?code=${code}`, expires_in_s: Math.round(expiresInMs / 1000) });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
      return { ok: true };
    }
    return undefined;
  }

  page(res: ServerResponse, status: number, message: string): void {
    const body = loginPage(message);
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private enter(res: ServerResponse, session: string): void {
    res.writeHead(303, { location: '/', 'set-cookie': SessionStore.cookie(session, this.secure()), 'cache-control': 'no-store' });
    res.end();
  }
}

async function readForm(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return '';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
