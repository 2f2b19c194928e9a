// The composition root: the one place parts are created and wired. Everything else receives
// what it needs through its constructor.
import type { Writable } from 'node:stream';
import { ConfigLoader } from './config/load.js';
import { fileSource, type SnapshotSource } from './config/snapshot-source.js';
import type { Snapshot } from './config/model.js';
import { PoolDirectory, type PoolLookup } from './balance/pool-directory.js';
import { HealthProber } from './balance/health/health-prober.js';
import { DispatcherTable } from './edge/dispatchers.js';
import { AccessSink } from './edge/access-sink.js';
import type { StreamMeter } from './observe/heap-trim.js';
import { Runtime } from './edge/runtime.js';
import { EdgeHandler } from './edge/edge-handler.js';
import type { RetryLog } from './edge/proxy.js';
import { loggedRetries } from './edge/retry-log.js';
import { ListenerSet } from './edge/listener-set.js';
import { EventBus } from './observe/events.js';
import { createLogger, type Logger } from './observe/logger.js';
import { Supervisor } from './supervise/supervisor.js';
import { ControlServer, type NodeView } from './control/control-server.js';
import { ControlTokenKeeper } from './control/auth/control-token-keeper.js';
import { buildStatus, type WharfStatus } from './control/status.js';
import { Observability } from './observe/observability.js';
import { DashboardAssets } from './control/dashboard/assets.js';
import { observeRoutes } from './control/observe-routes.js';
import { releaseRoutes, view as releaseView } from './control/release-routes.js';
import type { ReleaseManager } from './release/release-manager.js';
import { FileReleaseStore } from './release/release-store.js';
import { ReleaseRuntime } from './release/release-runtime.js';
import { registerReleaseMetrics } from './observe/metrics/releases.js';
import type { RolloutStatus } from './release/rollout-status.js';
import { hostname } from 'node:os';
import { RegistryRuntime } from './registry/registry-runtime.js';
import { nodeIdentity } from './registry/node-identity.js';
import { servicesStatus } from './registry/registry-status.js';
import { RegistryMemberSource } from './registry/registry-member-source.js';
import { registerServiceMetrics } from './observe/metrics/services.js';
import { servicesRoute } from './control/services-route.js';
import { LimitStore, type LimitLease } from './guard/limit-store.js';
import { waitToOpenListeners } from './supervise/first-ready.js';
import type { ClusterNode, ClusterStatus } from './cluster/cluster-node.js';
import { clusterRoutes } from './control/cluster-routes.js';
import { registerClusterMetrics } from './observe/metrics/cluster.js';
import { wharfVersion } from './cli/version.js';
import { ReloadTransaction, type ReloadResult } from './reload/reload-transaction.js';

export type { ReloadPhases, ReloadResult } from './reload/reload-transaction.js';

export interface WharfOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** Where `access_log: stdout` goes (tests capture it). */
  readonly stdout?: Writable;
  /** Told every body chunk the edge forwards; `wharf up` passes its process's heap trim. */
  readonly meter?: StreamMeter;
  /**
   * Handles accepting on each listening socket (src/net/accept-handles.ts). One by default: each
   * extra handle costs a short-lived child process at listen time; `wharf up` passes more.
   */
  readonly acceptHandles?: number;
}

export class Wharf {
  readonly events = new EventBus();
  readonly pools = new PoolDirectory();
  private readonly dispatchers = new DispatcherTable();
  readonly logger: Logger;
  readonly supervisor: Supervisor;
  private readonly release: ReleaseRuntime;
  private readonly prober: HealthProber;
  private readonly edge: EdgeHandler;
  private readonly listeners: ListenerSet;
  private readonly control: ControlServer;
  /** Metrics, live rates, event stream and alerts. */
  readonly observe: Observability;
  /** The service registry: its /v1/ API, checks, state file, Consul API listener and DNS. */
  readonly registry: RegistryRuntime;
  private readonly access: AccessSink;
  private snapshotValue: Snapshot;
  private readonly reloads: ReloadTransaction;
  private readonly limits = new LimitStore();
  private readonly tokens: ControlTokenKeeper;
  private readonly retryLog: RetryLog;
  private shuttingDown = false;
  private stopped: Promise<void> | undefined;

