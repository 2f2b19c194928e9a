// limit_req buckets and limit_conn counts that outlive a reload, as nginx's shared zones do: a
// runtime being built asks a lease for each limit guard by the limit's identity (its route and
// its settings); an identity the running runtime already has gets the same guard back, state
// and all. Once the new runtime is live the store adopts the lease, which drops the guards of
// limits that are gone or changed (a changed limit starts from zero, as a resized zone would).
import type { Guard } from './guard.js';

export class LimitStore {
  private live = new Map<string, Guard>();

  /** For one runtime build; nothing changes in the store until adopt(). */
  lease(): LimitLease {
    return new LimitLease(this.live);
  }

  /** The lease's runtime is live: its guards are the ones to keep. */
  adopt(lease: LimitLease): void {
    this.live = lease.taken;
  }

  get size(): number {
    return this.live.size;
  }
}

export class LimitLease {
  readonly taken = new Map<string, Guard>();

  constructor(private readonly live: ReadonlyMap<string, Guard>) {}

  obtain<G extends Guard>(identity: string, create: () => G): G {
    const guard = (this.taken.get(identity) ?? this.live.get(identity) ?? create()) as G;
    this.taken.set(identity, guard);
    return guard;
  }
}
