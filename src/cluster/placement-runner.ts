// Placement across the cluster (Swarm's scheduler): one node, elected through etcd's election
// API, turns the apps' `replicas` (or `wharf scale` overrides), their constraints and the live
// nodes into an assignment and writes it; every node mirrors the assignment and runs its share.
// A move from one node to another is written in two steps: first the new instances are added
// (surge), and only once they are ready on their nodes are the old ones taken away, so no
// healthy instance stops before its replacement serves.
import type { Campaign, Etcd3, ElectionObserver } from 'etcd3';
import type { AppConfig } from '../config/model.js';
import type { Logger } from '../observe/logger.js';
import { KEYS } from './cluster-keys.js';
import { parseConstraint, type NodeFacts } from '../config/placement-constraints.js';
import { place, sameAssignment, surge, type AppDemand, type Assignment } from './placement.js';
import { PrefixMirror } from './prefix-mirror.js';

export interface PlacementInputs {
  /** The apps of the running config. */
  apps(): ReadonlyMap<string, AppConfig>;
  /** Live nodes with their labels. */
  liveNodes(): NodeFacts[];
  /** Ready instances per node of `app`. */
  readyOn(app: string): ReadonlyMap<string, number>;
}

const RECOMPUTE_DELAY_MS = 50;
/** Before following the election again, or campaigning again, after a failure. */
const RETRY_MS = 500;
/**
 * Every node campaigns, so a healthy cluster always has a leader. An observer that has seen
 * none for two checks in a row (2-4 s) has missed an event: it is replaced by a fresh one, which
 * reads the leader afresh. Seen under load: every node waiting for a leader nobody observed.
 */
const LEADER_CHECK_MS = 2_000;
/** A surge that never becomes ready is finished anyway after this (the old instances then stop). */
const SURGE_TIMEOUT_MS = 60_000;

export class PlacementRunner {
  readonly assignment: PrefixMirror;
  readonly scale: PrefixMirror;
  private campaign: Campaign | undefined;
  private leaderCheck: NodeJS.Timeout | undefined;
  private leaderlessChecks = 0;
  /** Who leads, as etcd says now: a campaign that believes it won after etcd came back may be stale. */
  private observer: ElectionObserver | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** The target a surge is waiting on, and when the surge was written. */
  private pending: { target: Assignment; before: Assignment; since: number } | undefined;
  private closed = false;

  constructor(
    private readonly client: Etcd3,
    private readonly node: string,
    private readonly ttlSeconds: number,
    private readonly inputs: PlacementInputs,
    private readonly logger: Logger,
    /** The assignment or a scale override changed: this node's share may differ. */
    onChange: () => void,
  ) {
    this.assignment = new PrefixMirror(client, KEYS.placement, () => onChange());
    this.scale = new PrefixMirror(client, KEYS.scale, () => {
      onChange();
      this.recompute();
    });
  }

  get isLeader(): boolean {
    return !this.closed && this.observer?.leader() === this.node;
  }

  async start(): Promise<void> {
    await this.assignment.start();
    await this.scale.start();
    await this.observe();
    this.campaignNow();
    this.leaderCheck = setInterval(() => this.followAgainIfLeaderless(), LEADER_CHECK_MS).unref();
  }

  private followAgainIfLeaderless(): void {
    const observer = this.observer;
    if (this.closed || !observer || observer.leader() !== undefined) {
      this.leaderlessChecks = 0;
      return;
    }
    if (++this.leaderlessChecks < 2) return;
    this.leaderlessChecks = 0;
    this.observer = undefined;
    void observer.cancel().catch(() => {});
    this.logger.warn({ node: this.node }, 'cluster: no placement leader seen for a while; following the election afresh');
    void this.observe();
  }

