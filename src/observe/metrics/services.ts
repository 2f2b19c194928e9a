// Registry metrics, read at scrape time: instances per service and state (every state listed,
// zeros included, so a service going all-critical shows as a drop to 0 passing, not a gap).
import type { Registry } from 'prom-client';
import { registerScraped, type Sample } from './scraped.js';

export interface ServiceSource {
  services(): ReadonlyMap<string, readonly { readonly status: 'passing' | 'warning' | 'critical'; readonly origin: string }[]>;
}

const STATES = ['passing', 'warning', 'critical'] as const;

export function registerServiceMetrics(registry: Registry, source: ServiceSource): void {
  registerScraped<'service' | 'state'>(registry, 'gauge', {
    name: 'wharf_registry_instances',
    help: 'Registered service instances by service and health state.',
    labelNames: ['service', 'state'],
    *samples(): Generator<Sample<'service' | 'state'>> {
      for (const [service, entries] of source.services()) {
        const counts = { passing: 0, warning: 0, critical: 0 };
        for (const entry of entries) counts[entry.status] += 1;
        for (const state of STATES) yield [{ service, state }, counts[state]];
      }
    },
  });
}
