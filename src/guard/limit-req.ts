// limit_req: nginx's leaky bucket. Each key's bucket holds `excess`, the requests admitted
// beyond the rate that have not leaked out yet (leaking at `rate` per second). A request
// over `burst` is rejected (429 + Retry-After) and leaves the bucket untouched; one within
// the burst passes at once when nodelay is set or its excess is within `delay` (nginx's
// two-stage delay=N), and is otherwise held until its turn at the configured rate.
//
// Memory: a bucket that has fully leaked behaves exactly like a missing one, so idle buckets
// are dropped for free, two at a time from the least recently used end on every request (as
// nginx does). The table never holds more than `maxKeys` buckets: at the cap the least
// recently used bucket is forgotten to make room, which can only make the limit laxer for a
// long-quiet key, never lock out new clients.
import { createHash } from 'node:crypto';
import type { LimitReqConfig } from '../config/model.js';
import type { Guard, GuardRequest, Verdict } from './guard.js';
import { BucketTable } from './bucket-table.js';
import { rateLimited } from './rejections.js';

type KeyOf = (request: GuardRequest) => string;

/** Longer keys (header values) are stored as a digest so a key costs a bounded amount of memory. */
const MAX_KEY_LENGTH = 64;

function keyFunction(key: string, routeName: string): KeyOf {
  if (key === 'route') return () => routeName;
  if (key.startsWith('header:')) {
    const header = key.slice('header:'.length).trim().toLowerCase();
    return (request) => {
      const value = request.headers[header];
      return value === undefined ? '' : Array.isArray(value) ? value.join(', ') : value;
    };
  }
  return (request) => request.clientIp;
}

export interface LimitReqOptions {
  readonly config: LimitReqConfig;
  readonly routeName: string;
  readonly maxKeys: number;
  /** Monotonic ms; buckets leak on it (tests pass their own). */
  readonly now?: () => number;
}

export class LimitReqGuard implements Guard {
  readonly name = 'limit_req';
  private readonly buckets: BucketTable;
  private readonly keyOf: KeyOf;
  private readonly ratePerMs: number;
  private readonly burst: number;
  /** Excess up to which requests pass without waiting. */
  private readonly delayThreshold: number;
  private readonly status: number;
  private readonly now: () => number;

  constructor(options: LimitReqOptions) {
    const { config } = options;
    this.now = options.now ?? (() => performance.now());
    this.keyOf = keyFunction(config.key, options.routeName);
    this.ratePerMs = config.rate / 1000;
    this.burst = config.burst;
    this.delayThreshold = config.nodelay ? Number.POSITIVE_INFINITY : config.delay;
    this.status = config.status;
    this.buckets = new BucketTable(Math.max(1, options.maxKeys));
  }

  /** Buckets currently held (bounded by maxKeys). */
  get size(): number {
    return this.buckets.size;
  }

  admit(request: GuardRequest): Verdict | Promise<Verdict> {
    let key = this.keyOf(request);
    // nginx does not account requests whose key is empty (e.g. a missing header).
    if (key === '') return undefined;
    if (key.length > MAX_KEY_LENGTH) key = createHash('sha256').update(key).digest('base64');
    const now = this.now();
    this.buckets.expireIdle(now, 2);

    const bucket = this.buckets.get(key);
    let excess = 0;
    if (bucket !== undefined) {
      const elapsed = Math.max(0, now - bucket.last);
      const remaining = bucket.excess - this.ratePerMs * elapsed;
      excess = Math.max(0, remaining + 1);
      if (excess > this.burst) {
        const waitMs = (remaining + 1 - this.burst) / this.ratePerMs;
        return rateLimited(this.status, Math.min(86_400, Math.max(1, Math.ceil(waitMs / 1000))));
      }
      bucket.excess = excess;
      bucket.last = now;
      bucket.idleAt = now + (excess + 1) / this.ratePerMs;
      this.buckets.touch(bucket);
    } else {
      this.buckets.add(key, 0, now, now + 1 / this.ratePerMs);
    }

    if (excess <= this.delayThreshold) return undefined;
    const delayMs = (excess - this.delayThreshold) / this.ratePerMs;
    return new Promise<Verdict>((resolve) => setTimeout(resolve, delayMs, undefined));
  }
}
