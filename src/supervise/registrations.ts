// An app's instances in the service registry, told through the narrow interface below (the
// supervisor never imports the registry): an instance is registered critical once its process
// has a port, passing while ready, critical again once it stops being ready, and deregistered
// when its process is gone. The id is APP-INDEX-PORT: during a rolling reload two processes
// fill one slot, and only their ports tell them apart.
import type { InstanceState } from './instance-state.js';

export type RegisteredStatus = 'passing' | 'critical';

/** What the supervisor needs of a registry: the owner of an entry sets its status itself. */
export interface InstanceRegistry {
  registerManaged(
    entry: { id: string; name: string; address: string; port: number; tags: readonly string[]; meta?: Record<string, string> },
    status: RegisteredStatus,
    output?: string,
  ): void;
  setManagedStatus(id: string, status: RegisteredStatus, output?: string): void;
  deregister(id: string): unknown;
}

/** What registering reads of an instance. */
export interface RegisteredInstance {
  readonly index: number;
  readonly port: number | null;
  readonly pid: number | null;
  readonly state: InstanceState;
  readonly reason?: string;
}

interface Entry {
  readonly id: string;
  readonly port: number;
  readonly pid: number | null;
}

export class AppRegistrations {
  private readonly entries = new Map<RegisteredInstance, Entry>();

  constructor(
    private readonly app: string,
    private readonly registry: InstanceRegistry | undefined,
    private tags: readonly string[],
    /** Where the instances listen ($HOST), which is the address other nodes reach them on. */
    private readonly host: string,
  ) {}

  /** Follows one instance's state change. */
  changed(instance: RegisteredInstance, from: InstanceState, to: InstanceState): void {
    if (!this.registry) return;
    if (to === 'starting' && instance.port !== null) {
      this.drop(instance);
      const entry = { id: `${this.app}-${instance.index}-${instance.port}`, port: instance.port, pid: instance.pid };
      this.entries.set(instance, entry);
      this.put(instance, entry, 'critical', 'starting');
      return;
    }
    const entry = this.entries.get(instance);
    if (!entry) return;
    if (to === 'ready') this.registry.setManagedStatus(entry.id, 'passing', 'ready');
    else if (from === 'ready') this.registry.setManagedStatus(entry.id, 'critical', instance.reason ?? to);
    if (to === 'exited' || to === 'backoff' || to === 'fatal') this.drop(instance);
  }

  /** New tags (a reload that needs no new processes): every registered instance is re-registered with them. */
  retag(tags: readonly string[]): void {
    if (JSON.stringify(tags) === JSON.stringify(this.tags)) return;
    this.tags = tags;
    for (const [instance, entry] of this.entries) {
      const ready = instance.state === 'ready';
      this.put(instance, entry, ready ? 'passing' : 'critical', ready ? 'ready' : instance.state);
    }
  }

  private put(instance: RegisteredInstance, entry: Entry, status: RegisteredStatus, output: string): void {
    const meta: Record<string, string> = { app: this.app, instance: String(instance.index) };
    if (entry.pid !== null) meta.pid = String(entry.pid);
    this.registry!.registerManaged({ id: entry.id, name: this.app, address: this.host, port: entry.port, tags: this.tags, meta }, status, output);
  }

  private drop(instance: RegisteredInstance): void {
    const entry = this.entries.get(instance);
    if (!entry) return;
    this.entries.delete(instance);
    this.registry!.deregister(entry.id);
  }
}
