// Releases of every app: `deploy` records release N+1 and rolls it out with the app's
// strategy, `rollback` brings an earlier release's changes back as a new release, and every
// move of a rollout goes through the one transition table and is persisted before it takes
// effect, so a wharf killed mid-rollout resumes where it stood.
import { basename } from 'node:path';
import type { AppConfig } from '../config/model.js';
import type { EventBus } from '../observe/events.js';
import type { Logger } from '../observe/logger.js';
import { FINAL_STATES, transition, type RolloutMove, type RolloutState } from './rollout-machine.js';
import type { Release, ReleaseChanges } from './release.js';
import type { ReleaseStore } from './release-store.js';
import { withRelease } from './effective-apps.js';
import { ReleaseError, unknownApp, unknownRelease } from './release-errors.js';
import type { SourceBuilder } from './source-build.js';

export interface ReleaseDeps {
  readonly store: ReleaseStore;
  readonly builder: SourceBuilder;
  /** The apps of the running config. */
  readonly apps: () => ReadonlyMap<string, AppConfig>;
  /** Brings the supervisor in line with effective(); rejects when an app could not be. */
  readonly apply: () => Promise<void>;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** A strategy other than rolling (canary) runs the release once it is progressing. */
export interface RolloutRunner {
  run(release: Release): Promise<void>;
  /** Apps the runner adds to the supervisor's set (the canary's instances). */
  extraApps(apps: ReadonlyMap<string, AppConfig>, current: (app: string) => Release | undefined): Map<string, AppConfig>;
}

type Update = Partial<Pick<Release, 'step' | 'stepStartedAt' | 'dir' | 'commit' | 'reason'>>;

export class ReleaseManager {
  private readonly logs = new Map<string, { version: number; releases: Release[] }>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly running = new Map<string, Promise<void>>();
  canary: RolloutRunner | undefined;
  private closed = false;

  constructor(private readonly deps: ReleaseDeps) {}

  private get now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async load(apps: Iterable<string>): Promise<void> {
    for (const app of apps) {
      const log = await this.deps.store.load(app);
      this.logs.set(app, { version: log.version, releases: [...log.releases] });
    }
  }

  releases(app: string): readonly Release[] {
    this.config(app);
    return this.logs.get(app)?.releases ?? [];
  }

  /** The release in progress (not final), if any. */
  inProgress(app: string): Release | undefined {
    const last = this.logs.get(app)?.releases.at(-1);
    return last && !FINAL_STATES.has(last.state) ? last : undefined;
  }

  /** The release the app's own instances run: a rolling one on its way in, else the last promoted. */
  current(app: string): Release | undefined {
    const releases = this.logs.get(app)?.releases ?? [];
    const moving = this.inProgress(app);
    if (moving && moving.strategy === 'rolling' && moving.state === 'progressing') return moving;
    return lastWhere(releases, (r) => r.state === 'promoted');
  }

  /** What the supervisor should run: each app with its current release, plus any canary's instances. */
  effective(apps: ReadonlyMap<string, AppConfig>): Map<string, AppConfig> {
    const out = new Map<string, AppConfig>();
    for (const [name, config] of apps) out.set(name, withRelease(config, this.current(name)));
    for (const [name, config] of this.canary?.extraApps(apps, (app) => this.current(app)) ?? []) out.set(name, config);
    return out;
  }

