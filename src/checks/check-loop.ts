// Runs one target's check again and again: the first after `firstDelayMs`, each next one
// `intervalMs` after the previous one answered (a slow check is never stacked with another).
// Each result goes through a Streak; a flipped verdict is reported. Cancelled, it never calls back.
import type { CheckResult } from './check-result.js';
import { critical } from './check-result.js';
import { Streak, type StreakRule } from './streak.js';

export interface CheckLoopOptions {
  readonly probe: () => Promise<CheckResult>;
  readonly intervalMs: number;
  /** Default: intervalMs. 0 checks at once. */
  readonly firstDelayMs?: number;
  readonly rule: StreakRule;
  /** The verdict before any check. */
  readonly healthy: boolean;
  /** The verdict flipped; `streak` tells how many checks in a row it took. */
  readonly onFlip: (healthy: boolean, result: CheckResult, streak: Streak) => void;
  /** Every result, flipped or not (the registry keeps the latest output). */
  readonly onResult?: (result: CheckResult) => void;
}

export function startCheckLoop(options: CheckLoopOptions): () => void {
  const streak = new Streak(options.rule, options.healthy);
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    let result: CheckResult;
    try {
      result = await options.probe();
    } catch (error) {
      result = critical((error as Error).message);
    }
    if (cancelled) return;
    options.onResult?.(result);
    if (streak.record(result.status === 'passing')) options.onFlip(streak.healthy, result, streak);
    if (!cancelled) timer = setTimeout(run, options.intervalMs);
  };
  timer = setTimeout(run, options.firstDelayMs ?? options.intervalMs);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
