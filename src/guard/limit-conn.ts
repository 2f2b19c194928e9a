// limit_conn: concurrent exchanges per client IP and in total for a route (a WebSocket counts
// until it closes). A slot is taken on admission and given back by the exchange's onDone,
// which the edge runs exactly once however the exchange ends; the release closes over this
// guard, so an exchange admitted before a reload releases into the guard that counted it.
import type { Guard, GuardRequest, Rejection, Verdict } from './guard.js';
import { connLimited } from './rejections.js';

export interface LimitConnOptions {
  /** 0 = no per-IP limit. */
  readonly perIp: number;
  /** 0 = no total limit. */
  readonly total: number;
  readonly status: number;
}

export class LimitConnGuard implements Guard {
  readonly name = 'limit_conn';
  private active = 0;
  /** Only IPs with an exchange in flight have an entry, so the map is bounded by open exchanges. */
  private readonly perIpActive = new Map<string, number>();
  private readonly rejection: Rejection;

  constructor(private readonly options: LimitConnOptions) {
    this.rejection = connLimited(options.status);
  }

  /** Exchanges currently holding a slot. */
  get inFlight(): number {
    return this.active;
  }

  /** Distinct client IPs currently holding a slot. */
  get trackedIps(): number {
    return this.perIpActive.size;
  }

  admit(request: GuardRequest): Verdict {
    const { perIp, total } = this.options;
    if (total > 0 && this.active >= total) return this.rejection;
    const ip = request.clientIp;
    if (perIp > 0) {
      const held = this.perIpActive.get(ip) ?? 0;
      if (held >= perIp) return this.rejection;
      this.perIpActive.set(ip, held + 1);
    }
    this.active++;
    let released = false;
    request.onDone(() => {
      if (released) return;
      released = true;
      this.active--;
      if (perIp > 0) this.releaseIp(ip);
    });
    return undefined;
  }

  private releaseIp(ip: string): void {
    const held = (this.perIpActive.get(ip) ?? 1) - 1;
    if (held <= 0) this.perIpActive.delete(ip);
    else this.perIpActive.set(ip, held);
  }
}
