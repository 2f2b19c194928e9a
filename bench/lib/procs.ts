// Process helpers shared by the benchmarks: start pinned children, wait for ports, read
// CPU time and memory from /proc, run wrk and parse its report.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Runs a command pinned to one CPU core with taskset (when available). */
export function spawnPinned(core: number, command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const pinned = has('taskset') ? ['taskset', ['-c', String(core), command, ...args]] as const : [command, args] as const;
  return spawn(pinned[0], [...pinned[1]], { stdio: ['ignore', 'ignore', 'inherit'], ...options });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

/** utime + stime of a process in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident set size in bytes (VmRSS), or 0 if the process is gone. */
export function rssBytes(pid: number): number {
  if (!existsSync(`/proc/${pid}/status`)) return 0;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** All pids in the process tree rooted at pid (nginx master + workers, wharf + children). */
export function treePids(pid: number): number[] {
  const out = [pid];
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  for (const child of children ? children.split('\n') : []) out.push(...treePids(Number(child)));
  return out;
}

export interface WrkResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

function toMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** wrk pinned to a core; bounded by its duration. */
export function runWrk(core: number, url: string, connections: number, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawnPinned(core, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('exit', () => {
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
      const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '';
      const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '';
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      resolve({ requests, rps, p50Ms: toMs(p50), p99Ms: toMs(p99), errors });
    });
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/**
 * Counts the instructions (user and kernel) the given processes retire until `stop()` is
 * called, with `perf stat`. Instruction counts barely move when another program shares the
 * machine, unlike CPU time; undefined where perf or the hardware counters are missing.
 */
export function countInstructions(pids: readonly number[]): { stop(): Promise<number | undefined> } {
  if (!has('perf') || pids.length === 0) return { stop: async () => undefined };
  const child = spawn('perf', ['stat', '-x', ',', '-e', 'instructions', '-p', pids.join(',')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let report = '';
  child.stderr!.on('data', (d: Buffer) => (report += d));
  child.on('error', () => undefined);
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          const count = Number(/^(\d+),[^,]*,instructions/m.exec(report)?.[1]);
          resolve(Number.isFinite(count) && count > 0 ? count : undefined);
        });
        child.kill('SIGINT');
      }),
  };
}
