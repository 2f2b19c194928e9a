// The live set of service instances and their checks, with one index that moves on every
// change (Consul's X-Consul-Index). Entries come from the supervisor (managed: the owner sets
// the status) and from the Consul-compatible API (checks run by a scheduler). Readers get
// frozen views, rebuilt only for what changed, so a read of a hot service allocates nothing.
import { RegistryError } from './errors.js';
import { checksAfterPut, viewOf, type PutOptions, type Slot } from './registry-slot.js';
import type { CheckDefinition, HealthStatus, ServiceDefinition, ServiceEntry } from './types.js';

export type { HealthStatus } from './types.js';

export interface ManagedEntry {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta?: Record<string, string>;
}

/** What runs a registration's checks (HTTP/TCP probes, TTL timers); the registry only keeps states. */
export interface CheckScheduler {
  /** Runs a check that currently has `status`. */
  start(serviceId: string, check: CheckDefinition, status: HealthStatus): void;
  stop(checkId: string): void;
  /** A TTL check was updated from outside: its timer starts again. */
  touched(checkId: string): void;
  /** A running check's status moved (DeregisterCriticalServiceAfter counts from here). */
  statusChanged(checkId: string, status: HealthStatus): void;
}

/** One instance moving between states, for the event bus. */
export interface StatusChange {
  readonly service: string;
  readonly id: string;
  readonly from: HealthStatus | 'absent';
  readonly to: HealthStatus | 'absent';
  readonly origin: 'api' | 'supervisor';
}

export interface RegistryOptions {
  /** Address filled in for registrations with an empty Address. */
  readonly selfAddress?: string;
  readonly maxServices?: number;
  readonly scheduler?: CheckScheduler;
  readonly onStatusChange?: (change: StatusChange) => void;
  /** Index to start from (restored state): indexes keep increasing across restarts. */
  readonly startIndex?: number;
}

export const DEFAULT_MAX_SERVICES = 50_000;
const MANAGED_CHECK_PREFIX = 'service:';

export class Registry {
  private indexValue: number;
  private readonly slots = new Map<string, Slot>();
  private readonly byName = new Map<string, Set<string>>();
  private readonly nameIndexes = new Map<string, number>();
  private readonly checkOwners = new Map<string, string>();
  private readonly listing = new Map<string, readonly ServiceEntry[]>();
  private readonly listeners = new Set<() => void>();
  private readonly selfAddress: string;
  private readonly maxServices: number;
  private definitionsValue = 0;

  constructor(private readonly options: RegistryOptions = {}) {
    this.indexValue = Math.max(1, options.startIndex ?? 1);
    this.selfAddress = options.selfAddress ?? '127.0.0.1';
    this.maxServices = options.maxServices ?? DEFAULT_MAX_SERVICES;
  }

  get index(): number {
    return this.indexValue;
  }

  get size(): number {
    return this.slots.size;
  }

  /** Moves when an API registration is added, replaced or removed (what the state file keeps). */
  get definitionsVersion(): number {
    return this.definitionsValue;
  }

