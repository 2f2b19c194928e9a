// Browser sessions on the control address: a one-time login code (printed by `wharf dashboard`,
// as Jupyter does) or the pasted token is exchanged for a random session id kept in an
// HttpOnly, SameSite=Strict cookie. Sessions end after an idle hour or twelve hours at most.
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'wharf_session';
const IDLE_MS = 60 * 60_000;
const MAX_AGE_MS = 12 * 60 * 60_000;
const LOGIN_CODE_MS = 2 * 60_000;
/** Bounds memory whatever a client does: the oldest session or code makes room. */
const MAX_ENTRIES = 1_000;

interface Session {
  readonly created: number;
  lastUsed: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly codes = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A one-time code for a login link; it expires in two minutes. */
  issueLoginCode(): { code: string; expiresInMs: number } {
    const code = randomBytes(24).toString('base64url');
    bounded(this.codes).set(code, this.now() + LOGIN_CODE_MS);
    return { code, expiresInMs: LOGIN_CODE_MS };
  }

  /** Spends a login code: a session id, or undefined when the code is unknown, used or expired. */
  redeem(code: string): string | undefined {
    const expires = this.codes.get(code);
    if (expires === undefined) return undefined;
    this.codes.delete(code);
    return expires > this.now() ? this.open() : undefined;
  }

  /** A new session (after a login with the token itself). */
  open(): string {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    bounded(this.sessions).set(id, { created: now, lastUsed: now });
    return id;
  }

  /** Whether the id is a live session; using it keeps it alive. */
  touch(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    const now = this.now();
    if (now - session.lastUsed > IDLE_MS || now - session.created > MAX_AGE_MS) {
      this.sessions.delete(id);
      return false;
    }
    session.lastUsed = now;
    return true;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  /** The cookie that carries a session (or ends it, for an empty id). */
  static cookie(id: string, secure: boolean): string {
    const lifetime = id ? Math.floor(MAX_AGE_MS / 1000) : 0;
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${lifetime}${secure ? '; Secure' : ''}`;
  }
}

function bounded<K, V>(map: Map<K, V>): Map<K, V> {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as K);
  return map;
}
