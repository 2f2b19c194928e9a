// HTTP Basic authentication against an htpasswd file (nginx's auth_basic + auth_basic_user_file).
// The file is read when the guard is built, i.e. on every config load or reload. bcrypt is
// slow on purpose, so a successful check is remembered for a short while, keyed by a SHA-256
// of the credentials (the password itself is never kept), and concurrent checks of the same
// credentials share one verification.
import { createHash } from 'node:crypto';
import type { Guard, GuardRequest, Rejection, Verdict } from './guard.js';
import { loadHtpasswd, type PasswordCheck } from './htpasswd.js';
import { unauthorized } from './rejections.js';

export interface BasicAuthOptions {
  readonly htpasswd: string;
  readonly realm: string;
  /** How long a verified credential is trusted without re-checking. */
  readonly cacheTtlMs?: number;
  /** Cap on remembered credentials; the oldest is forgotten first. */
  readonly cacheSize?: number;
}

const DEFAULT_CACHE_TTL_MS = 30_000;
const DEFAULT_CACHE_SIZE = 1024;

export class BasicAuthGuard implements Guard {
  readonly name = 'auth';
  private readonly users: Map<string, PasswordCheck>;
  private readonly rejection: Rejection;
  private readonly verified = new Map<string, number>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly ttlMs: number;
  private readonly cacheSize: number;

  constructor(options: BasicAuthOptions) {
    this.users = loadHtpasswd(options.htpasswd);
    this.rejection = unauthorized(options.realm);
    this.ttlMs = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.cacheSize = Math.max(1, options.cacheSize ?? DEFAULT_CACHE_SIZE);
  }

  get userCount(): number {
    return this.users.size;
  }

  admit(request: GuardRequest): Verdict | Promise<Verdict> {
    const header = request.headers.authorization;
    if (header === undefined || header.length < 7 || header.slice(0, 6).toLowerCase() !== 'basic ') return this.rejection;
    const token = header.slice(6).trim();
    const cacheKey = createHash('sha256').update(token).digest('base64');
    const now = performance.now();
    const expiresAt = this.verified.get(cacheKey);
    if (expiresAt !== undefined) {
      if (expiresAt > now) return undefined;
      this.verified.delete(cacheKey);
    }

    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return this.rejection;
    const check = this.users.get(decoded.slice(0, colon));
    if (check === undefined) return this.rejection;

    const shared = this.pending.get(cacheKey);
    if (shared !== undefined) return shared.then((ok) => (ok ? undefined : this.rejection));
    const result = check(decoded.slice(colon + 1));
    if (typeof result === 'boolean') return this.settle(cacheKey, result);
    const verification = result.catch(() => false);
    this.pending.set(cacheKey, verification);
    return verification.then((ok) => {
      this.pending.delete(cacheKey);
      return this.settle(cacheKey, ok);
    });
  }

  private settle(cacheKey: string, ok: boolean): Verdict {
    if (!ok) return this.rejection;
    if (this.verified.size >= this.cacheSize) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(cacheKey, performance.now() + this.ttlMs);
    return undefined;
  }
}
