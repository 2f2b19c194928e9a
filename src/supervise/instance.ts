// One instance slot of an app (WHARF_INSTANCE = its index) and the process currently filling
// it. It walks the state table in instance-state.ts: it spawns, waits for readiness, watches
// liveness, stops gracefully, and applies the restart policy (backoff, crash-loop guard)
// when its process ends without being asked to.
import { expandArgv } from './expand-argv.js';
import type { AppConfig } from '../config/model.js';
import { formatAddress } from '../net/address.js';
import type { InstanceHooks, InstanceOptions } from './instance-hooks.js';
import { assertTransition, type InstanceState } from './instance-state.js';
import { readRssBytes } from './memory.js';
import type { PortAllocator } from './ports.js';
import { cpuSecondsOf, readProcStat } from './proc-stat.js';
import { killGroupNow, terminateGroup } from './process-group.js';
import { RestartPolicy } from './restart-policy.js';
import { startChildRun, type ChildRun, type OutputStream } from './child-run.js';
import { StartWatch } from './start-watch.js';
import { StderrTail } from './stderr-tail.js';
import type { ExitRecord, InstanceStatus } from './status.js';

export type { OutputStream } from './child-run.js';

export class Instance {
  readonly app: string;
  readonly index: number;
  config: AppConfig;
  autoRestart: boolean;
  state: InstanceState = 'exited';
  reason?: string;
  pid: number | null = null;
  /** /proc start time of `pid`, recorded in the pid file. */
  procStartTime: number | null = null;
  port: number | null = null;
  startedAt: number | null = null;
  restarts: number;
  lastExit?: ExitRecord;
  /** A replacement for this instance is being started (memory limit or reload). */
  replacing = false;
  /** While starting: why it is not ready yet. */
  waitingFor?: string;

  private readonly ports: PortAllocator;
  private readonly hooks: InstanceHooks;
  private readonly restartPolicy: RestartPolicy;
  private exited?: Promise<void>;
  private portAllocated = false;
  private generation = 0;
  private closed = false;
  private stopRequested = false;
  private readonly watch: StartWatch;
  private backoffTimer?: NodeJS.Timeout;
  private spawning?: Promise<void>;
  private settleWaiters: ((ready: boolean) => void)[] = [];
  /** The current run's last stderr lines; kept after it ends, so a crash explains itself. */
  private readonly stderrTail = new StderrTail();

  constructor(options: InstanceOptions) {
    this.app = options.app;
    this.index = options.index;
    this.config = options.config;
    this.ports = options.ports;
    this.hooks = options.hooks;
    this.autoRestart = options.autoRestart;
    this.restarts = options.restarts ?? 0;
    this.restartPolicy = new RestartPolicy(this.config);
    this.watch = new StartWatch(this, this.ports.host, {
      generation: () => this.generation,
      ready: () => {
        this.transition('ready');
        this.settle(true);
      },
      stop: (reason) => void this.terminate(reason),
      note: (line) => this.hooks.output(this, 'wharf', line),
    });
  }

  get address(): string | undefined {
    return this.port === null ? undefined : formatAddress({ host: this.ports.host, port: this.port });
  }

  /** Settings that do not need a new process (stop_timeout, restart policy...) apply at once. */
  setConfig(config: AppConfig): void {
    this.restartPolicy.setConfig(config);
    this.config = config;
  }

  /**
   * Runs the instance if it is not running (clearing fatal and any pending backoff).
   * Resolves true once it is ready, false if this attempt failed (it may still retry).
   */
  async start(): Promise<boolean> {
    if (this.closed) return false;
    if (this.spawning) await this.spawning;
    if (this.state === 'ready') return true;
    if (this.state === 'starting') return this.nextSettle();
    if (this.state === 'stopping') await this.exited;
    this.stopRequested = false;
    if (this.state === 'fatal') this.restartPolicy.clear();
    clearTimeout(this.backoffTimer);
    const settled = this.nextSettle();
    void this.spawn();
    return settled;
  }

  /** Graceful stop: leave the pool, drain, stop_signal to the group, SIGKILL at the deadline. */
  async stop(reason = 'stopped'): Promise<void> {
    this.stopRequested = true;
    clearTimeout(this.backoffTimer);
    if (this.spawning) await this.spawning;
    switch (this.state) {
      case 'backoff':
      case 'fatal':
        this.transition('exited', reason);
        this.settle(false);
        return;
      case 'starting':
      case 'ready':
        await this.terminate(reason);
        return;
      case 'stopping':
        await this.exited;
        return;
      case 'exited':
        return;
    }
  }

  /** Stops for good: later start() calls do nothing. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /** Synchronous SIGKILL of the process group, for process 'exit'. */
  killNow(): void {
    if (this.pid !== null) killGroupNow(this.pid);
  }

  status(now = Date.now()): InstanceStatus {
    const stat = this.pid === null ? undefined : readProcStat(this.pid);
    return {
      id: this.index,
      pid: this.pid,
      port: this.port,
      state: this.state,
      ready: this.state === 'ready',
      restarts: this.restarts,
      startedAt: this.startedAt,
      uptimeMs: this.startedAt === null ? 0 : now - this.startedAt,
      rssBytes: (this.pid !== null && readRssBytes(this.pid)) || 0,
      cpuSeconds: stat ? cpuSecondsOf(stat) : 0,
      ...(this.lastExit && { lastExit: this.lastExit }),
      ...(this.reason !== undefined && { reason: this.reason }),
      ...(this.state === 'starting' && this.waitingFor !== undefined && { waiting_for: this.waitingFor }),
      ...(this.crashed() && this.stderrTail.length > 0 && { last_stderr: this.stderrTail.snapshot() }),
    };
  }

