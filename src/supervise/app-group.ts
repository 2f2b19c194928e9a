// One app: its instances, its pool membership (the ready instances), its log file and its
// memory limit. User actions on one app run one at a time, in order.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '../config/model.js';
import { serverOf } from '../config/normalize.js';
import { formatAddress } from '../net/address.js';
import type { PoolLookup } from '../balance/pool-directory.js';
import type { MemberSink } from '../balance/published-members.js';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import type { EventBus } from '../observe/events.js';
import type { Logger } from '../observe/logger.js';
import { SupervisorError } from './errors.js';
import { Instance } from './instance.js';
import type { InstanceHooks } from './instance-hooks.js';
import type { InstanceState } from './instance-state.js';
import { AppLog } from './app-log.js';
import { readRssBytes } from './memory.js';
import type { PortAllocator } from './ports.js';
import { replaceInstance, rollingReload, type ReplaceHost } from './rolling-reload.js';
import type { AppStatus } from './status.js';
import { AppRegistrations, type InstanceRegistry } from './registrations.js';

export interface AppGroupDeps {
  /** Where in-flight requests of a stopping instance are drained. */
  readonly pools: PoolLookup;
  /** Where the app's ready instances are published (its pool's member source). */
  readonly members: MemberSink;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly ports: PortAllocator;
  /** How often RSS is compared with max_memory. */
  readonly sampleIntervalMs: number;
  /** Any instance's process started or ended. */
  readonly processesChanged: () => void;
  /** Where instances are registered (service = app name); none: not registered anywhere. */
  readonly registry?: InstanceRegistry;
}

/** Consecutive RSS samples over max_memory before an instance is replaced. */
const MEMORY_STRIKES = 2;

export interface ProcessEntry {
  readonly app: string;
  readonly id: number;
  readonly pid: number;
  readonly startTime: number;
}

export class AppGroup implements ReplaceHost {
  private instances: Instance[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: AppLog;
  private readonly sampler: NodeJS.Timeout;
  private readonly memoryStrikes = new WeakMap<Instance, number>();
  private lastPool?: UpstreamPool;
  private disposed = false;
  private readonly hooks: InstanceHooks;
  private readonly registrations: AppRegistrations;

  constructor(
    readonly name: string,
    public config: AppConfig,
    private readonly deps: AppGroupDeps,
  ) {
    this.log = new AppLog(name, config.logs, deps.logger);
    this.registrations = new AppRegistrations(name, deps.registry, config.tags, deps.ports.host);
    this.hooks = {
      changed: (instance, from, to) => this.onTransition(instance, from, to),
      processChanged: () => deps.processesChanged(),
      drain: (instance) => this.drain(instance),
      output: (instance, stream, line) => this.log.write(instance.index, stream, line),
    };
    this.sampler = setInterval(() => this.sampleMemory(), deps.sampleIntervalMs);
    this.sampler.unref();
  }

  start(): Promise<void> {
    return this.serial(() => this.startAll());
  }

  stop(): Promise<void> {
    return this.serial(() => this.stopAll());
  }

  restart(): Promise<void> {
    return this.serial(async () => {
      await this.stopAll();
      await this.startAll();
    });
  }

  reload(config: AppConfig = this.config): Promise<void> {
    return this.serial(() => this.reloadWith(config));
  }

  scale(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0) {
      return Promise.reject(new SupervisorError('WHARF_INVALID_SCALE', `instances must be a whole number >= 0, got ${count}`));
    }
    return this.serial(() => this.scaleTo(count));
  }

  /**
   * A config reload: a new command, env, cwd or port mode means new processes (rolling
   * reload); a new instance count in the file scales (a count set live with `scale` stays
   * until the file's count changes); anything else applies to the running instances.
   */
  applyConfig(next: AppConfig, previous: AppConfig): Promise<void> {
    return this.serial(async () => {
      const countChanged = next.instances !== previous.instances;
      const config = countChanged ? next : { ...next, instances: this.config.instances };
      this.log.configure(config.logs);
      if (!sameProcessSpec(next, previous)) {
        await this.reloadWith(config);
      } else {
        this.config = config;
        for (const instance of this.instances) instance.setConfig(config);
      }
      this.registrations.retag(config.tags);
      if (countChanged) await this.scaleTo(next.instances);
    });
  }

