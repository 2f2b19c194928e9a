// Each instance leads its own process group (spawned detached), so a stop reaches the
// grandchildren it started too: signal the group, wait until the deadline, SIGKILL the group.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupMembers, isRunning } from './proc-stat.js';

export interface SpawnSpec {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Opens the IPC channel a wait_ready child uses for process.send('ready'). */
  readonly ipc: boolean;
}

export function spawnGroupLeader(spec: SpawnSpec): ChildProcess {
  const [file, ...args] = spec.argv;
  return spawn(file!, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: spec.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
}

/** Signals every process in the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface GroupLeader {
  readonly pid: number;
  /** Settles when the leader has exited and been reaped; absent for processes we did not spawn. */
  readonly exited?: Promise<unknown>;
}

export type TerminateOutcome = 'exited' | 'killed';

const POLL_MS = 25;
/** How long to wait for SIGKILLed processes to disappear before giving up on them. */
const KILL_GRACE_MS = 2_000;

/**
 * Sends `signal` to the leader's group; once the leader and every process left in its group
 * are gone, resolves 'exited'. At the deadline, SIGKILLs the group and resolves 'killed'.
 * The group is signalled by pgid only while one of its members is known to be alive, so a
 * pgid recycled by an unrelated process is never hit.
 */
export async function terminateGroup(leader: GroupLeader, signal: NodeJS.Signals, timeoutMs: number): Promise<TerminateOutcome> {
  const deadline = Date.now() + timeoutMs;
  let leaderGone = false;
  leader.exited?.then(() => (leaderGone = true), () => (leaderGone = true));
  const alive = () => (!leaderGone && isRunning(leader.pid)) || groupMembers(leader.pid).length > 0;

  if (alive()) signalGroup(leader.pid, signal);
  while (Date.now() < deadline) {
    if (!alive()) return 'exited';
    await sleep(POLL_MS);
  }
  if (!alive()) return 'exited';
  signalGroup(leader.pid, 'SIGKILL');
  const killDeadline = Date.now() + KILL_GRACE_MS;
  while (alive() && Date.now() < killDeadline) await sleep(POLL_MS);
  if (leader.exited) await Promise.race([leader.exited, sleep(KILL_GRACE_MS)]);
  return 'killed';
}

/** Synchronous last resort for process 'exit': no waiting is possible there. */
export function killGroupNow(pgid: number): void {
  if (isRunning(pgid) || groupMembers(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
}
