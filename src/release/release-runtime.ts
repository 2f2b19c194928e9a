// The releases part as the composition root sees it: the manager (numbered releases and the
// rollout state machine), the canary runner and the traffic split it steers, built together
// once. The root asks it for the apps to run, feeds it finished exchanges and reads rollouts.
import type { AppConfig } from '../config/model.js';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import { TrafficSplit } from '../balance/traffic-split.js';
import type { EventBus } from '../observe/events.js';
import type { Logger } from '../observe/logger.js';
import { CanaryRunner } from './canary-runner.js';
import type { Release } from './release.js';
import { ReleaseManager } from './release-manager.js';
import type { ReleaseStore } from './release-store.js';
import { rolloutStatus, type RolloutStatus } from './rollout-status.js';
import { SourceBuilder } from './source-build.js';

export interface ReleaseRuntimeDeps {
  readonly store: ReleaseStore;
  readonly stateDir: string;
  /** The apps of the running config. */
  readonly apps: () => ReadonlyMap<string, AppConfig>;
  /** Brings pools and supervisor in line with effective(). */
  readonly apply: () => Promise<void>;
  readonly pool: (name: string) => UpstreamPool | undefined;
  /** A build's output line, for the app's log. */
  readonly note: (app: string, line: string) => void;
  readonly events: EventBus;
  readonly logger: Logger;
}

export class ReleaseRuntime {
  /** Steers each app's traffic between its pool and its canary's; the edge asks it per request. */
  readonly split = new TrafficSplit();
  readonly manager: ReleaseManager;
  private readonly canary: CanaryRunner;

  constructor(private readonly deps: ReleaseRuntimeDeps) {
    this.manager = new ReleaseManager({
      store: deps.store,
      builder: new SourceBuilder(deps.stateDir, deps.note),
      apps: deps.apps,
      apply: deps.apply,
      events: deps.events,
      logger: deps.logger,
    });
    this.canary = new CanaryRunner({ manager: this.manager, split: this.split, pool: deps.pool, apps: deps.apps, apply: deps.apply, logger: deps.logger });
    this.manager.canary = this.canary;
  }

  /** Each app with its current release laid over it, and any canary beside it. */
  effective(apps: ReadonlyMap<string, AppConfig>): Map<string, AppConfig> {
    return this.manager.effective(apps);
  }

  /** A finished exchange of `pool`: the canary analysis counts it. */
  observe(pool: string, status: number, durationMs: number): void {
    this.canary.observe(pool, status, durationMs);
  }

  /** Another node (or this one) changed `app`'s releases: load them and run what they say now. */
  follow(app: string): void {
    // An app the running config lacks has nothing here to run.
    if (!this.deps.apps().has(app)) return;
    this.manager
      .load([app])
      .then(() => this.deps.apply())
      .catch((error: Error) => this.deps.logger.error({ app, err: error.message }, 'cluster: following a release change failed'));
  }

  rollout(app: string, view: (release: Release) => Record<string, unknown>): RolloutStatus {
    const config = this.deps.apps().get(app);
    const shown = this.manager.inProgress(app) ?? this.manager.releases(app).at(-1);
    return rolloutStatus(app, config!, shown, this.manager.current(app), view, this.canary.live(app));
  }

  /** Each app's stable release and the one rolling out (what the release metrics read). */
  *readings() {
    for (const app of this.deps.apps().keys()) {
      const moving = this.manager.inProgress(app);
      const live = moving ? this.canary.live(app) : undefined;
      yield {
        app,
        stable: this.manager.current(app)?.number ?? 0,
        ...(moving && live ? { rolling: { release: moving.number, state: moving.state, weight: live.weight, canary: live.canary, baseline: live.baseline } } : {}),
      };
    }
  }
}