  private constructor(
    snapshot: Snapshot,
    private readonly options: WharfOptions,
    source: SnapshotSource,
    /** Cluster mode: this node's membership, shared config, placement and registry sync. */
    private readonly cluster?: ClusterNode,
  ) {
    this.snapshotValue = snapshot;
    this.logger = options.logger ?? createLogger(snapshot.logLevel);
    this.tokens = new ControlTokenKeeper(this.logger);
    this.retryLog = loggedRetries(this.logger);
    this.access = new AccessSink(snapshot, {
      logger: this.logger,
      stdout: options.stdout,
      // this.observe and this.release are created below; records arrive only once listeners are open.
      counted: (record) => {
        this.observe.record(record);
        if (record.pool) this.release.observe(record.pool, record.status, record.durationMs);
      },
    });
    this.registry = new RegistryRuntime({
      stateDir: snapshot.stateDir,
      node: nodeIdentity(hostname()),
      // The control address gates every request itself; its own listener asks the same gate for the token (this.control
      // is created below: the gate is asked per request, never here).
      authorize: (req, url) => (this.control.requestGate.tokenPresented(req, url) ? 'ok' : 'unauthorized'),
      onStatusChange: (change) => this.events.emit('registry', change),
      onError: (error, what) => this.logger.error({ err: error.message }, `registry: ${what}`),
    });
    const catalog = this.registry.registry;
    // Pools over a registry service follow its passing instances; the edge never knows.
    this.pools.sources.register('service', (spec) => new RegistryMemberSource(catalog, spec.service, spec.tags));
    // In a cluster an app's pool is every node's ready instances: the registry holds them all (the routing mesh).
    if (cluster) this.pools.sources.register('supervisor', (_spec, pool) => new RegistryMemberSource(catalog, pool, []));
    this.pools.reconcile(snapshot);
    this.supervisor = new Supervisor({
      pools: this.pools,
      members: this.pools.sources.published,
      // Every supervised instance is registered under its app's name, passing only while ready.
      registry: catalog,
      events: this.events,
      logger: this.logger,
      stateDir: snapshot.stateDir,
      host: snapshot.cluster?.advertise,
    });
    this.prober = new HealthProber({ events: this.events, logger: this.logger });
    this.release = new ReleaseRuntime({
      store: cluster ? cluster.releaseStore() : new FileReleaseStore(snapshot.stateDir),
      stateDir: snapshot.stateDir,
      apps: () => this.snapshotValue.apps,
      apply: () => this.applyApps(),
      pool: (name) => this.pools.get(name),
      note: (app, line) => this.supervisor.note(app, line),
      events: this.events,
      logger: this.logger,
    });
    const limits = this.limits.lease();
    const runtime = this.buildRuntime(snapshot, this.pools, limits);
    this.limits.adopt(limits);
    this.edge = new EdgeHandler(runtime, {
      record: this.access.record,
      rejected: (route, rejection) => this.events.emit('reject', { route, reason: rejection.reason, status: rejection.status }),
    });
    this.listeners = new ListenerSet(this.edge, this.logger, (status, code, remoteAddress) => this.access.clientError(status, code, remoteAddress), options.acceptHandles);
    this.control = new ControlServer(this, this.logger, (entry) => this.events.emit('audit', entry));
    this.observe = new Observability({
      events: this.events,
      pools: this.pools,
      supervisor: this.supervisor,
      logger: this.logger,
      snapshot: () => this.snapshotValue,
      activeRequests: () => this.edge.activeRequests,
      openConnections: () => this.listeners.sum((l) => l.openConnections),
      openWebSockets: () => this.listeners.sum((l) => l.openWebSockets),
    });
    registerReleaseMetrics(this.observe.registry, { rollouts: () => this.release.readings() });
    this.control.mount(observeRoutes(this.observe, new DashboardAssets()));
    this.control.mount(releaseRoutes({ releases: this.releases, rollout: (app) => this.rollout(app), baseDir: () => this.snapshotValue.baseDir }));
    this.control.mount(this.registry.api);
    this.control.mount(servicesRoute(() => this.registry.registry.services()));
    registerServiceMetrics(this.observe.registry, this.registry.registry);
    this.control.mount(clusterRoutes(() => this.cluster));
    if (cluster) registerClusterMetrics(this.observe.registry, () => cluster.status());
    this.reloads = new ReloadTransaction({
      source, pools: this.pools, limits: this.limits, listeners: this.listeners, registry: this.registry, releases: this.releases,
      edge: this.edge, control: this.control, observe: this.observe, events: this.events, logger: this.logger,
      withReleases: (next) => this.withReleases(next),
      runtime: (next, pools, leased) => this.buildRuntime(next, pools, leased),
      controlSettings: (next) => this.tokens.settle(next.control, next.stateDir),
      adopt: (next) => this.adopt(next),
      watchHealth: (next) => this.watchHealth(next),
      applyApps: () => this.applyApps(),
    });
  }

