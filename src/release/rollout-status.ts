// What `wharf rollout APP`, the dashboard and GET /api/apps/:name/rollout show of an app's
// rollout: the release, its state and step, the traffic split, and the numbers the analysis
// compares (canary vs stable error rate and p99 over the current step).
import type { AppConfig } from '../config/model.js';
import type { Release } from './release.js';

export interface SideNumbers {
  readonly requests: number;
  readonly error_rate: number;
  readonly p99_ms: number | null;
}

export interface RolloutStatus {
  readonly app: string;
  readonly strategy: 'rolling' | 'canary';
  /** The release in progress, else the last one; null for an app with no release yet. */
  readonly release: Record<string, unknown> | null;
  /** The release the app's own instances run (the stable side of a canary). */
  readonly stable: number | null;
  readonly steps: readonly number[];
  /** Share of traffic on the new release now (0..1). */
  readonly weight: number;
  readonly canary?: SideNumbers;
  readonly baseline?: SideNumbers;
  /** ms until the current step ends, when one is running. */
  readonly step_left_ms?: number;
}

export function rolloutStatus(
  app: string,
  config: AppConfig,
  shown: Release | undefined,
  stable: Release | undefined,
  view: (release: Release) => Record<string, unknown>,
  live: { weight: number; canary?: SideNumbers; baseline?: SideNumbers; stepLeftMs?: number } = { weight: 0 },
): RolloutStatus {
  return {
    app,
    strategy: shown?.strategy ?? config.rollout.strategy,
    release: shown ? view(shown) : null,
    stable: stable?.number ?? null,
    steps: config.rollout.steps,
    weight: live.weight,
    ...(live.canary ? { canary: live.canary } : {}),
    ...(live.baseline ? { baseline: live.baseline } : {}),
    ...(live.stepLeftMs !== undefined ? { step_left_ms: live.stepLeftMs } : {}),
  };
}
