// The two probe loops an instance runs: readiness while starting (until `passes` checks in a
// row succeed) and liveness while ready (`fails` checks in a row fail -> restart). Both return
// a cancel function; a cancelled loop never calls back.
import type { HealthConfig } from '../config/model.js';
import { probe } from './probes.js';

/**
 * A starting instance is checked every 100 ms (or its interval, if shorter): the interval
 * paces the steady-state checks, and a slow first check would only delay reloads.
 */
const READINESS_POLL_MS = 100;

export function watchReadiness(port: number, health: HealthConfig | undefined, onReady: () => void): () => void {
  let cancelled = false;
  let timer: NodeJS.Timeout | undefined;
  let passes = 0;
  const needed = health?.passes ?? 1;
  const pollMs = Math.min(health?.intervalMs ?? READINESS_POLL_MS, READINESS_POLL_MS);
  const check = async () => {
    const result = await probe(port, health);
    if (cancelled) return;
    passes = result.ok ? passes + 1 : 0;
    if (passes >= needed) onReady();
    else timer = setTimeout(check, pollMs);
  };
  void check();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}

export function watchLiveness(port: number, health: HealthConfig, onDead: (detail: string) => void): () => void {
  let cancelled = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    const result = await probe(port, health);
    if (cancelled) return;
    failures = result.ok ? 0 : failures + 1;
    if (failures >= health.fails) {
      onDead(`liveness check failed ${failures} times in a row: ${result.detail ?? 'no detail'}`);
      return;
    }
    timer = setTimeout(check, health.intervalMs);
  };
  timer = setTimeout(check, health.intervalMs);
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}
