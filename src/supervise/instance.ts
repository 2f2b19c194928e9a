// One instance slot of an app (WHARF_INSTANCE = its index) and the process currently filling
// it. It walks the state table in instance-state.ts: it spawns, waits for readiness, watches
// liveness, stops gracefully, and applies the restart policy (backoff, crash-loop guard)
// when its process ends without being asked to.
import { expandArgv } from './expand-argv.js';
import type { AppConfig } from '../config/model.js';
import { Backoff } from './backoff.js';
import { watchLiveness, watchReadiness } from './checks.js';
import { formatAddress } from '../net/address.js';
import { CrashLoopGuard } from './crash-loop.js';
import { assertTransition, type InstanceState } from './instance-state.js';
import { readRssBytes } from './memory.js';
import type { PortAllocator } from './ports.js';
import { cpuSecondsOf, readProcStat } from './proc-stat.js';
import { killGroupNow, terminateGroup } from './process-group.js';
import { startChildRun, type ChildRun, type OutputStream } from './child-run.js';
import type { ExitRecord, InstanceStatus } from './status.js';

export type { OutputStream } from './child-run.js';

/** How many stderr lines of a run are kept to explain its end, and how long each may be. */
const STDERR_TAIL_LINES = 10;
const STDERR_LINE_MAX = 500;

export interface InstanceHooks {
  /** After every state change: pool membership, events and logs follow from it. */
  changed(instance: Instance, from: InstanceState, to: InstanceState): void;
  /** A process started or ended (the pid file follows). */
  processChanged(instance: Instance): void;
  /** Resolves once the instance's in-flight requests are done (bounded by stop_timeout). */
  drain(instance: Instance): Promise<void>;
  output(instance: Instance, stream: OutputStream | 'wharf', line: string): void;
}

