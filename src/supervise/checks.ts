// The two check loops an instance runs, on the shared checks module: readiness while starting
// (until `passes` checks in a row pass) and liveness while ready (`fails` checks in a row fail
// -> restart). Both return a cancel function; a cancelled loop never calls back.
import type { HealthConfig } from '../config/model.js';
import { healthCheck } from '../checks/health-check.js';
import { startCheckLoop } from '../checks/check-loop.js';

/**
 * A starting instance is checked every 100 ms (or its interval, if shorter): the interval
 * paces the steady-state checks, and a slow first check would only delay reloads.
 */
const READINESS_POLL_MS = 100;

/** `onFailed` hears why each failed check failed (what `wharf status` shows for a starting instance). */
export function watchReadiness(target: { host: string; port: number }, health: HealthConfig | undefined, onReady: () => void, onFailed?: (detail: string) => void): () => void {
  const check = healthCheck(health);
  const cancel = startCheckLoop({
    probe: () => check(target),
    intervalMs: Math.min(health?.intervalMs ?? READINESS_POLL_MS, READINESS_POLL_MS),
    firstDelayMs: 0,
    // Readiness only ever turns healthy; the loop ends there.
    rule: { passes: health?.passes ?? 1, fails: 1 },
    healthy: false,
    onResult: (result) => {
      if (result.status !== 'passing') onFailed?.(result.output || 'check failed');
    },
    onFlip: () => {
      cancel();
      onReady();
    },
  });
  return cancel;
}

export function watchLiveness(target: { host: string; port: number }, health: HealthConfig, onDead: (detail: string) => void): () => void {
  const check = healthCheck(health);
  const cancel = startCheckLoop({
    probe: () => check(target),
    intervalMs: health.intervalMs,
    rule: { passes: 1, fails: health.fails },
    healthy: true,
    onFlip: (_healthy, result, streak) => {
      cancel();
      onDead(`liveness check failed ${streak.failures} times in a row: ${result.output}`);
    },
  });
  return cancel;
}
