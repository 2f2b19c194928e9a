// What follows a run that ended unasked: nothing, a restart after a growing delay, or a crash loop.
import type { AppConfig } from '../config/model.js';
import { Backoff } from './backoff.js';
import { CrashLoopGuard } from './crash-loop.js';

export interface UnaskedExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The run was stopped for not being ready by start_timeout. */
  readonly failedStart: boolean;
  /** wharf ended the run (liveness): it restarts whatever `restart` says. */
  readonly forced: boolean;
  readonly uptimeMs: number;
  readonly at: number;
}

/** Undefined: the instance stays exited. */
export type AfterExit = { readonly restartInMs: number } | { readonly crashLoop: string } | undefined;

export class RestartPolicy {
  private readonly backoff = new Backoff();
  private crashLoop: CrashLoopGuard;

  constructor(private config: AppConfig) {
    this.crashLoop = new CrashLoopGuard(config.maxRestarts, config.restartWindowMs);
  }

  /** Applies at once; new crash-loop limits count from an empty window. */
  setConfig(config: AppConfig): void {
    if (config.maxRestarts !== this.config.maxRestarts || config.restartWindowMs !== this.config.restartWindowMs) {
      this.crashLoop = new CrashLoopGuard(config.maxRestarts, config.restartWindowMs);
    }
    this.config = config;
  }

  /** A start asked for after fatal is a fresh start. */
  clear(): void {
    this.crashLoop.clear();
    this.backoff.reset();
  }

  afterExit(exit: UnaskedExit): AfterExit {
    const failed = exit.failedStart || exit.code !== 0 || exit.signal !== null;
    const policy = this.config.restart;
    const restart = exit.forced || policy === 'always' || (policy === 'on-failure' && failed);
    if (!restart) return undefined;
    if (!exit.failedStart && exit.uptimeMs >= this.config.minUptimeMs) this.backoff.reset();
    if (this.crashLoop.record(exit.at)) return { crashLoop: this.crashLoop.describe() };
    return { restartInMs: this.backoff.next() };
  }
}
