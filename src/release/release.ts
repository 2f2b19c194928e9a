// A release: one numbered, immutable description of what an app runs, as a difference from
// the config (env added or overridden, command, cwd, or a source ref built into its own
// directory), who made it and when, and where its rollout stands.
import type { RolloutState } from './rollout-machine.js';

export interface ReleaseChanges {
  readonly env?: Readonly<Record<string, string>>;
  readonly command?: string | readonly string[];
  readonly cwd?: string;
  /** A git ref of the app's `source.repo`, built into the release's own directory. */
  readonly ref?: string;
  /** Set on a release made by `wharf rollback`: the release whose changes it brings back. */
  readonly rollbackOf?: number;
}

export interface ReleaseMove {
  readonly at: string;
  readonly from: RolloutState;
  readonly to: RolloutState;
  readonly step?: number;
  readonly reason?: string;
}

export interface Release {
  readonly app: string;
  readonly number: number;
  readonly changes: ReleaseChanges;
  readonly createdAt: string;
  /** Who asked: the control API's client address and credential kind. */
  readonly createdBy: string;
  readonly strategy: 'rolling' | 'canary';
  readonly state: RolloutState;
  /** Canary: index into the app's `rollout.steps` (0 before the first step ends). */
  readonly step: number;
  /** ms since epoch when the current step began (a resumed rollout keeps it). */
  readonly stepStartedAt?: number;
  /** Source releases: the directory the ref was checked out and built in. */
  readonly dir?: string;
  /** The resolved commit of `ref`. */
  readonly commit?: string;
  readonly reason?: string;
  readonly history: readonly ReleaseMove[];
}

/** What a release changes, in a few words, for `wharf releases`. */
export function describeChanges(changes: ReleaseChanges): string {
  const parts: string[] = [];
  if (changes.rollbackOf !== undefined) parts.push(`rollback to #${changes.rollbackOf}`);
  if (changes.ref) parts.push(`ref ${changes.ref}`);
  if (changes.command) parts.push(`command ${Array.isArray(changes.command) ? (changes.command as string[]).join(' ') : changes.command}`);
  if (changes.cwd) parts.push(`cwd ${changes.cwd}`);
  // Names only: values may be secrets.
  if (changes.env && Object.keys(changes.env).length) parts.push(`env ${Object.keys(changes.env).join(',')}`);
  return parts.join('; ') || 'config as is';
}