  /** The API registrations as registered (checks without their states), ordered by id. */
  apiDefinitions(): ServiceDefinition[] {
    return [...this.slots.values()].filter((s) => s.origin === 'api').map((s) => s.definition).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The index of the last change to a service name (the global index once the name is gone). */
  indexOf(name: string): number {
    return this.nameIndexes.get(name) ?? this.indexValue;
  }

  service(name: string, tags: readonly string[] = []): readonly ServiceEntry[] {
    const all = this.listOf(name);
    return tags.length === 0 ? all : all.filter((entry) => tags.every((tag) => entry.tags.includes(tag)));
  }

  services(): ReadonlyMap<string, readonly ServiceEntry[]> {
    const result = new Map<string, readonly ServiceEntry[]>();
    for (const name of [...this.byName.keys()].sort()) result.set(name, this.listOf(name));
    return result;
  }

  /** Every service name (unordered). */
  names(): IterableIterator<string> {
    return this.byName.keys();
  }

  entry(id: string): ServiceEntry | undefined {
    const slot = this.slots.get(id);
    return slot && viewOf(slot);
  }

  /** Every entry, ordered by id. */
  entries(): ServiceEntry[] {
    return [...this.slots.keys()].sort().map((id) => viewOf(this.slots.get(id)!));
  }

  /** The service id a check belongs to. */
  checkOwner(checkId: string): string | undefined {
    return this.checkOwners.get(checkId);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  registerManaged(entry: ManagedEntry, status: HealthStatus, output = ''): void {
    const checkId = MANAGED_CHECK_PREFIX + entry.id;
    const check: CheckDefinition = {
      id: checkId, name: `Service '${entry.name}' check`, kind: 'managed', notes: 'set by the wharf supervisor',
      intervalMs: 0, timeoutMs: 0, ttlMs: 0, successBeforePassing: 0, failuresBeforeCritical: 0, deregisterCriticalAfterMs: 0, initialStatus: status,
    };
    const definition: ServiceDefinition = {
      id: entry.id, name: entry.name, address: entry.address, port: entry.port,
      tags: [...entry.tags], meta: { ...entry.meta }, checks: [check],
    };
    this.put(definition, 'supervisor', { replaceExistingChecks: true, initial: new Map([[checkId, { status, output }]]) });
  }

  setManagedStatus(id: string, status: HealthStatus, output = ''): void {
    const slot = this.slots.get(id);
    if (!slot || slot.origin !== 'supervisor') return;
    this.updateCheck(MANAGED_CHECK_PREFIX + id, status, output);
  }

  /**
   * An API registration. Re-registering an id replaces the service; its checks keep their
   * states unless `replaceExistingChecks`, which also drops checks the new definition lacks.
   */
  register(definition: ServiceDefinition, options: { replaceExistingChecks?: boolean } = {}): void {
    this.put(definition, 'api', { replaceExistingChecks: options.replaceExistingChecks ?? false });
  }

  deregister(id: string): boolean {
    const slot = this.slots.get(id);
    if (!slot) return false;
    const from = viewOf(slot).status;
    this.slots.delete(id);
    if (slot.origin === 'api') this.definitionsValue += 1;
    for (const checkId of slot.checks.keys()) {
      this.checkOwners.delete(checkId);
      this.options.scheduler?.stop(checkId);
    }
    const ids = this.byName.get(slot.definition.name)!;
    ids.delete(id);
    this.bump([slot.definition.name]);
    if (ids.size === 0) {
      this.byName.delete(slot.definition.name);
      this.nameIndexes.delete(slot.definition.name);
    }
    this.options.onStatusChange?.({ service: slot.definition.name, id, from, to: 'absent', origin: slot.origin });
    this.notify();
    return true;
  }

  /** Sets one check's state (a probe result, a TTL update or expiry). False for an unknown check. */
  updateCheck(checkId: string, status: HealthStatus, output: string, options: { touch?: boolean } = {}): boolean {
    const owner = this.checkOwners.get(checkId);
    const slot = owner === undefined ? undefined : this.slots.get(owner);
    const check = slot?.checks.get(checkId);
    if (!slot || !check) return false;
    if (options.touch) this.options.scheduler?.touched(checkId);
    if (check.status === status && check.output === output) return true;
    const from = viewOf(slot).status;
    check.status = status;
    check.output = output;
    this.bump([slot.definition.name]);
    check.modifyIndex = this.indexValue;
    slot.modifyIndex = this.indexValue;
    slot.view = undefined;
    this.listing.delete(slot.definition.name);
    const to = viewOf(slot).status;
    if (from !== to) this.options.onStatusChange?.({ service: slot.definition.name, id: slot.definition.id, from, to, origin: slot.origin });
    this.notify();
    if (slot.origin === 'api') this.options.scheduler?.statusChanged(checkId, status);
    return true;
  }

  private put(definition: ServiceDefinition, origin: 'api' | 'supervisor', how: PutOptions): void {
    const previous = this.slots.get(definition.id);
    if (!previous && this.slots.size >= this.maxServices) {
      throw new RegistryError('WHARF_REGISTRY_FULL', `the registry holds its maximum of ${this.maxServices} services`);
    }
    if (previous && previous.origin !== origin) {
      throw new RegistryError('WHARF_REGISTRY_CONFLICT', `service id ${JSON.stringify(definition.id)} is ${previous.origin === 'supervisor' ? 'managed by the supervisor' : 'registered through the API'}`);
    }
    for (const check of definition.checks) {
      const owner = this.checkOwners.get(check.id);
      if (owner !== undefined && owner !== definition.id) {
        throw new RegistryError('WHARF_REGISTRY_CONFLICT', `check id ${JSON.stringify(check.id)} belongs to service ${JSON.stringify(owner)}`);
      }
    }
    const from = previous ? viewOf(previous).status : 'absent';
    const filled = definition.address === '' ? { ...definition, address: this.selfAddress } : definition;
    const touchedNames = [filled.name];
    const nextIndex = this.indexValue + 1;
    const checks = checksAfterPut(previous, filled, how, nextIndex);
    if (previous) {
      for (const id of previous.checks.keys()) {
        if (!checks.has(id)) this.checkOwners.delete(id);
        this.options.scheduler?.stop(id);
      }
      if (previous.definition.name !== filled.name) {
        const ids = this.byName.get(previous.definition.name)!;
        ids.delete(filled.id);
        touchedNames.push(previous.definition.name);
        if (ids.size === 0) {
          this.byName.delete(previous.definition.name);
          this.nameIndexes.delete(previous.definition.name);
        }
      }
    }
    const slot: Slot = { definition: filled, origin, checks, createIndex: previous?.createIndex ?? nextIndex, modifyIndex: nextIndex, view: undefined };
    this.slots.set(filled.id, slot);
    if (origin === 'api') this.definitionsValue += 1;
    let ids = this.byName.get(filled.name);
    if (!ids) this.byName.set(filled.name, (ids = new Set()));
    ids.add(filled.id);
    for (const id of checks.keys()) this.checkOwners.set(id, filled.id);
    this.bump(touchedNames);
    const to = viewOf(slot).status;
    if (from !== to) this.options.onStatusChange?.({ service: filled.name, id: filled.id, from, to, origin });
    this.notify();
    if (origin === 'api') for (const check of checks.values()) this.options.scheduler?.start(filled.id, check.definition, check.status);
  }

  /** Moves the index; the caller notifies once its change is complete. */
  private bump(names: readonly string[]): void {
    this.indexValue += 1;
    for (const name of names) {
      if (this.byName.has(name)) this.nameIndexes.set(name, this.indexValue);
      this.listing.delete(name);
    }
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private listOf(name: string): readonly ServiceEntry[] {
    let list = this.listing.get(name);
    if (list) return list;
    const ids = this.byName.get(name);
    list = ids ? Object.freeze([...ids].sort().map((id) => viewOf(this.slots.get(id)!))) : [];
    this.listing.set(name, list);
    return list;
  }
}