  private buildRuntime(snapshot: Snapshot, pools: PoolLookup, limits: LimitLease): Runtime {
    return new Runtime(snapshot, { pools, dispatchers: this.dispatchers, split: this.release.split, limits, retryLog: this.retryLog, meter: this.options.meter });
  }

  /** The supervisor runs each app with its current release (and a canary's instances beside it). */
  private applyApps(): Promise<void> {
    const snapshot = this.withReleases(this.snapshotValue);
    // A canary's pool exists before its instances publish into it.
    this.pools.reconcile(snapshot);
    return this.supervisor.apply(snapshot.apps);
  }

  /** The snapshot as pools and supervisor see it: apps with their releases, and any canary beside them. */
  private withReleases(snapshot: Snapshot): Snapshot {
    return { ...snapshot, apps: this.release.effective(this.cluster ? this.cluster.placed(snapshot.apps) : snapshot.apps) };
  }

  /** Numbered releases and rollouts of every app. */
  get releases(): ReleaseManager {
    return this.release.manager;
  }

  rollout(app: string): RolloutStatus {
    return this.release.rollout(app, releaseView);
  }

  /** Loads the config and runs everything; see run(). */
  static async start(file: string, options: WharfOptions = {}): Promise<Wharf> {
    const wharf = await Wharf.load(file, options);
    await wharf.run();
    return wharf;
  }

  /** Loads the config and builds the parts without starting anything (nothing to stop yet). */
  static async load(file: string, options: WharfOptions = {}): Promise<Wharf> {
    const loader = new ConfigLoader(options.env ?? process.env);
    const snapshot = await loader.load(file);
    if (snapshot.cluster) {
      const logger = options.logger ?? createLogger(snapshot.logLevel);
      // Loaded only here: etcd's gRPC client is the largest module wharf has (4.5 MB of heap).
      const { ClusterNode } = await import('./cluster/cluster-node.js');
      const opened = await ClusterNode.open(snapshot, { loader, logger, version: wharfVersion() });
      return new Wharf(opened.snapshot, { ...options, logger }, opened.node.source, opened.node);
    }
    return new Wharf(snapshot, options, fileSource(loader, file));
  }

  /**
   * Starts the control API, then the apps, then the public listeners: those open once every
   * app has a ready instance (or has given up), or after timeouts.startup, so the first
   * requests are not answered 503 while apps boot. shutdown() may be called at any point of
   * this; run() then rejects with WHARF_SHUT_DOWN and leaves no process behind.
   */
  async run(): Promise<void> {
    const snapshot = this.snapshotValue;
    try {
      await this.control.start(await this.tokens.settle(snapshot.control, snapshot.stateDir));
      for (const warning of snapshot.warnings) this.logger.warn(warning);
      await this.registry.apply(snapshot.registry);
      await this.cluster?.attach({
        registry: this.registry.registry,
        reload: () => this.reload(),
        applyApps: () => this.applyApps(),
        snapshot: () => this.snapshotValue,
        releasesChanged: (app) => this.release.follow(app),
        stateChanged: (state) => this.events.emit('cluster', { node: snapshot.cluster!.node, state }),
      });
      this.watchHealth(snapshot);
      this.stopIfShutDown();
      await this.releases.load(snapshot.apps.keys());
      await this.startApps(snapshot);
      this.stopIfShutDown();
      this.releases.resumeAll();
      await this.listeners.apply(snapshot);
      this.stopIfShutDown();
    } catch (error) {
      await this.shutdown();
      throw error;
    }
    this.logger.info({ config: snapshot.file, hash: snapshot.hash, listen: this.edgeAddresses() }, 'wharf started');
  }

