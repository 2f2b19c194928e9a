// The supervisor: every app of the config as a group of supervised instances whose ready
// members form the app's pool. The composition root calls apply() with each new config
// snapshot; the control API calls the per-app actions.
import type { AppConfig } from '../config/model.js';
import type { PoolLookup } from '../balance/pool-directory.js';
import type { MemberSink } from '../balance/published-members.js';
import type { EventBus } from '../observe/events.js';
import type { Logger } from '../observe/logger.js';
import { AppGroup } from './app-group.js';
import { SupervisorError, unknownApp } from './errors.js';
import { stopOrphans } from './orphans.js';
import { PidFile, recordOf, type ProcessRecord } from './pid-file.js';
import { PortAllocator } from './ports.js';
import type { AppStatus } from './status.js';
import type { InstanceRegistry } from './registrations.js';

export type { AppStatus, ExitRecord, InstanceStatus } from './status.js';
export type { InstanceRegistry } from './registrations.js';
export { SupervisorError } from './errors.js';

export interface SupervisorDeps {
  /** The apps' pools, to drain a stopping instance's requests. */
  readonly pools: PoolLookup;
  /** Each app's ready instances are published here under the app's name (its pool's source). */
  readonly members: MemberSink;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly stateDir: string;
  /** Where every app's instances are registered (service = app name, tags = the app's tags). */
  readonly registry?: InstanceRegistry;
  /** Where instances listen, given to them as $HOST; default 127.0.0.1 (a cluster node's advertise address). */
  readonly host?: string;
  /** How often RSS is compared with max_memory; default 2 s. */
  readonly sampleIntervalMs?: number;
}

const DEFAULT_SAMPLE_INTERVAL_MS = 2_000;
/** Stop deadline for leftovers of apps no longer in the config. */
const ORPHAN_STOP_TIMEOUT_MS = 10_000;

export class Supervisor {
  private readonly groups = new Map<string, AppGroup>();
  /** The config each group was last applied with, as written in the file. */
  private readonly applied = new Map<string, AppConfig>();
  private readonly ports: PortAllocator;
  private readonly pidFile: PidFile;
  private readonly owner: ProcessRecord;
  private applying: Promise<unknown> = Promise.resolve();
  private started = false;
  private closed = false;
  private readonly killOnExit = () => this.killAllNow();

  constructor(private readonly deps: SupervisorDeps) {
    this.ports = new PortAllocator(deps.host);
    this.pidFile = new PidFile(deps.stateDir);
    this.owner = recordOf(process.pid) ?? { pid: process.pid, startTime: 0 };
  }

  /**
   * The first call stops processes a killed predecessor left behind (pid file), then starts
   * every app. Later calls start new apps, stop removed ones, scale changed counts and
   * rolling-reload apps whose command, env, cwd or port changed. Resolves once every app has
   * settled (its instances ready or their first start failed); rejects with
   * WHARF_APPLY_FAILED if an app could not be brought in line (the others still are).
   */
  apply(apps: ReadonlyMap<string, AppConfig>): Promise<void> {
    const run = this.applying.then(() => this.applyNow(apps));
    this.applying = run.catch(() => {});
    return run;
  }

  async start(app: string): Promise<void> {
    await this.group(app).start();
  }

  async stop(app: string): Promise<void> {
    await this.group(app).stop();
  }

  /** Stops every instance, then starts them all again. */
  async restart(app: string): Promise<void> {
    await this.group(app).restart();
  }

  /** Zero-downtime rolling restart; rejects with WHARF_RELOAD_ABORTED if a replacement never becomes ready. */
  async reload(app: string): Promise<void> {
    await this.group(app).reload();
  }

  async scale(app: string, instances: number): Promise<void> {
    await this.group(app).scale(instances);
  }

  /** A line of wharf's own about the app (a release build's output) in the app's log. */
  note(app: string, line: string): void {
    this.groups.get(app)?.note(line);
  }

  status(): AppStatus[] {
    return [...this.groups.values()].map((group) => group.status());
  }

  async logs(app: string, lines: number): Promise<string[]> {
    return this.group(app).tail(lines);
  }

  followLogs(app: string, onLine: (line: string) => void): () => void {
    return this.group(app).follow(onLine);
  }

  /** Stops every instance gracefully (drained first) and removes the pid file. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.groups.values()].map((group) => group.dispose()));
    // Only a supervisor that got past the orphan check owns the file (another wharf may).
    if (this.started) this.pidFile.remove();
    process.off('exit', this.killOnExit);
  }

  private group(app: string): AppGroup {
    const group = this.groups.get(app);
    if (!group) throw unknownApp(app);
    return group;
  }

  private async applyNow(apps: ReadonlyMap<string, AppConfig>): Promise<void> {
    if (this.closed) throw new SupervisorError('WHARF_SUPERVISOR_SHUT_DOWN', 'the supervisor has shut down');
    if (!this.started) {
      const stopped = await stopOrphans(
        this.pidFile,
        {
          stopOf: (app) => {
            const config = apps.get(app);
            return { signal: config?.stopSignal ?? 'SIGTERM', timeoutMs: config?.stopTimeoutMs ?? ORPHAN_STOP_TIMEOUT_MS };
          },
        },
        this.deps.logger,
      );
      if (stopped > 0) this.deps.logger.warn({ stopped }, 'stopped processes left by a previous wharf');
      this.started = true;
      process.on('exit', this.killOnExit);
    }
    const tasks: Promise<void>[] = [];
    for (const [name, group] of this.groups) {
      if (apps.has(name)) continue;
      tasks.push(
        group.dispose().finally(() => {
          this.groups.delete(name);
          this.applied.delete(name);
        }),
      );
    }
    for (const [name, config] of apps) {
      const group = this.groups.get(name);
      const previous = this.applied.get(name);
      this.applied.set(name, config);
      if (group && previous) {
        tasks.push(group.applyConfig(config, previous));
      } else if (!this.closed) {
        const created = new AppGroup(name, config, {
          pools: this.deps.pools,
          members: this.deps.members,
          registry: this.deps.registry,
          events: this.deps.events,
          logger: this.deps.logger,
          ports: this.ports,
          sampleIntervalMs: this.deps.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS,
          processesChanged: () => this.writePidFile(),
        });
        this.groups.set(name, created);
        tasks.push(created.start());
      }
    }
    const failures = (await Promise.allSettled(tasks)).flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length > 0) {
      throw new SupervisorError('WHARF_APPLY_FAILED', failures.map((error) => error.message).join('; '), { cause: failures[0] });
    }
  }

  private writePidFile(): void {
    const children = [...this.groups.values()].flatMap((group) => group.processes());
    try {
      if (children.length === 0 && this.closed) this.pidFile.remove();
      else this.pidFile.write({ owner: this.owner, children });
    } catch (error) {
      this.deps.logger.error({ err: error, file: this.pidFile.path }, 'cannot write the pid file');
    }
  }

  /** process 'exit' cannot wait: SIGKILL every group so no child outlives wharf. */
  private killAllNow(): void {
    for (const group of this.groups.values()) group.killNow();
    try {
      this.pidFile.remove();
    } catch {
      // Nothing more can be done while exiting.
    }
  }
}
