// One wharf node of a cluster, as the composition root sees it: it joins (lease + record),
// mirrors the shared config, the placement and every node's registry entries, reloads when
// the shared config moves, runs its share of each app's replicas, and keeps serving the last
// state it knew while etcd is away (degraded), catching up when etcd returns.
import type { AppConfig, Snapshot } from '../config/model.js';
import { ConfigError } from '../config/diagnostics.js';
import type { ConfigLoader } from '../config/load.js';
import { overlayNode } from '../config/node-overlay.js';
import type { SnapshotSource } from '../config/snapshot-source.js';
import type { Registry } from '../registry/registry.js';
import type { Logger } from '../observe/logger.js';
import { formatAddress } from '../net/address.js';
import { ClusterError, degraded } from './cluster-errors.js';
import { KEYS } from './cluster-keys.js';
import { ClusterStateFile } from './cluster-state-file.js';
import { createEtcdClient, EtcdLink, isEtcdAuthError, type LinkState } from './etcd-link.js';
import { Membership } from './membership.js';
import { NodeDirectory, type ClusterNodeView } from './node-directory.js';
import { PlacementRunner } from './placement-runner.js';
import { RegistrySync } from './registry-sync.js';
import { SharedConfig, type NodeConfigReport } from './shared-config.js';

export type { ClusterNodeView } from './node-directory.js';
import { EtcdReleaseStore } from './etcd-release-store.js';
import { CachedReleaseStore } from './release-cache.js';
import type { ReleaseStore } from '../release/release-store.js';

export interface ClusterNodeOptions {
  readonly loader: ConfigLoader;
  readonly logger: Logger;
  readonly version: string;
}

/** What the node asks of the rest of wharf once it runs. */
export interface ClusterHooks {
  readonly registry: Registry;
  /** The reload transaction (reads through `source`). */
  reload(): Promise<{ ok: boolean; errors?: readonly string[] }>;
  /** Brings the supervisor in line with placed() (this node's share changed). */
  applyApps(): Promise<void>;
  /** The running snapshot (for the revision it runs). */
  snapshot(): Snapshot;
  /** Another node (or this one) changed an app's releases. */
  releasesChanged(app: string): void;
  /** degraded / connected, for the event stream. */
  stateChanged(state: LinkState): void;
}

export interface ClusterStatus {
  readonly node: string;
  readonly state: LinkState;
  /** The shared config revision this node runs (0: its own file only) and the latest stored. */
  readonly revision: number;
  readonly latest: number;
  readonly leader: boolean;
  readonly nodes: number;
}

/** Each step of leaving the cluster gets this long. */
const CLOSE_STEP_MS = 1_500;
/** How long `wharf up` waits for etcd before starting from the saved state (or refusing). */
const STARTUP_WAIT_MS = 3_000;

export class ClusterNode {
  readonly link: EtcdLink;
  private readonly membership: Membership;
  private readonly shared: SharedConfig;
  private readonly directory: NodeDirectory;
  private readonly placement: PlacementRunner;
  private readonly sync: RegistrySync;
  private readonly stateFile: ClusterStateFile;
  private hooks: ClusterHooks | undefined;
  private joined = false;
  private joining: Promise<void> | undefined;
  private registry: Registry | undefined;
  private stopReleaseWatch: (() => Promise<void>) | undefined;
  readonly source: SnapshotSource;

  private constructor(
    private readonly nodeFile: string,
    private readonly stateDir: string,
    private readonly settings: NonNullable<Snapshot['cluster']>,
    control: string,
    private readonly options: ClusterNodeOptions,
  ) {
    const client = createEtcdClient(settings);
    this.link = new EtcdLink(client);
    const logger = options.logger;
    this.membership = new Membership(client, { name: settings.node, advertise: settings.advertise, control, labels: settings.labels, version: options.version }, settings.ttlMs, logger, () => {
      this.sync.rewriteAll();
      void this.report();
    });
    this.shared = new SharedConfig(client, () => void this.sharedConfigMoved());
    this.directory = new NodeDirectory(client, { name: settings.node, advertise: settings.advertise }, () => this.placement.recompute());
    const ttlSeconds = Math.max(1, Math.ceil(settings.ttlMs / 1000));
    this.placement = new PlacementRunner(client, settings.node, ttlSeconds, {
      apps: () => this.hooks?.snapshot().apps ?? new Map(),
      liveNodes: () => this.directory.liveNodes(),
      readyOn: (app) => new Map([...this.sync.readyByNode()].map(([node, apps]) => [node, apps.get(app) ?? 0])),
    }, logger, () => void this.hooks?.applyApps().catch((error: Error) => logger.error({ err: error.message }, 'cluster: applying placement failed')));
    this.sync = new RegistrySync(client, () => this.registry, settings.node, () => this.membership.leaseId, logger);
    this.stateFile = new ClusterStateFile(stateDir, [this.shared.config, this.placement.assignment, this.placement.scale, this.sync.mirror, this.directory.nodes, this.directory.members]);
    for (const mirror of [this.shared.config, this.placement.assignment, this.placement.scale, this.sync.mirror]) mirror.listen(() => this.stateFile.schedule());
    this.source = { load: () => this.load() };
  }