  /** The process ended without being asked to (what stderr may explain). */
  private crashed(): boolean {
    return (this.state === 'backoff' || this.state === 'fatal' || this.state === 'exited') && this.lastExit !== undefined && !this.stopRequested;
  }

  private nextSettle(): Promise<boolean> {
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  private settle(ready: boolean): void {
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    for (const wake of waiters) wake(ready);
  }

  private transition(to: InstanceState, reason?: string): void {
    const from = this.state;
    assertTransition(from, to);
    this.state = to;
    this.reason = reason;
    this.hooks.changed(this, from, to);
  }

  private async spawn(): Promise<void> {
    const generation = ++this.generation;
    let done!: () => void;
    this.spawning = new Promise((resolve) => (done = resolve));
    try {
      const config = this.config;
      let port: number;
      try {
        port = typeof config.port === 'number' ? config.port + this.index : await this.ports.allocate();
      } catch (error) {
        this.transition('starting');
        this.onExit(generation, null, null, `no port for the instance: ${(error as Error).message}`);
        return;
      }
      this.portAllocated = config.port === 'auto';
      if (this.stopRequested || this.closed) {
        if (this.portAllocated) this.ports.release(port);
        if (this.state !== 'exited') this.transition('exited', 'stopped');
        this.settle(false);
        return;
      }
      this.launch(generation, config, port);
    } finally {
      this.spawning = undefined;
      done();
    }
  }

  private launch(generation: number, config: AppConfig, port: number): void {
    this.port = port;
    this.stderrTail.clear();
    this.waitingFor = config.waitReady ? "process.send('ready') from the app" : `a first readiness check on port ${port}`;
    this.watch.clearReasons();
    let run: ChildRun;
    const instanceVariables = { HOST: this.ports.host, PORT: String(port), WHARF_INSTANCE: String(this.index), WHARF_APP: this.app };
    try {
      run = startChildRun(
        {
          argv: expandArgv(config.argv, instanceVariables),
          cwd: config.cwd,
          env: { ...process.env, ...config.env, ...instanceVariables },
          ipc: config.waitReady,
        },
        {
          exit: (code, signal, detail) => this.onExit(generation, code, signal, detail),
          line: (stream, line) => {
            if (stream === 'err') this.stderrTail.push(line);
            this.hooks.output(this, stream, line);
          },
        },
      );
    } catch (error) {
      this.transition('starting');
      this.onExit(generation, null, null, `cannot start ${config.argv[0]}: ${(error as Error).message}`);
      return;
    }
    this.pid = run.pid;
    this.procStartTime = run.startTime;
    this.startedAt = Date.now();
    this.exited = run.exited;
    this.transition('starting');
    this.hooks.processChanged(this);
    if (this.pid === null) return;

    this.watch.start(generation, run.child, config, port);
  }

  /** The graceful stop path of a running process; its exit is handled by onExit. */
  private async terminate(reason: string): Promise<void> {
    if (this.state !== 'starting' && this.state !== 'ready') return;
    this.watch.stop();
    const { stopSignal, stopTimeoutMs } = this.config;
    // Leaving "ready" takes the instance out of the pool (the group listens to transitions).
    this.transition('stopping', reason);
    await this.hooks.drain(this);
    const pid = this.pid;
    if (pid !== null && this.exited) await terminateGroup({ pid, exited: this.exited }, stopSignal, stopTimeoutMs);
    await this.exited;
  }

  private onExit(generation: number, code: number | null, signal: NodeJS.Signals | null, detail?: string): void {
    if (generation !== this.generation) return;
    const now = Date.now();
    this.watch.stop();
    const uptimeMs = this.startedAt === null ? 0 : now - this.startedAt;
    // Nothing a crashed instance started may outlive it. (A stop's own deadline covers the
    // group while stopping, giving grandchildren the same grace as the leader.)
    if (this.pid !== null && this.state !== 'stopping') killGroupNow(this.pid);
    if (this.portAllocated && this.port !== null) this.ports.release(this.port);
    this.lastExit = { code, signal, at: now };
    const exitText = detail ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
    const reason = this.watch.failedStartReason ?? this.watch.restartReason ?? (this.stopRequested ? 'stopped' : exitText);
    this.transition('exited', reason === exitText ? reason : `${reason} (${exitText})`);
    this.pid = null;
    this.procStartTime = null;
    this.port = null;
    this.startedAt = null;
    this.hooks.processChanged(this);

    if (this.stopRequested || this.closed || !this.autoRestart) return this.settle(false);
    const failedStart = this.watch.failedStartReason !== undefined;
    const next = this.restartPolicy.afterExit({ code, signal, failedStart, forced: this.watch.restartReason !== undefined, uptimeMs, at: now });
    if (next === undefined) return this.settle(false);
    if ('crashLoop' in next) {
      const stderr = this.stderrTail.length ? `; last stderr: ${this.stderrTail.last}` : '';
      this.transition('fatal', `crash loop: ${next.crashLoop}; last: ${reason}${stderr}`);
      return this.settle(false);
    }
    const delayMs = next.restartInMs;
    this.transition('backoff', `restarting in ${delayMs}ms: ${reason}`);
    this.settle(false);
    this.backoffTimer = setTimeout(() => {
      if (this.state !== 'backoff') return;
      this.restarts++;
      void this.spawn();
    }, delayMs);
  }
}
