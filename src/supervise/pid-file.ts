// `<stateDir>/supervisor.pids.json`: which processes this wharf runs, each with its start
// time from /proc/PID/stat. If wharf is killed with SIGKILL its children live on; the next
// wharf reads this file and stops exactly those processes: a pid whose start time differs
// has been recycled by an unrelated program and is left alone.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProcStat } from './proc-stat.js';

export interface ProcessRecord {
  readonly pid: number;
  readonly startTime: number;
}

export interface ChildRecord extends ProcessRecord {
  readonly app: string;
  readonly id: number;
}

export interface PidFileContent {
  readonly owner: ProcessRecord;
  readonly children: readonly ChildRecord[];
}

export const PID_FILE_NAME = 'supervisor.pids.json';

/** The pid with the start time it has now; undefined when it does not exist. */
export function recordOf(pid: number): ProcessRecord | undefined {
  const stat = readProcStat(pid);
  return stat && { pid, startTime: stat.startTime };
}

/** True when `record` still names the same process (not a recycled pid). */
export function isSameProcess(record: ProcessRecord): boolean {
  const stat = readProcStat(record.pid);
  return stat !== undefined && stat.startTime === record.startTime && stat.state !== 'Z';
}

export class PidFile {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, PID_FILE_NAME);
  }

  read(): PidFileContent | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed = JSON.parse(text) as PidFileContent;
      if (!parsed || typeof parsed.owner?.pid !== 'number' || !Array.isArray(parsed.children)) return undefined;
      return parsed;
    } catch {
      return undefined;
    }
  }

  /**
   * Written synchronously and atomically (temp file + rename): it is small, changes only when
   * a process starts or exits, and must be complete if wharf dies the next moment.
   */
  write(content: PidFileContent): void {
    mkdirSync(join(this.path, '..'), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(content)}\n`);
    renameSync(temp, this.path);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