  /**
   * Follows who leads. An observer that fails (a call past its deadline on a loaded machine, a
   * watch cut) has stopped for good, and its last answer is stale: it is dropped at once, so
   * this node computes nothing meanwhile, and a new one follows after RETRY_MS.
   */
  private async observe(): Promise<void> {
    if (this.closed) return;
    let observer: ElectionObserver;
    try {
      observer = await this.client.election(KEYS.election, this.ttlSeconds).observe();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'cluster: cannot follow the placement election; trying again');
      setTimeout(() => void this.observe(), RETRY_MS).unref();
      return;
    }
    // Closed meanwhile, or another retry got there first.
    if (this.closed || this.observer) {
      await observer.cancel().catch(() => {});
      return;
    }
    this.observer = observer;
    observer.on('change', (leader) => {
      if (leader === this.node) this.logger.info({ node: this.node }, 'cluster: this node computes placement (elected)');
      this.recompute();
    });
    observer.on('error', (error: Error) => {
      if (this.observer !== observer) return;
      this.observer = undefined;
      this.logger.warn({ err: error.message }, 'cluster: following the placement election failed; following again');
      setTimeout(() => void this.observe(), RETRY_MS).unref();
    });
    this.recompute();
  }

  /** The current assignment (the last one written, as mirrored). */
  current(): Assignment {
    const held = this.assignment.get('');
    return held ? (JSON.parse(held.value) as Assignment) : {};
  }

  /** The cluster-wide count of `app`: a `wharf scale` override, else its replicas. */
  replicasOf(name: string, app: AppConfig): number | undefined {
    const override = this.scale.get(name);
    if (override) return Number(override.value);
    return app.replicas;
  }

  /** Each app with this node's share of its replicas as `instances` (apps without replicas run on every node). */
  placed(apps: ReadonlyMap<string, AppConfig>): Map<string, AppConfig> {
    const assignment = this.current();
    const out = new Map<string, AppConfig>();
    for (const [name, app] of apps) {
      if (this.replicasOf(name, app) === undefined) out.set(name, app);
      else out.set(name, { ...app, instances: assignment[name]?.[this.node] ?? 0 });
    }
    return out;
  }

  async setScale(app: string, replicas: number): Promise<void> {
    await this.client.put(KEYS.scale + app).value(String(replicas)).exec();
  }

  private campaignNow(): void {
    if (this.closed) return;
    const campaign = this.client.election(KEYS.election, this.ttlSeconds).campaign(this.node);
    this.campaign = campaign;
    campaign.on('elected', () => {
      this.logger.info({ node: this.node }, 'cluster: placement campaign won');
      this.recompute();
    });
    campaign.on('error', (error: Error) => {
      if (this.campaign !== campaign) return;
      this.campaign = undefined;
      this.logger.warn({ err: error.message }, 'cluster: placement election lost; campaigning again');
      setTimeout(() => this.campaignNow(), RETRY_MS).unref();
    });
  }

  /** Something placement depends on changed (nodes, apps, readiness): the leader looks again. */
  recompute(): void {
    if (!this.isLeader || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, RECOMPUTE_DELAY_MS);
  }

  private run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.compute()
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'cluster: placement not written; retried on the next change'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.recompute();
        }
      });
    return this.running;
  }

  private async compute(): Promise<void> {
    if (!this.isLeader) return;
    const demands: AppDemand[] = [];
    for (const [name, app] of this.inputs.apps()) {
      const replicas = this.replicasOf(name, app);
      if (replicas !== undefined) demands.push({ name, replicas, constraints: app.constraints.map(parseConstraint) });
    }
    const current = this.current();
    // During a move, the target is computed from where instances stood before the surge.
    const { assignment: target, unplaced } = place(demands, this.inputs.liveNodes(), this.pending?.before ?? current);
    for (const gap of unplaced) this.logger.warn({ app: gap.app, missing: gap.missing }, `cluster: ${gap.missing} replicas of ${gap.app} cannot be placed: ${gap.reason}`);
    let next = target;
    const waiting = this.pending && sameAssignment(this.pending.target, target) ? this.pending : undefined;
    if (movesInstances(current, target)) {
      // Phase one: the gaining nodes start their new instances; nobody stops yet.
      this.pending = { target, before: waiting?.before ?? current, since: waiting?.since ?? Date.now() };
      next = surge(current, target);
      setTimeout(() => this.recompute(), 500).unref();
    } else if (waiting && !this.grown(waiting) && Date.now() - waiting.since < SURGE_TIMEOUT_MS) {
      // Phase two waits until the new instances are ready where they were added.
      next = current;
      setTimeout(() => this.recompute(), 500).unref();
    } else {
      this.pending = undefined;
    }
    if (sameAssignment(next, current)) return;
    await this.client.put(KEYS.placement).value(JSON.stringify(next)).exec();
    this.logger.info({ assignment: next }, 'cluster: placement written');
  }

  /** Every node that gains instances in the pending move has that many ready. */
  private grown(pending: { target: Assignment; before: Assignment }): boolean {
    for (const [app, nodes] of Object.entries(pending.target)) {
      const ready = this.inputs.readyOn(app);
      for (const [node, count] of Object.entries(nodes)) {
        if (count > (pending.before[app]?.[node] ?? 0) && (ready.get(node) ?? 0) < count) return false;
      }
    }
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.leaderCheck);
    const campaign = this.campaign;
    this.campaign = undefined;
    await campaign?.resign().catch(() => {});
    await this.observer?.cancel().catch(() => {});
    await Promise.all([this.assignment.close(), this.scale.close()]);
  }
}

/** True when some node loses instances of an app that another node gains (a move, not a scale). */
function movesInstances(current: Assignment, target: Assignment): boolean {
  for (const app of new Set([...Object.keys(current), ...Object.keys(target)])) {
    let gains = false;
    let losses = false;
    for (const node of new Set([...Object.keys(current[app] ?? {}), ...Object.keys(target[app] ?? {})])) {
      const before = current[app]?.[node] ?? 0;
      const after = target[app]?.[node] ?? 0;
      if (after > before) gains = true;
      if (after < before) losses = true;
    }
    if (gains && losses) return true;
  }
  return false;
}