export interface InstanceOptions {
  readonly app: string;
  readonly index: number;
  readonly config: AppConfig;
  readonly ports: PortAllocator;
  readonly hooks: InstanceHooks;
  /** False for a reload candidate: a failed candidate aborts the reload instead of retrying. */
  readonly autoRestart: boolean;
  readonly restarts?: number;
}

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
  private readonly backoff = new Backoff();
  private crashLoop: CrashLoopGuard;
  private exited?: Promise<void>;
  private portAllocated = false;
  private generation = 0;
  private closed = false;
  private stopRequested = false;
  /** Set when wharf itself ends the run (liveness); the instance restarts whatever the policy. */
  private restartReason?: string;
  private failedStartReason?: string;
  private cancelChecks: (() => void)[] = [];
  private startTimer?: NodeJS.Timeout;
  private backoffTimer?: NodeJS.Timeout;
  private spawning?: Promise<void>;
  private settleWaiters: ((ready: boolean) => void)[] = [];
  /** The current run's last stderr lines; kept after it ends, so a crash explains itself. */
  private stderrTail: string[] = [];

  constructor(options: InstanceOptions) {
    this.app = options.app;
    this.index = options.index;
    this.config = options.config;
    this.ports = options.ports;
    this.hooks = options.hooks;
    this.autoRestart = options.autoRestart;
    this.restarts = options.restarts ?? 0;
    this.crashLoop = new CrashLoopGuard(this.config.maxRestarts, this.config.restartWindowMs);
  }

  get address(): string | undefined {
    return this.port === null ? undefined : formatAddress({ host: this.ports.host, port: this.port });
  }

  /** Settings that do not need a new process (stop_timeout, restart policy...) apply at once. */
  setConfig(config: AppConfig): void {
    if (config.maxRestarts !== this.config.maxRestarts || config.restartWindowMs !== this.config.restartWindowMs) {
      this.crashLoop = new CrashLoopGuard(config.maxRestarts, config.restartWindowMs);
    }
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
    if (this.state === 'fatal') {
      this.crashLoop.clear();
      this.backoff.reset();
    }
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
      ...(this.crashed() && this.stderrTail.length > 0 && { last_stderr: [...this.stderrTail] }),
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
    this.stderrTail = [];
    this.waitingFor = config.waitReady ? "process.send('ready') from the app" : `a first readiness check on port ${port}`;
    this.failedStartReason = undefined;
    this.restartReason = undefined;
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
            if (stream === 'err') {
              this.stderrTail.push(line.length > STDERR_LINE_MAX ? `${line.slice(0, STDERR_LINE_MAX)}…` : line);
              if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
            }
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

    this.startTimer = setTimeout(() => {
      if (generation !== this.generation || this.state !== 'starting') return;
      if (config.onStartTimeout === 'ready') {
        // PM2's listen_timeout: an app that never says 'ready' is online once the wait is over.
        this.hooks.output(this, 'wharf', `not ready within ${config.startTimeoutMs}ms; taken as ready (on_start_timeout: ready)`);
        this.becomeReady(generation);
        return;
      }
      this.failedStartReason = `not ready within ${config.startTimeoutMs}ms${this.waitingFor ? ` (waiting for ${this.waitingFor})` : ''}`;
      void this.terminate(this.failedStartReason);
    }, config.startTimeoutMs);
    const onReady = () => this.becomeReady(generation);
    if (config.waitReady) run.child.on('message', (message) => message === 'ready' && onReady());
    else {
      const onFailed = (detail: string) => {
        if (generation === this.generation) this.waitingFor = `readiness check on port ${port}: ${detail}`;
      };
      this.cancelChecks.push(watchReadiness({ host: this.ports.host, port }, config.health, onReady, onFailed));
    }
  }

  private becomeReady(generation: number): void {
    if (generation !== this.generation || this.state !== 'starting') return;
    this.stopChecks();
    this.waitingFor = undefined;
    this.transition('ready');
    this.settle(true);
    const { liveness } = this.config;
    if (liveness && this.port !== null) {
      this.cancelChecks.push(
        watchLiveness({ host: this.ports.host, port: this.port }, liveness, (detail) => {
          if (generation !== this.generation || this.state !== 'ready') return;
          this.restartReason = detail;
          void this.terminate(detail);
        }),
      );
    }
  }

  private stopChecks(): void {
    clearTimeout(this.startTimer);
    for (const cancel of this.cancelChecks) cancel();
    this.cancelChecks = [];
  }

  /** The graceful stop path of a running process; its exit is handled by onExit. */
  private async terminate(reason: string): Promise<void> {
    if (this.state !== 'starting' && this.state !== 'ready') return;
    this.stopChecks();
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
    this.stopChecks();
    const uptimeMs = this.startedAt === null ? 0 : now - this.startedAt;
    // Nothing a crashed instance started may outlive it. (A stop's own deadline covers the
    // group while stopping, giving grandchildren the same grace as the leader.)
    if (this.pid !== null && this.state !== 'stopping') killGroupNow(this.pid);
    if (this.portAllocated && this.port !== null) this.ports.release(this.port);
    this.lastExit = { code, signal, at: now };
    const exitText = detail ?? (signal ? `killed by ${signal}` : `exited with code ${code}`);
    const reason = this.failedStartReason ?? this.restartReason ?? (this.stopRequested ? 'stopped' : exitText);
    this.transition('exited', reason === exitText ? reason : `${reason} (${exitText})`);
    this.pid = null;
    this.procStartTime = null;
    this.port = null;
    this.startedAt = null;
    this.hooks.processChanged(this);

    if (this.stopRequested || this.closed || !this.autoRestart) return this.settle(false);
    const failed = this.failedStartReason !== undefined || code !== 0 || signal !== null;
    const policy = this.config.restart;
    const restart = this.restartReason !== undefined || policy === 'always' || (policy === 'on-failure' && failed);
    if (!restart) return this.settle(false);
    if (this.failedStartReason === undefined && uptimeMs >= this.config.minUptimeMs) this.backoff.reset();
    if (this.crashLoop.record(now)) {
      const stderr = this.stderrTail.length ? `; last stderr: ${this.stderrTail[this.stderrTail.length - 1]}` : '';
      this.transition('fatal', `crash loop: ${this.crashLoop.describe()}; last: ${reason}${stderr}`);
      return this.settle(false);
    }
    const delayMs = this.backoff.next();
    this.transition('backoff', `restarting in ${delayMs}ms: ${reason}`);
    this.settle(false);
    this.backoffTimer = setTimeout(() => {
      if (this.state !== 'backoff') return;
      this.restarts++;
      void this.spawn();
    }, delayMs);
  }
}
