// wharf's own process: CPU, memory, heap and event-loop lag. Written here rather than taken
// from prom-client's default collectors, whose gauges named *_total fail `promtool check metrics`.
// The lag figures cover the time since the previous scrape.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The sampling timer's period; Node's samples include it, so it is taken off again. */
const RESOLUTION_MS = 10;

export class SelfMetrics {
  private readonly delay: IntervalHistogram;

  constructor(registry: Registry) {
    const registers = [registry];
    const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    delay.enable();
    this.delay = delay;
    const startSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);

    new Counter({
      name: 'wharf_process_cpu_seconds_total',
      help: 'CPU time (user + system) used by the wharf process.',
      registers,
      collect() {
        const usage = process.cpuUsage();
        this.reset();
        this.inc((usage.user + usage.system) / 1e6);
      },
    });
    new Gauge({ name: 'wharf_process_start_time_seconds', help: 'Unix time the wharf process started.', registers }).set(startSeconds);
    new Gauge<'area'>({
      name: 'wharf_nodejs_memory_bytes',
      help: 'V8 and Node memory of the wharf process: heap_used, heap_total, external, array_buffers.',
      labelNames: ['area'],
      registers,
      collect() {
        const m = process.memoryUsage();
        this.set({ area: 'heap_used' }, m.heapUsed);
        this.set({ area: 'heap_total' }, m.heapTotal);
        this.set({ area: 'external' }, m.external);
        this.set({ area: 'array_buffers' }, m.arrayBuffers);
      },
    });
    new Gauge({
      name: 'wharf_process_resident_memory_bytes',
      help: 'Resident set size of the wharf process.',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
    new Gauge<'stat'>({
      name: 'wharf_eventloop_lag_seconds',
      help: 'Event-loop delay of the wharf process since the previous scrape: mean, p50, p99 and max.',
      labelNames: ['stat'],
      registers,
      collect() {
        const seconds = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000 : 0);
        this.set({ stat: 'mean' }, seconds(delay.mean));
        this.set({ stat: 'p50' }, seconds(delay.percentile(50)));
        this.set({ stat: 'p99' }, seconds(delay.percentile(99)));
        this.set({ stat: 'max' }, seconds(delay.max));
        delay.reset();
      },
    });
  }

  stop(): void {
    this.delay.disable();
  }
}
