// A reload as one transaction, the same for SIGHUP, `wharf reload` and a cluster's applied
// config: the new edge is built beside the live one and swapped in whole, or not at all (the
// old edge serves on); only then are the apps reconciled. Each phase is reported, so a
// failure says what is live and what is not. The composition root hands over the parts a
// reload touches; this module holds no state but the queue of runs.
import { ConfigError } from '../config/diagnostics.js';
import type { SnapshotSource } from '../config/snapshot-source.js';
import type { Snapshot } from '../config/model.js';
import type { PoolDirectory, PoolLookup } from '../balance/pool-directory.js';
import type { Runtime } from '../edge/runtime.js';
import type { EdgeHandler } from '../edge/edge-handler.js';
import type { ListenerSet } from '../edge/listener-set.js';
import type { LimitLease, LimitStore } from '../guard/limit-store.js';
import type { RegistryRuntime } from '../registry/registry-runtime.js';
import type { ReleaseManager } from '../release/release-manager.js';
import type { ControlServer, ControlSettings } from '../control/control-server.js';
import type { Observability } from '../observe/observability.js';
import type { EventBus } from '../observe/events.js';
import type { Logger } from '../observe/logger.js';

/** How far a reload got, phase by phase: a failure says what is live and what is not. */
export interface ReloadPhases {
  /** The file was read and validated. */
  readonly config: 'ok' | 'failed';
  /** Routes, guards, pools, listeners, registry, access log, control and alert settings: all live, or none (the old edge serves on). */
  readonly edge: 'applied' | 'failed' | 'skipped';
  /** Apps started, stopped and changed to match the file; 'failed' leaves the new edge live. */
  readonly apps: 'reconciled' | 'failed' | 'skipped';
}

export interface ReloadResult {
  readonly ok: boolean;
  readonly hash?: string;
  readonly errors?: readonly string[];
  readonly phases: ReloadPhases;
}

export interface ReloadDeps {
  /** What a reload reads. */
  readonly source: SnapshotSource;
  readonly pools: Pick<PoolDirectory, 'stage'>;
  readonly limits: Pick<LimitStore, 'lease' | 'adopt'>;
  readonly listeners: Pick<ListenerSet, 'apply'>;
  readonly registry: Pick<RegistryRuntime, 'apply'>;
  readonly releases: Pick<ReleaseManager, 'load'>;
  readonly edge: Pick<EdgeHandler, 'runtime'>;
  readonly control: Pick<ControlServer, 'configure'>;
  readonly observe: Pick<Observability, 'configure'>;
  readonly events: EventBus;
  readonly logger: Logger;
  /** The snapshot as pools and supervisor see it: apps with their releases, and any canary beside them. */
  readonly withReleases: (snapshot: Snapshot) => Snapshot;
  /** A runtime for `snapshot` over `pools`, taking its limit guards from `limits`. */
  readonly runtime: (snapshot: Snapshot, pools: PoolLookup, limits: LimitLease) => Runtime;
  /** The control settings of `snapshot` with its token resolved (it may be kept in the state dir). */
  readonly controlSettings: (snapshot: Snapshot) => Promise<ControlSettings>;
  /** The running config becomes `snapshot`, with the access log it names. */
  readonly adopt: (snapshot: Snapshot) => void;
  readonly watchHealth: (snapshot: Snapshot) => void;
  /** Brings pools and supervisor in line with the running config. */
  readonly applyApps: () => Promise<void>;
}

export class ReloadTransaction {
  private running: Promise<ReloadResult> | undefined;
  /** The run that starts after the running one: every reload asked meanwhile shares it. */
  private queued: Promise<ReloadResult> | undefined;

  constructor(private readonly deps: ReloadDeps) {}

  /**
   * Re-reads the config file; a bad file is rejected whole and the running config stays. The
   * latest request wins: one asked while a reload runs starts a new run after it (reading the
   * file then), shared by every request asked in the meantime, as Traefik's watcher coalesces.
   */
  reload(): Promise<ReloadResult> {
    if (!this.running) return this.start();
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  private start(): Promise<ReloadResult> {
    const run = this.run().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** validate -> build and swap the edge (all or nothing) -> reconcile apps; each phase reported. */
  private async run(): Promise<ReloadResult> {
    const { deps } = this;
    let snapshot: Snapshot;
    try {
      snapshot = await deps.source.load();
    } catch (error) {
      const errors = error instanceof ConfigError ? error.message.split('\n') : [(error as Error).message];
      return this.failed(errors, { config: 'failed', edge: 'skipped', apps: 'skipped' }, 'config reload rejected; the running config stays');
    }
    try {
      const commitEdge = this.stageEdge(snapshot);
      await deps.listeners.apply(snapshot);
      await deps.registry.apply(snapshot.registry);
      await commitEdge();
    } catch (error) {
      return this.failed([(error as Error).message], { config: 'ok', edge: 'failed', apps: 'skipped' }, 'config reload failed; the running config stays');
    }
    try {
      await deps.releases.load(snapshot.apps.keys());
      await deps.applyApps();
    } catch (error) {
      const errors = [`apps not reconciled (the new routes and upstreams are live): ${(error as Error).message}`];
      return this.failed(errors, { config: 'ok', edge: 'applied', apps: 'failed' }, 'config reload half applied: edge live, apps not reconciled', snapshot.hash);
    }
    const phases: ReloadPhases = { config: 'ok', edge: 'applied', apps: 'reconciled' };
    deps.logger.info({ hash: snapshot.hash, phases }, 'config reloaded');
    deps.events.emit('reload', { ok: true, hash: snapshot.hash });
    return { ok: true, hash: snapshot.hash, phases };
  }

  /**
   * Builds the new pools, runtime and limit lease without touching what is live (a bad route
   * throws here); the returned commit swaps them in with the access log, control, health-check
   * and alert settings of `snapshot`.
   */
  private stageEdge(snapshot: Snapshot): () => Promise<void> {
    const { deps } = this;
    const staged = deps.pools.stage(deps.withReleases(snapshot));
    const limits = deps.limits.lease();
    const runtime = deps.runtime(snapshot, staged, limits);
    return async () => {
      const control = await deps.controlSettings(snapshot);
      staged.commit();
      deps.limits.adopt(limits);
      deps.edge.runtime = runtime;
      deps.adopt(snapshot);
      deps.control.configure(control);
      for (const warning of snapshot.warnings) deps.logger.warn(warning);
      deps.watchHealth(snapshot);
      deps.observe.configure(snapshot);
    };
  }

  private failed(errors: string[], phases: ReloadPhases, message: string, hash?: string): ReloadResult {
    this.deps.logger.error({ errors, phases }, message);
    this.deps.events.emit('reload', { ok: false, errors });
    return { ok: false, hash, errors, phases };
  }
}
