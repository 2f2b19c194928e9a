// Per-instance process metrics for every supervised app, read from the supervisor's status at
// scrape time. The label is `id` (the instance index), not `instance`: Prometheus sets
// `instance` on every scraped series itself and would rename ours.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AppStatus, InstanceStatus } from '../../supervise/status.js';
import type { InstanceState } from '../../supervise/instance-state.js';

export interface InstanceSource {
  apps(): readonly AppStatus[];
}

const STATES: readonly InstanceState[] = ['starting', 'ready', 'stopping', 'exited', 'backoff', 'fatal'];

type Labels = 'app' | 'id';

/** Collectors of one scrape run within this many ms of each other. */
const SCRAPE_REUSE_MS = 250;

export function registerInstanceMetrics(registry: Registry, source: InstanceSource): void {
  const registers = [registry];
  // status() reads /proc for every instance; one read serves all the metrics of a scrape.
  let cached: { at: number; apps: readonly AppStatus[] } | undefined;
  const apps = () => {
    const now = Date.now();
    if (!cached || now - cached.at > SCRAPE_REUSE_MS) cached = { at: now, apps: source.apps() };
    return cached.apps;
  };
  // During a rolling reload a replacement briefly shares its predecessor's index; the live
  // process (the one not stopping) is the one reported.
  const each = (visit: (app: string, instance: InstanceStatus) => void) => {
    for (const app of apps()) {
      const byId = new Map<number, InstanceStatus>();
      for (const instance of app.instances) {
        const seen = byId.get(instance.id);
        if (!seen || seen.state === 'stopping') byId.set(instance.id, instance);
      }
      for (const instance of byId.values()) visit(app.name, instance);
    }
  };
  const labels = (app: string, instance: InstanceStatus) => ({ app, id: String(instance.id) });
  const gauge = (name: string, help: string, read: (instance: InstanceStatus) => number) =>
    new Gauge<Labels>({
      name,
      help,
      labelNames: ['app', 'id'],
      registers,
      collect() {
        this.reset();
        each((app, instance) => this.set(labels(app, instance), read(instance)));
      },
    });
  const counter = (name: string, help: string, read: (instance: InstanceStatus) => number) =>
    new Counter<Labels>({
      name,
      help,
      labelNames: ['app', 'id'],
      registers,
      collect() {
        this.reset();
        each((app, instance) => this.inc(labels(app, instance), read(instance)));
      },
    });

  gauge('wharf_instance_resident_memory_bytes', 'Resident set size of the instance process (0 when not running).', (i) => i.rssBytes);
  counter('wharf_instance_cpu_seconds_total', 'CPU time (user + system) used by the current instance process.', (i) => i.cpuSeconds);
  counter('wharf_instance_restarts_total', 'Times the supervisor restarted the instance.', (i) => i.restarts);
  gauge('wharf_instance_uptime_seconds', 'Seconds since the current instance process started (0 when not running).', (i) => i.uptimeMs / 1000);
  gauge('wharf_instance_ready', '1 when the instance is in its pool taking requests.', (i) => (i.ready ? 1 : 0));
  new Gauge<Labels | 'state'>({
    name: 'wharf_instance_state',
    help: 'Instance life-cycle state: 1 for the current state, 0 for the others.',
    labelNames: ['app', 'id', 'state'],
    registers,
    collect() {
      this.reset();
      each((app, instance) => {
        for (const state of STATES) this.set({ ...labels(app, instance), state }, instance.state === state ? 1 : 0);
      });
    },
  });
}