  /** Stops every instance now (without waiting for queued actions) and closes the log. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearInterval(this.sampler);
    await Promise.all(this.instances.map((instance) => instance.close()));
    await this.queue;
    await Promise.all(this.instances.map((instance) => instance.close()));
    await this.log.close();
  }

  killNow(): void {
    for (const instance of this.instances) instance.killNow();
  }

  status(): AppStatus {
    const now = Date.now();
    const instances = [...this.instances].sort((a, b) => a.index - b.index || (a.startedAt ?? 0) - (b.startedAt ?? 0));
    return { name: this.name, instances: instances.map((instance) => instance.status(now)) };
  }

  processes(): ProcessEntry[] {
    return this.instances.flatMap((i) =>
      i.pid !== null && i.procStartTime !== null ? [{ app: this.name, id: i.index, pid: i.pid, startTime: i.procStartTime }] : [],
    );
  }

  note(line: string): void {
    this.log.write(0, 'wharf', line);
  }

  tail(lines: number): Promise<string[]> {
    return this.log.tail(lines);
  }

  follow(onLine: (line: string) => void): () => void {
    return this.log.follow(onLine);
  }

  // ReplaceHost

  members(): readonly Instance[] {
    return this.instances;
  }

  add(index: number, config: AppConfig, options: { autoRestart: boolean; restarts: number }): Instance {
    if (this.disposed) throw new SupervisorError('WHARF_SUPERVISOR_SHUT_DOWN', `${this.name} is shutting down`);
    const instance = new Instance({ app: this.name, index, config, ports: this.deps.ports, hooks: this.hooks, ...options });
    this.instances.push(instance);
    return instance;
  }

  async retire(instance: Instance): Promise<void> {
    await instance.close();
    this.instances = this.instances.filter((i) => i !== instance);
  }

  // internals

  private serial<T>(action: () => Promise<T>): Promise<T> {
    const run = this.queue.then(action, action);
    this.queue = run.catch(() => {});
    return run;
  }

  private async startAll(): Promise<void> {
    if (this.disposed) return;
    for (let index = 0; index < this.config.instances; index++) {
      if (!this.instances.some((i) => i.index === index)) this.add(index, this.config, { autoRestart: true, restarts: 0 });
    }
    await Promise.all(this.instances.map((instance) => instance.start()));
  }

  private async stopAll(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.stop()));
  }

  private async reloadWith(config: AppConfig): Promise<void> {
    this.config = config;
    await rollingReload(this, config);
  }

  private async scaleTo(count: number): Promise<void> {
    this.config = { ...this.config, instances: count };
    const extra = this.instances.filter((i) => i.index >= count);
    await Promise.all(extra.map((instance) => this.retire(instance)));
    const added: Instance[] = [];
    for (let index = 0; index < count; index++) {
      if (!this.instances.some((i) => i.index === index)) added.push(this.add(index, this.config, { autoRestart: true, restarts: 0 }));
    }
    await Promise.all(added.map((instance) => instance.start()));
  }

  private onTransition(instance: Instance, from: InstanceState, to: InstanceState): void {
    // Pool first: whoever hears the event sees a pool that already agrees with it.
    if (from === 'ready' || to === 'ready') this.publishMembers();
    this.registrations.changed(instance, from, to);
    const { pid, port, reason } = instance;
    this.deps.events.emit('instance', {
      app: this.name,
      id: instance.index,
      ...(pid !== null && { pid }),
      ...(port !== null && { port }),
      from,
      to,
      ...(reason !== undefined && { reason }),
    });
    const level = to === 'fatal' ? 'error' : to === 'backoff' || (to === 'exited' && from !== 'stopping') ? 'warn' : 'info';
    this.deps.logger[level]({ app: this.name, instance: instance.index, pid, port, from, to, reason }, `${this.name}.${instance.index} ${from} -> ${to}`);
    // The app's own log tells its life story too, so `wharf logs` alone explains a restart.
    const detail = to === 'starting' ? `pid ${pid ?? '-'} port ${port ?? '-'}` : (reason ?? '');
    this.log.write(instance.index, 'wharf', `${to} ${detail}`.trim());
  }

  private pool(): UpstreamPool | undefined {
    // Kept after the directory drops the pool (app removed) so its in-flight requests can drain.
    this.lastPool = this.deps.pools.get(this.name) ?? this.lastPool;
    return this.lastPool;
  }

  private publishMembers(): void {
    const members = this.instances.filter((i) => i.state === 'ready' && i.port !== null).map((i) => serverOf(formatAddress({ host: this.deps.ports.host, port: i.port! })));
    // The pool (subscribed to this name) starts joining peers fresh and forgets departed ones once they are idle.
    this.deps.members.publish(this.name, members);
  }

  private async drain(instance: Instance): Promise<void> {
    const pool = this.pool();
    const address = instance.address;
    if (!pool || !address) return;
    const timeout = new AbortController();
    await Promise.race([pool.drain(address), sleep(instance.config.stopTimeoutMs, undefined, { signal: timeout.signal }).catch(() => {})]);
    timeout.abort();
  }

  /**
   * An instance is replaced once two samples in a row are over max_memory ("stays above"),
   * so one short spike does not cost a process.
   */
  private sampleMemory(): void {
    const limit = this.config.maxMemory;
    if (limit <= 0 || this.disposed) return;
    for (const instance of this.instances) {
      if (instance.state !== 'ready' || instance.replacing || instance.pid === null) continue;
      const rss = readRssBytes(instance.pid);
      const over = rss !== undefined && rss > limit;
      const strikes = over ? (this.memoryStrikes.get(instance) ?? 0) + 1 : 0;
      this.memoryStrikes.set(instance, strikes);
      if (strikes < MEMORY_STRIKES) continue;
      this.memoryStrikes.delete(instance);
      instance.replacing = true;
      this.deps.logger.warn({ app: this.name, instance: instance.index, pid: instance.pid, rss, limit }, 'instance over max_memory; replacing it');
      this.log.write(instance.index, 'wharf', `rss ${rss} bytes over max_memory ${limit}; replacing`);
      this.serial(async () => {
        if (!this.instances.includes(instance) || instance.state !== 'ready') return;
        await replaceInstance(this, instance, this.config);
      }).catch((error: Error) => {
        instance.replacing = false;
        this.deps.logger.error({ app: this.name, instance: instance.index, err: error }, 'memory replacement failed; the instance keeps serving');
      });
    }
  }
}

function sameProcessSpec(a: AppConfig, b: AppConfig): boolean {
  return (
    a.cwd === b.cwd &&
    a.port === b.port &&
    a.waitReady === b.waitReady &&
    JSON.stringify(a.argv) === JSON.stringify(b.argv) &&
    JSON.stringify(Object.entries(a.env).sort()) === JSON.stringify(Object.entries(b.env).sort())
  );
}
