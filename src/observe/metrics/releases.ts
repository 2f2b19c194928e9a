// Releases and rollouts, read when /metrics is scraped: which release each app runs, the one
// rolling out and its share of the traffic, and the numbers its analysis compares, each
// labelled with its release.
import type { Registry } from 'prom-client';
import { registerScraped, type Sample } from './scraped.js';

export interface RolloutSide {
  readonly requests: number;
  readonly error_rate: number;
  readonly p99_ms: number | null;
}

export interface RolloutReading {
  readonly app: string;
  /** The release the app's own instances run (0: the config as is). */
  readonly stable: number;
  /** The release rolling out, when one is. */
  readonly rolling?: { readonly release: number; readonly state: string; readonly weight: number; readonly canary?: RolloutSide; readonly baseline?: RolloutSide };
}

export interface ReleaseSource {
  rollouts(): Iterable<RolloutReading>;
}

type SideLabels = 'app' | 'release' | 'side';

export function registerReleaseMetrics(registry: Registry, source: ReleaseSource): void {
  registerScraped<'app' | 'release' | 'role' | 'state'>(registry, 'gauge', {
    name: 'wharf_release_info',
    help: 'Releases running per app: role "stable" (the app\'s own instances) or "rolling" (a release rolling out, with its state).',
    labelNames: ['app', 'release', 'role', 'state'],
    *samples() {
      for (const r of source.rollouts()) {
        yield [{ app: r.app, release: String(r.stable), role: 'stable', state: 'promoted' }, 1];
        if (r.rolling) yield [{ app: r.app, release: String(r.rolling.release), role: 'rolling', state: r.rolling.state }, 1];
      }
    },
  });
  registerScraped<'app' | 'release'>(registry, 'gauge', {
    name: 'wharf_rollout_weight_ratio',
    help: 'Share (0..1) of the app\'s traffic sent to the release rolling out.',
    labelNames: ['app', 'release'],
    *samples() {
      for (const r of source.rollouts()) if (r.rolling) yield [{ app: r.app, release: String(r.rolling.release) }, r.rolling.weight];
    },
  });
  const perSide = (name: string, help: string, read: (side: RolloutSide) => number | null) =>
    registerScraped<SideLabels>(registry, 'gauge', {
      name,
      help,
      labelNames: ['app', 'release', 'side'],
      *samples(): Generator<Sample<SideLabels>> {
        for (const r of source.rollouts()) {
          if (!r.rolling) continue;
          const sides: [string, string, RolloutSide | undefined][] = [[String(r.rolling.release), 'canary', r.rolling.canary], [String(r.stable), 'stable', r.rolling.baseline]];
          for (const [release, side, numbers] of sides) {
            const value = numbers && read(numbers);
            if (value !== undefined && value !== null) yield [{ app: r.app, release, side }, value];
          }
        }
      },
    });
  perSide('wharf_rollout_step_requests', 'Requests each side of a canary answered in the current step.', (s) => s.requests);
  perSide('wharf_rollout_step_error_ratio', 'Share of 5xx answers of each side of a canary in the current step.', (s) => s.error_rate);
  perSide('wharf_rollout_step_p99_seconds', '99th percentile duration of each side of a canary in the current step.', (s) => (s.p99_ms === null ? null : s.p99_ms / 1000));
}