  /**
   * Connects and joins; when etcd cannot be reached within a few seconds, starts degraded
   * from the saved state, or refuses (WHARF_ETCD_UNREACHABLE) when there is none.
   */
  static async open(node: Snapshot, options: ClusterNodeOptions): Promise<{ node: ClusterNode; snapshot: Snapshot }> {
    const settings = node.cluster!;
    const cluster = new ClusterNode(node.file, node.stateDir, settings, formatAddress(node.control), options);
    try {
      await cluster.link.reachable(Math.max(STARTUP_WAIT_MS, settings.ttlMs));
    } catch (error) {
      if (isEtcdAuthError(error)) {
        cluster.link.close();
        throw new ClusterError('WHARF_ETCD_AUTH_FAILED', `etcd at ${settings.etcd.join(', ')} refused user ${JSON.stringify(settings.etcdAuth?.username ?? '')}: ${(error as Error).message}`);
      }
      const saved = cluster.stateFile.restore();
      if (!saved.restored) {
        cluster.link.close();
        throw new ClusterError(
          'WHARF_ETCD_UNREACHABLE',
          `etcd cannot be reached at ${settings.etcd.join(', ')} (${(error as Error).message}), and ${node.stateDir} holds no saved cluster state to start from`,
        );
      }
      options.logger.warn({ saved_at: new Date(saved.savedAt ?? 0).toISOString() }, 'cluster: etcd unreachable; starting degraded from the saved cluster state');
      cluster.link.start('degraded');
      return { node: cluster, snapshot: await cluster.load() };
    }
    try {
      await cluster.join();
    } catch (error) {
      cluster.link.close();
      throw error;
    }
    cluster.link.start('connected');
    return { node: cluster, snapshot: await cluster.load() };
  }

  private async join(): Promise<void> {
    await this.membership.join();
    await Promise.all([this.directory.start(), this.shared.start(), this.placement.start()]);
    this.joined = true;
  }

  /** Starts following the cluster with the rest of wharf built. */
  async attach(hooks: ClusterHooks): Promise<void> {
    this.hooks = hooks;
    this.registry = hooks.registry;
    this.link.onChange((state) => void this.linkChanged(state));
    hooks.registry.subscribe(() => this.placement.recompute());
    if (this.joined) await this.follow();
    else {
      this.sync.replay();
      // etcd may have come back between the degraded start and now, unheard.
      if (this.link.state === 'connected') void this.linkChanged('connected');
    }
    await this.report();
  }