  private stopIfShutDown(): void {
    if (this.shuttingDown) throw Object.assign(new Error('wharf was stopped while starting'), { code: 'WHARF_SHUT_DOWN' });
  }

  private startApps(snapshot: Snapshot): Promise<void> {
    return waitToOpenListeners(this.applyApps(), {
      apps: this.withReleases(snapshot).apps,
      status: () => this.supervisor.status(),
      events: this.events,
      logger: this.logger,
      timeoutMs: snapshot.timeouts.startupMs,
      shuttingDown: () => this.shuttingDown,
    });
  }

  /** The token the control API requires: the config's, else the one kept in state_dir/control.token. */
  get controlToken(): string {
    return this.tokens.token;
  }

  get snapshot(): Snapshot {
    return this.snapshotValue;
  }

  edgeAddresses(): { host: string; port: number; tls: boolean }[] {
    return this.listeners.addresses();
  }

  controlAddress(): { host: string; port: number } {
    return this.control.address();
  }

  /** Without cluster mode the cluster is this machine: one node, always alive. */
  nodes(): { nodes: NodeView[] } {
    if (this.cluster) return { nodes: this.cluster.view() };
    const apps = Object.fromEntries(this.supervisor.status().map((app) => [app.name, app.instances.filter((i) => i.ready).length]));
    const control = this.controlAddress();
    return { nodes: [{ name: hostname(), address: control.host, state: 'alive', apps }] };
  }

  status(): WharfStatus & { cluster?: ClusterStatus } {
    const status = buildStatus(this.snapshotValue, this.pools, this.supervisor, this.edge.runtime, this.observe.rates, servicesStatus(this.registry.registry.services()));
    return this.cluster ? { ...status, cluster: this.cluster.status() } : status;
  }

  /** `wharf scale`: an app placed by replicas is scaled cluster-wide; otherwise this machine's instances. */
  async scale(app: string, instances: number): Promise<void> {
    const config = this.snapshotValue.apps.get(app);
    if (this.cluster && config && this.cluster.placesReplicas(app, config)) return this.cluster.scale(app, instances);
    await this.supervisor.scale(app, instances);
  }

  /** See ReloadTransaction: all of the edge or none of it, then the apps; each phase reported. */
  reload(): Promise<ReloadResult> {
    return this.reloads.reload();
  }

  /** The running config becomes `snapshot`: a reload's commit, with the access log it names. */
  private adopt(snapshot: Snapshot): void {
    this.access.adopt(snapshot);
    this.snapshotValue = snapshot;
  }

  /** SIGUSR1: reopen log files (logrotate). */
  reopenLogs(): void {
    this.access.reopen();
  }

  /** Stop accepting, drain in-flight requests (bounded by timeouts.shutdown), stop apps. */
  shutdown(): Promise<void> {
    this.stopped ??= this.stopEverything();
    return this.stopped;
  }

  private async stopEverything(): Promise<void> {
    this.shuttingDown = true;
    this.edge.draining = true;
    await this.listeners.closeWithin(this.snapshotValue.timeouts.shutdownMs);
    this.prober.stopAll();
    this.releases.close();
    // Leaving first: every other node drops this node's instances now, not after the lease TTL.
    await this.cluster?.close().catch((error: Error) => this.logger.warn({ err: error.message }, 'cluster: leaving failed; the lease expires by itself'));
    await this.supervisor.shutdown();
    await this.registry.close();
    this.observe.stop();
    await this.control.close();
    await this.access.close();
    await this.dispatchers.closeAll();
  }

  private watchHealth(snapshot: Snapshot): void {
    this.prober.watchAll(this.pools.all(), snapshot.upstreams);
  }
}
