// What an instance is built with, and what it tells its owner (the app group) as it runs.
import type { AppConfig } from '../config/model.js';
import type { OutputStream } from './child-run.js';
import type { Instance } from './instance.js';
import type { InstanceState } from './instance-state.js';
import type { PortAllocator } from './ports.js';

export interface InstanceHooks {
  /** After every state change: pool membership, events and logs follow from it. */
  changed(instance: Instance, from: InstanceState, to: InstanceState): void;
  /** A process started or ended (the pid file follows). */
  processChanged(instance: Instance): void;
  /** Resolves once the instance's in-flight requests are done (bounded by stop_timeout). */
  drain(instance: Instance): Promise<void>;
  output(instance: Instance, stream: OutputStream | 'wharf', line: string): void;
}

export interface InstanceOptions {
  readonly app: string;
  readonly index: number;
  readonly config: AppConfig;
  readonly ports: PortAllocator;
  readonly hooks: InstanceHooks;
  /** False for a reload candidate: a failed candidate aborts the reload instead of retrying. */
  readonly autoRestart: boolean;
  readonly restarts?: number;
}
