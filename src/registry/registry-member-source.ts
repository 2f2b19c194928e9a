// A pool over a registry service: its members are the service's passing instances having
// every tag listed (Consul's ?passing&tag=). It listens to the registry only while a pool is
// subscribed, recomputes only when that service's index moved, and tells the pool only when
// the member addresses changed (another service's churn costs a number comparison).
import type { ServerConfig } from '../config/model.js';
import { serverOf } from '../config/normalize.js';
import type { MemberSource } from '../balance/member-source.js';
import { formatAddress } from '../net/address.js';
import type { Registry } from './registry.js';

/** What this source reads of the registry (lets a test or another backend stand behind it). */
export type ServiceCatalog = Pick<Registry, 'service' | 'subscribe' | 'indexOf'>;

export class RegistryMemberSource implements MemberSource {
  private current: readonly ServerConfig[] = [];
  private currentKey = '';
  private seenIndex = -1;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly registry: ServiceCatalog,
    readonly service: string,
    readonly tags: readonly string[],
  ) {}

  members(): readonly ServerConfig[] {
    // Unsubscribed, nothing keeps `current` fresh: read through.
    if (!this.unsubscribe) this.refresh();
    return this.current;
  }

  subscribe(onChange: () => void): () => void {
    const listener = () => onChange();
    this.listeners.add(listener);
    if (!this.unsubscribe) {
      this.unsubscribe = this.registry.subscribe(() => {
        if (this.refresh()) for (const l of [...this.listeners]) l();
      });
      this.refresh();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.unsubscribe) {
        this.unsubscribe();
        this.unsubscribe = undefined;
      }
    };
  }

  /** Re-reads the service if its index moved; true when the member addresses changed. */
  private refresh(): boolean {
    const index = this.registry.indexOf(this.service);
    if (index === this.seenIndex) return false;
    this.seenIndex = index;
    const addresses = this.registry
      .service(this.service, this.tags)
      .filter((entry) => entry.status === 'passing')
      .map((entry) => formatAddress({ host: entry.address, port: entry.port }));
    const key = addresses.join(' ');
    if (key === this.currentKey) return false;
    this.currentKey = key;
    this.current = addresses.map((address) => serverOf(address));
    return true;
  }
}
