// One service as the registry holds it: its checks' live states and the frozen view readers get.
import type { CheckDefinition, CheckView, HealthStatus, ServiceDefinition, ServiceEntry } from './types.js';

export interface MutableCheck {
  readonly definition: CheckDefinition;
  status: HealthStatus;
  output: string;
  readonly createIndex: number;
  modifyIndex: number;
}

export interface Slot {
  readonly definition: ServiceDefinition;
  readonly origin: 'api' | 'supervisor';
  readonly checks: Map<string, MutableCheck>;
  readonly createIndex: number;
  modifyIndex: number;
  view: ServiceEntry | undefined;
}

export interface PutOptions {
  readonly replaceExistingChecks: boolean;
  /** Check states that win over kept ones and `initialStatus`: the supervisor knows its instance's. */
  readonly initial?: Map<string, { status: HealthStatus; output: string }>;
}

/** The checks a service has once `definition` is put over `previous`, made or changed at `index`. */
export function checksAfterPut(previous: Slot | undefined, definition: ServiceDefinition, how: PutOptions, index: number): Map<string, MutableCheck> {
  const checks = new Map<string, MutableCheck>();
  // Consul keeps a re-registered service's checks (by id) unless told to replace them.
  if (previous && !how.replaceExistingChecks) {
    for (const [id, check] of previous.checks) if (!definition.checks.some((c) => c.id === id)) checks.set(id, check);
  }
  for (const check of definition.checks) {
    const kept = previous?.checks.get(check.id);
    const initial = how.initial?.get(check.id);
    const sameKind = kept && sameProbe(kept.definition, check);
    checks.set(check.id, {
      definition: check,
      status: initial?.status ?? (sameKind ? kept.status : check.initialStatus),
      output: initial?.output ?? (sameKind ? kept.output : ''),
      createIndex: kept?.createIndex ?? index,
      modifyIndex: index,
    });
  }
  return checks;
}

/** Built once per change of the slot (the caller clears `view`), so repeated reads allocate nothing. */
export function viewOf(slot: Slot): ServiceEntry {
  if (slot.view) return slot.view;
  const d = slot.definition;
  const checks = [...slot.checks.values()].map((c): CheckView => Object.freeze({
    definition: c.definition, serviceId: d.id, serviceName: d.name, status: c.status, output: c.output,
    createIndex: c.createIndex, modifyIndex: c.modifyIndex,
  }));
  slot.view = Object.freeze({
    id: d.id, name: d.name, address: d.address, port: d.port, tags: d.tags, meta: d.meta,
    status: aggregate(checks), origin: slot.origin, checks: Object.freeze(checks),
    createIndex: slot.createIndex, modifyIndex: slot.modifyIndex,
  });
  return slot.view;
}

export function aggregate(checks: readonly { status: HealthStatus }[]): HealthStatus {
  let status: HealthStatus = 'passing';
  for (const check of checks) {
    if (check.status === 'critical') return 'critical';
    if (check.status === 'warning') status = 'warning';
  }
  return status;
}

/** A re-registered check keeps its state only while it still checks the same thing the same way. */
function sameProbe(a: CheckDefinition, b: CheckDefinition): boolean {
  return a.kind === b.kind && JSON.stringify(a.http) === JSON.stringify(b.http) && JSON.stringify(a.tcp) === JSON.stringify(b.tcp);
}