  private async linkChanged(state: LinkState): Promise<void> {
    this.hooks?.stateChanged(state);
    if (state === 'degraded') {
      this.options.logger.warn({ node: this.settings.node }, 'cluster: etcd unreachable; serving the last known state (degraded)');
      return;
    }
    this.options.logger.info({ node: this.settings.node }, 'cluster: etcd reachable again; catching up');
    try {
      if (!this.joined) {
        this.joining ??= this.join().finally(() => (this.joining = undefined));
        await this.joining;
        await this.follow();
      } else {
        await Promise.all([this.directory.resync(), this.shared.config.resync(), this.shared.reports.resync(), this.placement.assignment.resync(), this.placement.scale.resync(), this.sync.mirror.resync()]);
        await this.sync.flush();
      }
      await this.report();
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'cluster: catching up failed; retried when etcd answers again');
    }
  }

  /** Starts what needs both etcd and the rest of wharf: the registry sync and the release watch. */
  private async follow(): Promise<void> {
    await this.sync.start();
    this.stopReleaseWatch ??= await this.watchReleases((app) => this.hooks?.releasesChanged(app));
  }

  /** The node's own file, with the applied config beneath it when there is one. */
  private async load(): Promise<Snapshot> {
    const node = await this.options.loader.load(this.nodeFile);
    const applied = this.shared.current();
    if (!applied) return node;
    const shared = this.options.loader.fromText(applied.file, applied.text, node.baseDir);
    return overlayNode(shared, node, { revision: applied.revision, file: applied.file });
  }

  private async sharedConfigMoved(): Promise<void> {
    if (!this.hooks) return;
    const result = await this.hooks.reload();
    // New apps or replicas: the leader places them.
    this.placement.recompute();
    if (!result.ok) this.options.logger.error({ errors: result.errors }, 'cluster: the applied config could not be applied on this node; the previous one keeps serving');
    await this.report(result.ok ? undefined : result.errors);
  }

  /** Writes which revision this node runs (and why not the latest, if it failed). */
  private async report(errors?: readonly string[]): Promise<void> {
    const revision = this.hooks?.snapshot().shared?.revision ?? 0;
    const latest = this.shared.current()?.revision ?? 0;
    const report: NodeConfigReport = errors && latest !== revision ? { revision, failed: { revision: latest, errors } } : { revision };
    await this.shared.report(this.settings.node, this.membership.leaseId, report).catch(() => {});
  }

  /**
   * `wharf apply`: the text is checked as this node would run it (FILE:LINE:COL errors, nothing
   * stored), then stored; every node (this one included) reloads from the watch.
   */
  async apply(file: string, text: string): Promise<{ revision: number }> {
    if (this.link.state === 'degraded') throw degraded('wharf apply');
    const node = await this.options.loader.load(this.nodeFile);
    try {
      this.options.loader.fromText(file, text, node.baseDir);
    } catch (error) {
      if (error instanceof ConfigError) throw new ClusterError('WHARF_CONFIG_REJECTED', `${file} was not applied: it has errors`, error.message.split('\n'));
      throw error;
    }
    return { revision: await this.shared.store(file, text) };
  }

  /** `wharf scale APP N` for an app with replicas: the cluster-wide count. */
  async scale(app: string, replicas: number): Promise<void> {
    if (this.link.state === 'degraded') throw degraded('wharf scale');
    await this.placement.setScale(app, replicas);
  }

  /** True when `app` is placed cluster-wide (its replicas count), not run on every node. */
  placesReplicas(name: string, app: AppConfig): boolean {
    return this.placement.replicasOf(name, app) !== undefined;
  }

  /**
   * Releases in etcd: every transition is a compare-and-put on the log's revision, so two nodes
   * racing one rollout cannot both win. Refused outright while etcd is away.
   */
  releaseStore(): ReleaseStore {
    return new CachedReleaseStore(
      new EtcdReleaseStore(this.link.client, KEYS.releases),
      this.stateDir,
      () => this.link.state === 'degraded' || !this.joined,
      () => this.assertWritable('a release change'),
    );
  }

  /** Calls `onChange(app)` when any node changes an app's releases. */
  watchReleases(onChange: (app: string) => void): Promise<() => Promise<void>> {
    return new EtcdReleaseStore(this.link.client, KEYS.releases).watch(onChange);
  }

  /** Each app with this node's share as its instance count. */
  placed(apps: ReadonlyMap<string, AppConfig>): Map<string, AppConfig> {
    return this.placement.placed(apps);
  }

  /** Refuses a change the rest of the cluster would not see. */
  assertWritable(what: string): void {
    if (this.link.state === 'degraded' || !this.joined) throw degraded(what);
  }

  view(): ClusterNodeView[] {
    return this.directory.view(this.sync.readyByNode(), (name) => this.shared.reportOf(name), this.placement.isLeader);
  }

  status(): ClusterStatus {
    return {
      node: this.settings.node,
      state: this.link.state,
      revision: this.hooks?.snapshot().shared?.revision ?? 0,
      latest: this.shared.current()?.revision ?? 0,
      leader: this.placement.isLeader,
      nodes: this.directory.nodes.entries().size,
    };
  }

  /** Leaves the cluster: this node's record and entries go at once (not after the TTL). */
  async close(): Promise<void> {
    // Leaving must never hold a shutdown: a step etcd does not answer is given up (the lease
    // then ends by itself after its TTL).
    const step = (what: string, work: () => Promise<unknown>) =>
      Promise.race([work().catch(() => {}), new Promise<void>((resolve) => setTimeout(resolve, CLOSE_STEP_MS).unref())]).then(() => {
        this.options.logger.debug({ step: what }, 'cluster: leaving');
      });
    await step('release watch', async () => this.stopReleaseWatch?.());
    await step('placement', () => this.placement.close());
    await step('registry sync', () => this.sync.close());
    await step('mirrors', () => Promise.all([this.directory.close(), this.shared.close()]));
    await step('lease', () => this.membership.leave());
    await step('saved state', () => this.stateFile.close());
    this.link.close();
  }
}
