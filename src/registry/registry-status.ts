// The registry in the status model (`GET /api/status` -> services, `GET /api/services`,
// `wharf status`, the dashboard): each service with its instances and their checks.
import type { HealthStatus, ServiceEntry } from './types.js';

export interface ServiceInstanceStatus {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly status: HealthStatus;
  /** 'supervisor': an app instance wharf runs; 'api': registered through the Consul API. */
  readonly origin: 'api' | 'supervisor';
  readonly checks: readonly { readonly id: string; readonly name: string; readonly type: string; readonly status: HealthStatus; readonly output: string }[];
}

export interface ServiceStatus {
  readonly name: string;
  readonly passing: number;
  readonly warning: number;
  readonly critical: number;
  readonly instances: readonly ServiceInstanceStatus[];
}

export function servicesStatus(services: ReadonlyMap<string, readonly ServiceEntry[]>): ServiceStatus[] {
  return [...services].map(([name, entries]) => ({
    name,
    passing: entries.filter((e) => e.status === 'passing').length,
    warning: entries.filter((e) => e.status === 'warning').length,
    critical: entries.filter((e) => e.status === 'critical').length,
    instances: entries.map((e) => ({
      id: e.id,
      address: e.address,
      port: e.port,
      tags: e.tags,
      status: e.status,
      origin: e.origin,
      checks: e.checks.map((c) => ({ id: c.definition.id, name: c.definition.name, type: c.definition.kind, status: c.status, output: c.output })),
    })),
  }));
}
