// Reads of /proc/PID/stat (Linux). The start time (field 22, clock ticks since boot) tells a
// process apart from a later one that reuses its pid; the process group tells which
// processes an instance left behind.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: /proc reports times in these ticks; it is 100 on every Linux ABI. */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcStat {
  readonly pid: number;
  /** R, S, D, Z (zombie), T... */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  /** Field 22: start time in clock ticks since boot. */
  readonly startTime: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 of the stat line.
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: field(4),
    pgrp: field(5),
    utimeTicks: field(14),
    stimeTicks: field(15),
    startTime: field(22),
  };
}

/** Exists and has not exited. A zombie has exited; it only waits for its parent to reap it. */
export function isRunning(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Running processes (zombies excluded) whose process group is `pgid`. */
export function groupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(stat);
  }
  return members;
}

export function cpuSecondsOf(stat: ProcStat): number {
  return (stat.utimeTicks + stat.stimeTicks) / CLOCK_TICKS_PER_SECOND;
}