  /** Records release N+1 of `app` and starts rolling it out; resolves once it is recorded. */
  deploy(app: string, changes: ReleaseChanges, createdBy: string, reuse: { strategy?: 'rolling'; dir?: string; commit?: string } = {}): Promise<Release> {
    const config = this.config(app);
    return this.serial(app, async () => {
      const moving = this.inProgress(app);
      if (moving) throw new ReleaseError('WHARF_ROLLOUT_IN_PROGRESS', `${app} is already rolling out release #${moving.number} (${moving.state}); promote or abort it first`);
      if (this.running.has(app)) {
        const last = this.logs.get(app)!.releases.at(-1)!;
        throw new ReleaseError('WHARF_ROLLOUT_IN_PROGRESS', `${app} is still finishing release #${last.number} (${last.state}: its canary is being taken down); try again in a moment`);
      }
      if (changes.ref && !config.source) throw new ReleaseError('WHARF_NO_SOURCE', `${app} has no source.repo in the config; --ref needs one`, 400);
      const log = this.logs.get(app)!;
      const release: Release = {
        app,
        number: (log.releases.at(-1)?.number ?? 0) + 1,
        changes,
        createdAt: new Date(this.now).toISOString(),
        createdBy,
        strategy: reuse.strategy ?? config.rollout.strategy,
        ...(reuse.dir ? { dir: reuse.dir, commit: reuse.commit } : {}),
        state: 'pending',
        step: 0,
        history: [],
      };
      await this.save(app, [...log.releases, release]);
      this.track(app, this.roll(release));
      return release;
    });
  }

  /** A new release carrying release `to`'s changes (default: the promoted one before the current), rolled in. */
  rollback(app: string, to: number | undefined, createdBy: string): Promise<Release> {
    const releases = this.releases(app);
    const current = this.current(app);
    const target = to !== undefined
      ? releases.find((r) => r.number === to)
      : lastWhere(releases, (r) => r.state === 'promoted' && r.number !== current?.number);
    if (to !== undefined && !target) throw unknownRelease(app, to);
    if (target && target.state === 'failed') throw new ReleaseError('WHARF_RELEASE_FAILED', `release #${target.number} of ${app} failed to build; it cannot be rolled back to`);
    const changes: ReleaseChanges = { ...(target?.changes ?? {}), rollbackOf: target?.number ?? 0 };
    // A rollback is an escape hatch: rolling, whatever the app's strategy, and reusing the built directory.
    return this.deploy(app, changes, createdBy, { strategy: 'rolling', dir: target?.dir, commit: target?.commit });
  }

  /** An operator's move on the rollout in progress (promote, abort, pause, resume). */
  async operate(app: string, move: 'promote' | 'abort' | 'pause' | 'resume'): Promise<Release> {
    const release = this.inProgress(app) ?? this.releases(app).at(-1);
    if (!release) throw new ReleaseError('WHARF_NO_ROLLOUT', `${app} has no release to ${move}`, 404);
    if (release.strategy === 'rolling' && (move === 'pause' || move === 'resume')) {
      // Checked against the table first, so a final release still gets the table's sentence.
      transition(release.state, move, `release #${release.number} of ${app}`);
      throw new ReleaseError('WHARF_ROLLOUT_TRANSITION', `cannot ${move} release #${release.number} of ${app}: a rolling rollout replaces instances one by one and has no steps to hold`);
    }
    return this.move(app, release.number, move);
  }

  /** Moves a release through the transition table and persists it; the caller acts on the new state. */
  async move(app: string, number: number, move: RolloutMove, update: Update = {}): Promise<Release> {
    return this.serial(app, async () => {
      const log = this.logs.get(app)!;
      const index = log.releases.findIndex((r) => r.number === number);
      if (index < 0) throw unknownRelease(app, number);
      const release = log.releases[index]!;
      const to = transition(release.state, move, `release #${number} of ${app}`);
      const step = update.step ?? release.step;
      const next: Release = {
        ...release,
        ...update,
        state: to,
        history: [...release.history, { at: new Date(this.now).toISOString(), from: release.state, to, ...(release.strategy === 'canary' ? { step } : {}), ...(update.reason ? { reason: update.reason } : {}) }],
      };
      const releases = [...log.releases];
      releases[index] = next;
      await this.save(app, releases);
      this.deps.events.emit('rollout', { app, release: number, from: release.state, to, step, ...(update.reason ? { reason: update.reason } : {}) });
      this.deps.logger.info({ app, release: number, from: release.state, to, step, reason: update.reason }, `release #${number} of ${app}: ${release.state} -> ${to}`);
      return next;
    });
  }

  /** After a start: rollouts a killed wharf left behind continue (or end) from their persisted state. */
  resumeAll(): void {
    for (const app of this.logs.keys()) {
      const release = this.inProgress(app);
      if (release) this.track(app, this.resume(release));
    }
  }

