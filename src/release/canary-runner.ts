// The canary strategy: the new release's instances run beside the stable ones as APP@canary,
// the app's traffic is split between the two at each step's weight, and every tick the two
// are compared over the step. A failing comparison aborts at once (weight back to 0, the
// canary drained and stopped, rolled back); the last step held healthy promotes: the stable
// instances are replaced by the new release while the canary carries the traffic, then the
// traffic returns to them and the canary is drained and stopped.
import type { AppConfig } from '../config/model.js';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import { pinOf, type TrafficSplit } from '../balance/traffic-split.js';
import type { Logger } from '../observe/logger.js';
import type { Release } from './release.js';
import type { ReleaseManager, RolloutRunner } from './release-manager.js';
import { withRelease } from './effective-apps.js';
import { judge, SideWindow } from './canary-analysis.js';
import type { SideNumbers } from './rollout-status.js';

export const CANARY_SUFFIX = '@canary';
/** How often a step is judged; a bad release loses its traffic within about this long of min_requests. */
const TICK_MS = 200;
/** How long a drained canary may keep finishing requests before it is stopped. */
const DRAIN_MS = 5_000;

export interface CanaryDeps {
  readonly manager: ReleaseManager;
  readonly split: TrafficSplit;
  readonly pool: (name: string) => UpstreamPool | undefined;
  readonly apps: () => ReadonlyMap<string, AppConfig>;
  /** Brings pools and supervisor in line with the manager's effective apps. */
  readonly apply: () => Promise<void>;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Active {
  readonly number: number;
  canary: SideWindow;
  stable: SideWindow;
}

export class CanaryRunner implements RolloutRunner {
  private readonly active = new Map<string, Active>();
  /** Apps whose canary is being taken down: no longer part of the effective set. */
  private readonly removing = new Set<string>();
  /** Promoted apps whose canary still carries traffic while the stable instances are replaced. */
  private readonly keeping = new Map<string, Release>();
  /** Apps whose canary instances are starting, before the first step's clock runs. */
  private readonly starting = new Set<string>();

