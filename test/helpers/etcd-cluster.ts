// A real etcd cluster on loopback for cluster-mode tests: a mock would agree with whatever the
// code under test assumes about revisions, leader changes and reconnects; etcd does not.
//
// API
//   etcdMissing(): string | false
//       For `describe(name, { skip: etcdMissing() }, ...)`: a skip reason when etcd is not
//       installed, false when it is; throws when WHARF_REQUIRE_INTEROP is set and it is missing.
//   etcdOrSkip(t): boolean
//       Inside a test: true when etcd is installed; otherwise skips `t` (or fails it when
//       WHARF_REQUIRE_INTEROP is set) and returns false.
//   startEtcdCluster(options?: { members?: number; t?: { after(fn) } }): Promise<EtcdCluster>
//       Starts `members` (default 3) etcd processes, each with its own temp data dir and two
//       free loopback ports, and resolves once every member answers and all agree on a leader.
//       With `t`, `t.after(() => cluster.stop())` is registered. Otherwise register
//       `after(() => cluster?.stop())` yourself. As a last resort the members are SIGKILLed and
//       the dirs removed when the test process exits or gets SIGTERM/SIGINT, and the members
//       die with it (parent-death signal) even when it is SIGKILLed.
//   cluster.endpoints: string[]                  every member's client URL (http://127.0.0.1:P)
//   cluster.members: EtcdMember[]                name, clientUrl, peerUrl, dataDir, pid, running
//   cluster.member(name): EtcdMember
//   await cluster.leader(): string               name of the member that leads now (polls)
//   await cluster.kill(name, signal = 'SIGKILL') resolves once the process has exited
//   await cluster.restart(name)                  same data dir and ports; waits until it answers
//                                                and, when a quorum runs, for a leader
//   await cluster.killAll()
//   await cluster.restartAll()                   starts every stopped member; waits for a leader
//   await cluster.stop()                         kills everything, removes the temp dirs; twice is fine
//   cluster.logs(name?, lastChars?): string      the tail of one member's (or every member's) log
//   eventually(what, attempt, timeoutMs = 15000): Promise<T>   (re-exported from eventually.ts)
//       Runs `attempt` until it resolves (bounded); for client calls across a leader change.
//   waitFor(what, check, timeoutMs = 10000): Promise<void>     (re-exported from eventually.ts)
//       Polls `check` until it returns true (bounded); keep assert out of `check` (see there).
//
// Errors carry `code`: WHARF_TEST_ETCD_TIMEOUT (with every member's log tail in the message;
// eventually/waitFor: WHARF_TEST_TIMEOUT),
// WHARF_TEST_ETCD_UNKNOWN_MEMBER, WHARF_TEST_ETCD_STOPPED, WHARF_TEST_ETCD_MISSING.
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { interopRequired, skipMissing } from './backends.js';
import { EtcdMemberProcess, freePorts } from './etcd-member.js';

export { eventually, waitFor } from './eventually.js';

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** Undefined while the member is not running; a restart gives it a new one. */
  readonly pid: number | undefined;
  readonly running: boolean;
}

export interface EtcdClusterOptions {
  readonly members?: number;
  readonly t?: { after(fn: () => Promise<void>): void };
}

export class EtcdHarnessError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The etcd binary: PATH first (a CI image may put a newer one there), then Debian's. */
export function etcdBinary(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...dirs.map((dir) => join(dir, 'etcd')), '/usr/bin/etcd'].find((path) => existsSync(path));
}

export function etcdMissing(): string | false {
  if (etcdBinary()) return false;
  if (interopRequired()) throw new EtcdHarnessError('WHARF_TEST_ETCD_MISSING', 'etcd is required (WHARF_REQUIRE_INTEROP is set) but missing');
  return 'etcd is not installed (apt-get install etcd-server)';
}

export function etcdOrSkip(t: { skip(message: string): void }): boolean {
  if (etcdBinary()) return true;
  skipMissing(t, 'etcd (apt-get install etcd-server)');
  return false;
}

