// Stops the children a previous wharf left running when it was killed without a chance to
// stop them (SIGKILL, OOM killer, power cut of the parent only).
import type { Logger } from '../observe/logger.js';
import { SupervisorError } from './errors.js';
import { isSameProcess, type ChildRecord, type PidFile } from './pid-file.js';
import { groupMembers, readProcStat } from './proc-stat.js';
import { terminateGroup } from './process-group.js';

export interface OrphanPolicy {
  /** How long an orphan of `app` gets between its stop signal and SIGKILL. */
  stopOf(app: string): { signal: NodeJS.Signals; timeoutMs: number };
}

/** Returns how many orphaned processes groups were stopped. */
export async function stopOrphans(file: PidFile, policy: OrphanPolicy, logger: Logger): Promise<number> {
  const content = file.read();
  if (!content) return 0;
  if (content.owner.pid !== process.pid && isSameProcess(content.owner)) {
    throw new SupervisorError(
      'WHARF_STATE_DIR_IN_USE',
      `another wharf (pid ${content.owner.pid}) is running with the state directory of ${file.path}`,
    );
  }
  const orphans = content.children.filter(isOrphanGroup);
  await Promise.all(
    orphans.map(async (orphan) => {
      const { signal, timeoutMs } = policy.stopOf(orphan.app);
      logger.warn({ app: orphan.app, instance: orphan.id, pid: orphan.pid }, 'stopping process left running by a previous wharf');
      await terminateGroup({ pid: orphan.pid }, signal, timeoutMs);
    }),
  );
  file.remove();
  return orphans.length;
}

/**
 * The leader itself, or, when the leader is gone, processes still in its group that started
 * after it. The kernel does not hand out a pid while a process group of that id exists, so a
 * live process with the leader's pid but another start time means the group is gone.
 */
function isOrphanGroup(record: ChildRecord): boolean {
  if (isSameProcess(record)) return true;
  const current = readProcStat(record.pid);
  // Same start time but not running: our leader is a zombie nobody reaped; its group may live on.
  if (current && current.startTime !== record.startTime) return false;
  return groupMembers(record.pid).some((member) => member.pid !== record.pid && member.startTime >= record.startTime);
}
