// A run's watch from spawn on: start_timeout, readiness (process.send('ready') or checks), then liveness.
import type { ChildProcess } from 'node:child_process';
import type { AppConfig } from '../config/model.js';
import { watchLiveness, watchReadiness } from './checks.js';
import type { InstanceState } from './instance-state.js';

/** What the watch reads of its instance (and `waitingFor`, which it keeps up to date). */
export interface WatchedInstance {
  readonly state: InstanceState;
  /** Read when the run turns ready, so liveness follows settings applied since the spawn. */
  readonly config: AppConfig;
  readonly port: number | null;
  waitingFor?: string;
}

/** The moves the watch asks of its instance; only the instance changes its own state. */
export interface WatchMoves {
  /** The instance's run now: a timer or check of an older run must not act on a newer one. */
  generation(): number;
  /** starting -> ready. */
  ready(): void;
  /** Ends the run gracefully; the watch's reasons say why. */
  stop(reason: string): void;
  note(line: string): void;
}

export class StartWatch {
  /** Set when the run was not ready by start_timeout: it explains the run's end. */
  failedStartReason?: string;
  /** Set when liveness ended the run; the instance restarts whatever the policy. */
  restartReason?: string;
  private startTimer?: NodeJS.Timeout;
  private cancelChecks: (() => void)[] = [];

  constructor(
    private readonly instance: WatchedInstance,
    private readonly host: string,
    private readonly moves: WatchMoves,
  ) {}

  /** Before a spawn: a run that ends before it is watched must not take the last run's reasons. */
  clearReasons(): void {
    this.failedStartReason = undefined;
    this.restartReason = undefined;
  }

  /** Arms start_timeout and the readiness signal for the run of `generation`, just spawned on `port`. */
  start(generation: number, child: ChildProcess, config: AppConfig, port: number): void {
    this.startTimer = setTimeout(() => {
      if (generation !== this.moves.generation() || this.instance.state !== 'starting') return;
      if (config.onStartTimeout === 'ready') {
        // PM2's listen_timeout: an app that never says 'ready' is online once the wait is over.
        this.moves.note(`not ready within ${config.startTimeoutMs}ms; taken as ready (on_start_timeout: ready)`);
        this.becomeReady(generation);
        return;
      }
      const waitingFor = this.instance.waitingFor;
      this.failedStartReason = `not ready within ${config.startTimeoutMs}ms${waitingFor ? ` (waiting for ${waitingFor})` : ''}`;
      this.moves.stop(this.failedStartReason);
    }, config.startTimeoutMs);
    const onReady = () => this.becomeReady(generation);
    if (config.waitReady) child.on('message', (message) => message === 'ready' && onReady());
    else {
      const onFailed = (detail: string) => {
        if (generation === this.moves.generation()) this.instance.waitingFor = `readiness check on port ${port}: ${detail}`;
      };
      this.cancelChecks.push(watchReadiness({ host: this.host, port }, config.health, onReady, onFailed));
    }
  }

  /** Ends start_timeout and every check loop: readiness once ready, everything once the run stops. */
  stop(): void {
    clearTimeout(this.startTimer);
    for (const cancel of this.cancelChecks) cancel();
    this.cancelChecks = [];
  }

  private becomeReady(generation: number): void {
    if (generation !== this.moves.generation() || this.instance.state !== 'starting') return;
    this.stop();
    this.instance.waitingFor = undefined;
    this.moves.ready();
    const { liveness } = this.instance.config;
    const port = this.instance.port;
    if (liveness && port !== null) {
      this.cancelChecks.push(
        watchLiveness({ host: this.host, port }, liveness, (detail) => {
          if (generation !== this.moves.generation() || this.instance.state !== 'ready') return;
          this.restartReason = detail;
          this.moves.stop(detail);
        }),
      );
    }
  }
}