  constructor(private readonly deps: CanaryDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  extraApps(apps: ReadonlyMap<string, AppConfig>): Map<string, AppConfig> {
    const out = new Map<string, AppConfig>();
    for (const [name, config] of apps) {
      const release = this.keeping.get(name) ?? this.deps.manager.inProgress(name);
      if (!release || release.strategy !== 'canary' || this.removing.has(name)) continue;
      if (release.state === 'pending' && !this.starting.has(name)) continue;
      const canary = `${name}${CANARY_SUFFIX}`;
      out.set(canary, { ...withRelease(config, release), name: canary });
    }
    return out;
  }

  /** Every finished exchange: counted for the side of a rollout it belongs to. */
  observe(pool: string, status: number, durationMs: number): void {
    if (this.active.size === 0) return;
    const canary = pool.endsWith(CANARY_SUFFIX);
    const active = this.active.get(canary ? pool.slice(0, -CANARY_SUFFIX.length) : pool);
    if (!active) return;
    (canary ? active.canary : active.stable).record(status, durationMs);
  }

  live(app: string): { weight: number; canary?: SideNumbers; baseline?: SideNumbers; stepLeftMs?: number } {
    const active = this.active.get(app);
    const weight = this.deps.split.weightOf(app);
    if (!active) return { weight };
    const release = this.deps.manager.find(app, active.number);
    const config = this.deps.apps().get(app);
    const left = release.state === 'progressing' && config && release.stepStartedAt !== undefined
      ? Math.max(0, release.stepStartedAt + config.rollout.intervalMs - this.now())
      : undefined;
    return { weight, canary: active.canary.numbers(), baseline: active.stable.numbers(), ...(left !== undefined ? { stepLeftMs: left } : {}) };
  }

  async run(start: Release): Promise<void> {
    const { app, number } = start;
    const { manager } = this.deps;
    const active: Active = { number, canary: new SideWindow(), stable: new SideWindow() };
    this.active.set(app, active);
    try {
      if (start.state !== 'aborting') {
        // The first step's clock starts once the canary can take traffic.
        if (start.state === 'pending') this.starting.add(app);
        try {
          await this.deps.apply();
          if (start.state === 'pending') await manager.move(app, number, 'start', { stepStartedAt: this.now() });
        } catch (error) {
          if (manager.stopping) return;
          const reason = `the new release did not start: ${(error as Error).message}`;
          if (start.state === 'pending') {
            await manager.move(app, number, 'fail', { reason });
            await this.deps.apply().catch(() => undefined);
            return;
          }
          await manager.move(app, number, 'abort', { reason });
        } finally {
          this.starting.delete(app);
        }
      }
      let seen = manager.find(app, number).state;
      for (;;) {
        if (manager.stopping) return;
        const release = manager.find(app, number);
        if (release.state === 'aborting') return await this.takeDown(release, 'rolled_back');
        if (release.state === 'promoted') return await this.promote(release);
        if (release.state !== 'progressing' && release.state !== 'paused') return;
        const config = this.deps.apps().get(app);
        if (!config) return;
        if (seen === 'paused' && release.state === 'progressing') {
          // A resumed step starts its clock and its numbers again.
          await manager.update(app, number, { stepStartedAt: this.now() });
          this.resetWindows(active);
        }
        seen = release.state;
        const { steps, intervalMs, analysis } = config.rollout;
        const weight = steps[Math.min(release.step, steps.length - 1)]!;
        const canaryPool = this.deps.pool(`${app}${CANARY_SUFFIX}`);
        if (canaryPool) this.deps.split.set(app, canaryPool, weight, pinOf(config.rollout.pin));
        const verdict = judge(active.canary.numbers(), active.stable.numbers(), analysis);
        if (verdict.kind === 'failing') {
          await manager.move(app, number, 'abort', { reason: verdict.reason });
          continue;
        }
        const elapsed = this.now() - (release.stepStartedAt ?? this.now());
        if (release.state === 'progressing' && elapsed >= intervalMs) {
          if (verdict.kind === 'healthy') {
            if (release.step >= steps.length - 1) await manager.move(app, number, 'promote', { reason: 'every step held healthy' });
            else {
              await manager.move(app, number, 'advance', { step: release.step + 1, stepStartedAt: this.now() });
              this.resetWindows(active);
            }
            continue;
          }
          if (elapsed >= intervalMs + analysis.maxWaitMs) {
            await manager.move(app, number, 'pause', { reason: `fewer than ${analysis.minRequests} requests on the new release within interval + max_wait; resume or promote by hand` });
            continue;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      }
    } finally {
      if (this.active.get(app) === active) this.active.delete(app);
    }
  }

  private resetWindows(active: Active): void {
    active.canary = new SideWindow();
    active.stable = new SideWindow();
  }

  /** Promoted: the stable instances take the new release while the canary serves, then the canary goes. */
  private async promote(release: Release): Promise<void> {
    this.keeping.set(release.app, release);
    try {
      await this.deps.apply();
    } catch (error) {
      this.deps.logger.error({ app: release.app, err: (error as Error).message }, 'promoted, but the stable instances could not take the new release; the canary keeps serving');
      return;
    }
    this.keeping.delete(release.app);
    await this.takeDown(release);
  }

  /** Weight back to 0, the canary's requests finish, then its instances stop. */
  private async takeDown(release: Release, finalMove?: 'rolled_back'): Promise<void> {
    const { app } = release;
    this.deps.split.clear(app);
    const pool = this.deps.pool(`${app}${CANARY_SUFFIX}`);
    const deadline = this.now() + DRAIN_MS;
    while (pool && pool.peers.some((peer) => peer.inFlight > 0) && this.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.removing.add(app);
    try {
      await this.deps.apply().catch((error: Error) => this.deps.logger.error({ app, err: error.message }, 'stopping the canary did not settle'));
      if (finalMove) await this.deps.manager.move(app, release.number, finalMove, { reason: release.reason });
    } finally {
      this.removing.delete(app);
    }
  }
}
