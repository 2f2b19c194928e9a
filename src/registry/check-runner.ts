// Runs the checks of API registrations: HTTP/TCP probes every interval (through the shared
// probes of src/checks, passed in), a timer per TTL check, and the reaper of services whose
// check stays critical for DeregisterCriticalServiceAfter. It only reports; the registry keeps
// the states.
import type { CheckScheduler } from './registry.js';
import type { CheckDefinition, HealthStatus, HttpCheckTarget, TcpCheckTarget } from './types.js';
import { truncateOutput } from './consul-registration.js';
import { Streak, startCheckLoop } from '../checks/index.js';

export interface ProbeResult {
  readonly status: HealthStatus;
  readonly output: string;
}

/** HTTP and TCP probes with Consul's verdicts (2xx passing, 429 warning, else critical; connect = passing). */
export interface RegistryProbes {
  http(target: HttpCheckTarget, timeoutMs: number): Promise<ProbeResult>;
  tcp(target: TcpCheckTarget, timeoutMs: number): Promise<ProbeResult>;
}

export interface CheckRunnerSink {
  /** A check's new state; `touch` never set here (only outside updates restart TTL timers). */
  report(checkId: string, status: HealthStatus, output: string): void;
  /** DeregisterCriticalServiceAfter ran out. */
  deregister(serviceId: string): void;
}

interface Running {
  readonly serviceId: string;
  readonly check: CheckDefinition;
  status: HealthStatus;
  cancelProbe?: () => void;
  ttlTimer?: NodeJS.Timeout;
  reapTimer?: NodeJS.Timeout;
}

export class CheckRunner implements CheckScheduler {
  private readonly running = new Map<string, Running>();
  private sink: CheckRunnerSink | undefined;

  constructor(private readonly probes: RegistryProbes) {}

  /** Set once the registry exists (it needs this runner to be built). */
  attach(sink: CheckRunnerSink): void {
    this.sink = sink;
  }

  get size(): number {
    return this.running.size;
  }

  start(serviceId: string, check: CheckDefinition, status: HealthStatus): void {
    this.stop(check.id);
    const run: Running = { serviceId, check, status };
    this.running.set(check.id, run);
    if (check.kind === 'ttl') this.armTtl(run);
    if (check.kind === 'http' || check.kind === 'tcp') run.cancelProbe = this.probeLoop(run);
    this.statusChanged(check.id, status);
  }

  stop(checkId: string): void {
    const run = this.running.get(checkId);
    if (!run) return;
    this.running.delete(checkId);
    run.cancelProbe?.();
    clearTimeout(run.ttlTimer);
    clearTimeout(run.reapTimer);
  }

  touched(checkId: string): void {
    const run = this.running.get(checkId);
    if (run?.check.kind === 'ttl') this.armTtl(run);
  }

  statusChanged(checkId: string, status: HealthStatus): void {
    const run = this.running.get(checkId);
    if (!run) return;
    run.status = status;
    if (run.check.deregisterCriticalAfterMs <= 0) return;
    if (status !== 'critical') {
      clearTimeout(run.reapTimer);
      run.reapTimer = undefined;
      return;
    }
    // Critical since now, unless it already was (a new output does not restart the count).
    run.reapTimer ??= unref(setTimeout(() => this.sink?.deregister(run.serviceId), run.check.deregisterCriticalAfterMs));
  }

  stopAll(): void {
    for (const id of [...this.running.keys()]) this.stop(id);
  }

  private armTtl(run: Running): void {
    clearTimeout(run.ttlTimer);
    run.ttlTimer = unref(setTimeout(() => {
      if (this.running.get(run.check.id) === run) this.sink?.report(run.check.id, 'critical', 'TTL expired');
    }, run.check.ttlMs));
  }

  /**
   * The first probe runs at once, each next one an interval after the previous answered.
   * Consul's counters: SuccessBeforePassing passes in a row to report passing, and
   * FailuresBeforeCritical failures in a row to report warning/critical; until then only
   * the output moves.
   */
  private probeLoop(run: Running): () => void {
    const { check } = run;
    const streak = new Streak({ passes: Math.max(1, check.successBeforePassing), fails: Math.max(1, check.failuresBeforeCritical) }, run.status === 'passing');
    const probe = check.kind === 'http' ? () => this.probes.http(check.http!, check.timeoutMs) : () => this.probes.tcp(check.tcp!, check.timeoutMs);
    return startCheckLoop({
      probe,
      intervalMs: check.intervalMs,
      firstDelayMs: 0,
      rule: { passes: 1, fails: 1 },
      healthy: run.status === 'passing',
      onFlip: () => {},
      onResult: (result) => {
        streak.record(result.status === 'passing');
        const status = streak.healthy ? 'passing' : result.status === 'passing' ? run.status : result.status;
        if (this.running.get(check.id) === run) this.sink?.report(check.id, status, truncateOutput(result.output));
      },
    });
  }
}

function unref(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