/** Startups lost to a port another program took between freePorts() and etcd's bind. */
const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 20_000;
const POLL_MS = 50;
const EXIT_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const binary = etcdBinary();
  if (!binary) throw new EtcdHarnessError('WHARF_TEST_ETCD_MISSING', 'etcd is not installed');
  const size = options.members ?? 3;
  for (let attempt = 1; ; attempt++) {
    const cluster = await EtcdCluster.create(binary, size);
    options.t?.after(() => cluster.stop());
    try {
      await cluster.waitReady();
      return cluster;
    } catch (error) {
      const portTaken = /address already in use/i.test(cluster.logs());
      await cluster.stop();
      if (!portTaken || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

interface Status {
  readonly id: string;
  readonly leader: string;
  readonly term: number;
}

export class EtcdCluster {
  private stopping: Promise<void> | undefined;
  private readonly onExit = (): void => {
    this.detach();
    for (const member of this.processes) member.killNow();
    rmSync(this.baseDir, { recursive: true, force: true });
  };
  // The test runner ends a file that overran its timeout with SIGTERM, which runs no 'exit'
  // listener; the data dirs (about 120 MB each, etcd preallocates its WAL) would stay behind.
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.onExit();
    // Raised again so the process still ends as it would have, unless another listener decides.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  private constructor(private readonly baseDir: string, private readonly processes: readonly EtcdMemberProcess[]) {
    process.once('exit', this.onExit);
    for (const signal of EXIT_SIGNALS) process.once(signal, this.onSignal);
  }

  private detach(): void {
    process.removeListener('exit', this.onExit);
    for (const signal of EXIT_SIGNALS) process.removeListener(signal, this.onSignal);
  }

  static async create(binary: string, size: number): Promise<EtcdCluster> {
    const baseDir = await mkdtemp(join(tmpdir(), 'wharf-etcd-'));
    const ports = await freePorts(size * 2);
    const names = Array.from({ length: size }, (_, i) => `etcd${i}`);
    const peerUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]}`;
    const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(',');
    // A cluster token of its own: members of another test's cluster that reuse a port can never join.
    const token = `wharf-test-${randomBytes(6).toString('hex')}`;
    const processes = names.map((name, i) => {
      const clientUrl = `http://127.0.0.1:${ports[2 * i]}`;
      const dataDir = join(baseDir, name);
      const args = [
        '--name', name,
        '--data-dir', dataDir,
        '--listen-client-urls', clientUrl,
        '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl(i),
        '--initial-advertise-peer-urls', peerUrl(i),
        '--initial-cluster', initialCluster,
        // Ignored once the data dir exists, which is what lets restart() reuse these arguments.
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', token,
        // Fast timings: a lost leader is replaced in about a second rather than several.
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
        '--logger', 'zap',
        '--log-outputs', 'stderr',
      ];
      return new EtcdMemberProcess(name, clientUrl, peerUrl(i), dataDir, binary, args);
    });
    const cluster = new EtcdCluster(baseDir, processes);
    for (const member of processes) member.start();
    return cluster;
  }

  get endpoints(): string[] {
    return this.processes.map((member) => member.clientUrl);
  }

  get members(): EtcdMember[] {
    return this.processes.map((member) => this.member(member.name));
  }

  member(name: string): EtcdMember {
    const member = this.find(name);
    return { name, clientUrl: member.clientUrl, peerUrl: member.peerUrl, dataDir: member.dataDir, pid: member.pid, running: member.running };
  }

  logs(name?: string, lastChars = Infinity): string {
    const chosen = name === undefined ? this.processes : [this.find(name)];
    return chosen.map((member) => `==== ${member.name} ====\n${member.log().slice(-lastChars)}`).join('\n');
  }

  async leader(): Promise<string> {
    return this.poll('a leader', async () => (await this.agreedLeader(false)) ?? undefined);
  }

  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.find(name).kill(signal);
  }

  /** Starts the member again (killing it first if it runs) and waits as described above. */
  async restart(name: string): Promise<void> {
    this.assertLive();
    const member = this.find(name);
    await member.kill();
    member.start();
    await this.waitReady();
  }

  async killAll(): Promise<void> {
    await Promise.all(this.processes.map((member) => member.kill()));
  }

  async restartAll(): Promise<void> {
    this.assertLive();
    // Together: a lone member of a stopped cluster cannot elect anyone and would wait forever.
    for (const member of this.processes) member.start();
    await this.waitReady();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.detach();
      await this.killAll();
      await rm(this.baseDir, { recursive: true, force: true });
    })();
    return this.stopping;
  }

  /** Every running member answers; when a quorum runs, all of them follow the same leader. */
  async waitReady(): Promise<void> {
    const running = this.processes.filter((member) => member.running);
    const quorum = running.length > this.processes.length / 2;
    await this.poll(quorum ? 'every running member to follow one leader' : 'every running member to answer', async () =>
      quorum ? (await this.agreedLeader(true)) !== undefined : (await Promise.all(running.map((m) => this.status(m)))).every(Boolean),
    );
  }

  /**
   * The name of the member that calls itself leader at the highest term. With `everyone`,
   * only when every running member answers and names that same member.
   */
  private async agreedLeader(everyone: boolean): Promise<string | undefined> {
    const running = this.processes.filter((member) => member.running);
    const statuses = await Promise.all(running.map((member) => this.status(member)));
    if (everyone && statuses.some((status) => status === undefined)) return undefined;
    let best: { name: string; status: Status } | undefined;
    statuses.forEach((status, i) => {
      if (status && status.leader === status.id && (!best || status.term > best.status.term)) best = { name: running[i]!.name, status };
    });
    if (!best) return undefined;
    const leaderId = best.status.id;
    if (everyone && statuses.some((status) => status!.leader !== leaderId)) return undefined;
    return best.name;
  }

  /** One member's view, or undefined when it does not answer (yet). */
  private async status(member: EtcdMemberProcess): Promise<Status | undefined> {
    // A fresh client each time: a long-lived one would carry its circuit breaker and gRPC
    // reconnect backoff over from when the member was down.
    const client = new Etcd3({ hosts: member.clientUrl, dialTimeout: 1_000 });
    try {
      const status = await client.maintenance.status({ deadline: Date.now() + 1_000 });
      return { id: String(status.header.member_id), leader: String(status.leader), term: Number(status.raftTerm) };
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  private async poll<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      this.assertLive();
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) {
        const states = this.processes.map((m) => `${m.name}: ${m.running ? `pid ${m.pid}` : 'not running'}`).join(', ');
        throw new EtcdHarnessError('WHARF_TEST_ETCD_TIMEOUT', `etcd test cluster: timed out waiting for ${what} (${states})\n${this.logs(undefined, 3_000)}`);
      }
      await sleep(POLL_MS);
    }
  }

  private find(name: string): EtcdMemberProcess {
    const member = this.processes.find((m) => m.name === name);
    if (!member) throw new EtcdHarnessError('WHARF_TEST_ETCD_UNKNOWN_MEMBER', `no etcd member named ${name} (members: ${this.processes.map((m) => m.name).join(', ')})`);
    return member;
  }

  private assertLive(): void {
    if (this.stopping) throw new EtcdHarnessError('WHARF_TEST_ETCD_STOPPED', 'the etcd test cluster was stopped');
  }
}
