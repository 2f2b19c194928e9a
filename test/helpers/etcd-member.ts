// One etcd process of a test cluster: spawned from a fixed argument list (so a restart reuses
// the data dir and the ports), with the tail of its log kept for failure messages. The
// cluster (etcd-cluster.ts) decides when to start and stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * util-linux's setpriv execs etcd with a parent-death signal, so the member dies with the test
 * process even when that is killed outright (a test-runner timeout sends SIGTERM, which runs
 * no exit handler). The pid stays etcd's own, as exec keeps it.
 */
const SETPRIV = '/usr/bin/setpriv';

/** Enough log to see the elections and the error around a failure, not a whole run. */
const LOG_TAIL_BYTES = 64 * 1024;

export class EtcdMemberProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tail = '';

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    readonly peerUrl: string,
    readonly dataDir: string,
    private readonly binary: string,
    private readonly args: readonly string[],
  ) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last part of everything the member wrote, across restarts. */
  log(): string {
    return this.tail;
  }

  start(): void {
    if (this.running) return;
    if (this.tail) this.append(`\n--- ${this.name} started again ---\n`);
    // An ETCD_* variable in the test's environment would silently override a flag.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD_')));
    // Without setpriv, the pipes are the fallback: an orphaned etcd dies of SIGPIPE at its next
    // log line (an idle one may linger until then).
    const [command, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', this.binary, ...this.args]] : [this.binary, [...this.args]];
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.append(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => this.append(chunk.toString()));
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.append(`\n--- ${this.name} exited (${signal ?? `code ${code}`}) ---\n`);
        resolve();
      });
      child.once('error', (error) => {
        this.append(`\n--- ${this.name} could not run: ${error.message} ---\n`);
        resolve();
      });
    });
  }

  /** Sends `signal` and resolves once the process is gone (at once when it is not running). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child!.kill(signal);
    await this.exited;
  }

  /** For process exit, where nothing asynchronous runs any more. */
  killNow(): void {
    if (this.running) this.child!.kill('SIGKILL');
  }

  private append(text: string): void {
    this.tail = (this.tail + text).slice(-LOG_TAIL_BYTES);
  }
}

/**
 * `count` distinct loopback ports that were free a moment ago. All are held open together
 * while collecting, so the kernel cannot hand out the same one twice; another program can
 * still take one before etcd binds it, which the cluster answers by starting over.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  }
}