  /**
   * wharf is stopping: rollouts stay as persisted (a failure from here on is the shutdown's,
   * not the release's), and the next start resumes them.
   */
  close(): void {
    this.closed = true;
  }

  get stopping(): boolean {
    return this.closed;
  }

  /** Resolves when the app's rollout in progress (if any) has ended. */
  async settled(app: string): Promise<void> {
    await this.running.get(app);
  }

  private async resume(release: Release): Promise<void> {
    const { app, number } = release;
    if (release.state === 'pending') {
      await this.move(app, number, 'fail', { reason: 'wharf restarted before the release started' });
    } else if (release.strategy === 'canary' && this.canary) {
      await this.canary.run(release);
    } else if (release.state === 'aborting') {
      await this.move(app, number, 'rolled_back', { reason: release.reason });
    } else {
      // A rolling release in progress is already what the supervisor started with.
      await this.move(app, number, 'promote', { reason: 'completed after a restart' });
    }
  }

  private async roll(release: Release): Promise<void> {
    const { app, number } = release;
    const config = this.config(app);
    if (release.changes.ref && config.source && !release.dir) {
      try {
        const built = await this.deps.builder.build(app, number, config.source, release.changes.ref, withRelease(config, release).env);
        await this.update(app, number, built);
      } catch (error) {
        await this.move(app, number, 'fail', { reason: (error as Error).message });
        return;
      }
    }
    if (release.strategy === 'canary' && this.canary) {
      await this.canary.run(this.find(app, number));
      return;
    }
    await this.move(app, number, 'start');
    try {
      await this.deps.apply();
      await this.move(app, number, 'promote');
    } catch (error) {
      if (this.closed) return;
      await this.move(app, number, 'abort', { reason: (error as Error).message });
      await this.deps.apply().catch((again: Error) => this.deps.logger.error({ app, err: again.message }, 'rolling back did not settle'));
      await this.move(app, number, 'rolled_back', { reason: (error as Error).message });
    }
    await this.pruneSources(app);
  }

  private async pruneSources(app: string): Promise<void> {
    const config = this.deps.apps().get(app);
    if (!config?.source) return;
    // A rollback runs from the directory of the release it brings back, named by that release's number.
    const inUse = new Set([this.current(app), this.inProgress(app)].flatMap((r) => (r?.dir ? [Number(basename(r.dir))] : [])));
    await this.deps.builder.prune(app, config.source.keep, inUse);
  }

  find(app: string, number: number): Release {
    const release = this.logs.get(app)?.releases.find((r) => r.number === number);
    if (!release) throw unknownRelease(app, number);
    return release;
  }

  /** Fields that change without a state move (a build's directory, a step's clock). */
  async update(app: string, number: number, update: Update): Promise<void> {
    await this.serial(app, async () => {
      const log = this.logs.get(app)!;
      await this.save(app, log.releases.map((r) => (r.number === number ? { ...r, ...update } : r)));
    });
  }

  private track(app: string, run: Promise<void>): void {
    const tracked: Promise<void> = run
      .catch((error: Error) => this.deps.logger.error({ app, err: error.message }, 'rollout stopped by an error'))
      .finally(() => {
        if (this.running.get(app) === tracked) this.running.delete(app);
      });
    this.running.set(app, tracked);
  }

  private config(app: string): AppConfig {
    const config = this.deps.apps().get(app);
    if (!config) throw unknownApp(app);
    if (!this.logs.has(app)) this.logs.set(app, { version: 0, releases: [] });
    return config;
  }

  private async save(app: string, releases: Release[]): Promise<void> {
    const log = this.logs.get(app)!;
    log.version = await this.deps.store.save(app, log.version, releases);
    log.releases = releases;
  }

  /** One change at a time per app: moves from the CLI, the analysis loop and a resume never interleave. */
  private serial<T>(app: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(app) ?? Promise.resolve()).then(work);
    this.queues.set(app, run.catch(() => {}));
    return run;
  }
}

function lastWhere<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

export type { RolloutState };
