// One run of an instance's program: the spawned group leader, its output split into lines,
// and a single exit notification whether the program ran and ended or never started.
import type { ChildProcess } from 'node:child_process';
import { LineSplitter } from './line-splitter.js';
import { readProcStat } from './proc-stat.js';
import { spawnGroupLeader, type SpawnSpec } from './process-group.js';

export type OutputStream = 'out' | 'err';

export interface ChildRunHandlers {
  /** Called once. `detail` explains a program that could not be started. */
  exit(code: number | null, signal: NodeJS.Signals | null, detail?: string): void;
  line(stream: OutputStream, line: string): void;
}

export interface ChildRun {
  readonly child: ChildProcess;
  readonly pid: number | null;
  /** /proc start time of the pid, recorded in the pid file. */
  readonly startTime: number | null;
  /** Settles after `exit` has been called. */
  readonly exited: Promise<void>;
}

/** Throws only for arguments spawn rejects outright; a missing program arrives as an exit. */
export function startChildRun(spec: SpawnSpec, handlers: ChildRunHandlers): ChildRun {
  const child = spawnGroupLeader(spec);
  const pid = child.pid ?? null;
  const exited = new Promise<void>((resolve) => {
    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, detail?: string) => {
      if (finished) return;
      finished = true;
      handlers.exit(code, signal, detail);
      resolve();
    };
    child.once('exit', finish);
    // Without a pid the program never started (ENOENT, bad cwd...) and no 'exit' follows.
    child.on('error', (error) => {
      if (child.pid === undefined) finish(null, null, `cannot start ${spec.argv[0]}: ${error.message}`);
    });
  });
  for (const [stream, name] of [[child.stdout, 'out'], [child.stderr, 'err']] as const) {
    if (!stream) continue;
    const lines = new LineSplitter((line) => handlers.line(name, line));
    stream.on('data', (chunk: Buffer) => lines.push(chunk));
    stream.on('end', () => lines.end());
    stream.on('error', () => lines.end());
  }
  return { child, pid, startTime: pid === null ? null : (readProcStat(pid)?.startTime ?? null), exited };
}
