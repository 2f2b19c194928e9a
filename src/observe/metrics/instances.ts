// Per-instance process metrics for every supervised app, read from the supervisor's status at
// scrape time. The label is `id` (the instance index), not `instance`: Prometheus sets
// `instance` on every scraped series itself and would rename ours.
import type { Registry } from 'prom-client';
import type { AppStatus, InstanceStatus } from '../../supervise/status.js';
import type { InstanceState } from '../../supervise/instance-state.js';
import { registerScraped, type Sample } from './scraped.js';

export interface InstanceSource {
  apps(): readonly AppStatus[];
}

const STATES: readonly InstanceState[] = ['starting', 'ready', 'stopping', 'exited', 'backoff', 'fatal'];

type Labels = 'app' | 'id';

/** Collectors of one scrape run within this many ms of each other. */
const SCRAPE_REUSE_MS = 250;

export function registerInstanceMetrics(registry: Registry, source: InstanceSource): void {
  // status() reads /proc for every instance; one read serves all the metrics of a scrape.
  let cached: { at: number; apps: readonly AppStatus[] } | undefined;
  const apps = () => {
    const now = Date.now();
    if (!cached || now - cached.at > SCRAPE_REUSE_MS) cached = { at: now, apps: source.apps() };
    return cached.apps;
  };
  // During a rolling reload a replacement briefly shares its predecessor's index; the live
  // process (the one not stopping) is the one reported.
  function* instances(): Generator<[Record<Labels, string>, InstanceStatus]> {
    for (const app of apps()) {
      const byId = new Map<number, InstanceStatus>();
      for (const instance of app.instances) {
        const seen = byId.get(instance.id);
        if (!seen || seen.state === 'stopping') byId.set(instance.id, instance);
      }
      for (const instance of byId.values()) yield [{ app: app.name, id: String(instance.id) }, instance];
    }
  }
  const perInstance = (type: 'gauge' | 'counter', name: string, help: string, read: (instance: InstanceStatus) => number) =>
    registerScraped<Labels>(registry, type, {
      name,
      help,
      labelNames: ['app', 'id'],
      *samples(): Generator<Sample<Labels>> {
        for (const [labels, instance] of instances()) yield [labels, read(instance)];
      },
    });

  perInstance('gauge', 'wharf_instance_resident_memory_bytes', 'Resident set size of the instance process (0 when not running).', (i) => i.rssBytes);
  perInstance('counter', 'wharf_instance_cpu_seconds_total', 'CPU time (user + system) used by the current instance process.', (i) => i.cpuSeconds);
  perInstance('counter', 'wharf_instance_restarts_total', 'Times the supervisor restarted the instance.', (i) => i.restarts);
  perInstance('gauge', 'wharf_instance_uptime_seconds', 'Seconds since the current instance process started (0 when not running).', (i) => i.uptimeMs / 1000);
  perInstance('gauge', 'wharf_instance_ready', '1 when the instance is in its pool taking requests.', (i) => (i.ready ? 1 : 0));
  registerScraped<Labels | 'state'>(registry, 'gauge', {
    name: 'wharf_instance_state',
    help: 'Instance life-cycle state: 1 for the current state, 0 for the others.',
    labelNames: ['app', 'id', 'state'],
    *samples(): Generator<Sample<Labels | 'state'>> {
      for (const [labels, instance] of instances()) {
        for (const state of STATES) yield [{ ...labels, state }, instance.state === state ? 1 : 0];
      }
    },
  });
}
