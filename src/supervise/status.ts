// What `wharf status`, GET /api/status and the dashboard show about apps and instances.
import type { InstanceState } from './instance-state.js';

export interface ExitRecord {
  readonly code: number | null;
  readonly signal: string | null;
  /** ms since epoch */
  readonly at: number;
}

export interface InstanceStatus {
  /** The instance index (WHARF_INSTANCE); a replacement during a reload shares it briefly. */
  readonly id: number;
  readonly pid: number | null;
  readonly port: number | null;
  readonly state: InstanceState;
  /** In the app's pool, taking requests. */
  readonly ready: boolean;
  readonly restarts: number;
  /** ms since epoch of the current process's start, or null when none runs. */
  readonly startedAt: number | null;
  readonly uptimeMs: number;
  readonly rssBytes: number;
  readonly cpuSeconds: number;
  readonly lastExit?: ExitRecord;
  /** Why the instance is in its state (crash loop details, start timeout...). */
  readonly reason?: string;
  /** A starting instance: what it is waiting for (the last readiness check's failure, or 'ready' over IPC). */
  readonly waiting_for?: string;
  /** An instance whose process ended on its own (backoff, fatal, exited): the last lines its process wrote to stderr. */
  readonly last_stderr?: readonly string[];
}

export interface AppStatus {
  readonly name: string;
  readonly instances: InstanceStatus[];
}
