// Replacing instances without losing capacity: start the new one, wait until it is ready and
// in the pool, then drain and stop the old one. Used by reload (new code or config) and by
// the max_memory limit (same code, fresh process).
import type { AppConfig } from '../config/model.js';
import { SupervisorError } from './errors.js';
import type { Instance } from './instance.js';

export interface ReplaceHost {
  readonly name: string;
  /** The app's current instances. */
  members(): readonly Instance[];
  /** Creates and registers a new instance for slot `index` (not started). */
  add(index: number, config: AppConfig, options: { autoRestart: boolean; restarts: number }): Instance;
  /** Gracefully stops an instance and forgets it. */
  retire(instance: Instance): Promise<void>;
}

/**
 * With `port: auto` the replacement runs beside the old instance, so capacity never drops.
 * With a fixed port the two cannot run at once: the old one is drained and stopped first
 * (capacity drops by one instance while its replacement starts).
 */
export async function replaceInstance(host: ReplaceHost, old: Instance, config: AppConfig): Promise<Instance> {
  old.replacing = true;
  if (typeof config.port === 'number') {
    await host.retire(old);
    const fresh = host.add(old.index, config, { autoRestart: true, restarts: old.restarts + 1 });
    if (!(await fresh.start())) throw notReady(host, old.index, fresh);
    return fresh;
  }
  const candidate = host.add(old.index, config, { autoRestart: false, restarts: old.restarts + 1 });
  if (!(await candidate.start())) {
    old.replacing = false;
    const error = notReady(host, old.index, candidate);
    await host.retire(candidate);
    throw error;
  }
  // Ready means it is in the pool already: only now may the old one leave.
  candidate.autoRestart = true;
  await host.retire(old);
  return candidate;
}

/**
 * Replaces every running instance, one at a time. Instances that are not serving (crashed,
 * waiting to restart) are simply restarted with the new config; stopped ones keep it for
 * their next start. The first replacement that fails stops the reload and rejects; the
 * instances not yet replaced keep serving.
 */
export async function rollingReload(host: ReplaceHost, config: AppConfig): Promise<void> {
  const olds = [...host.members()].sort((a, b) => a.index - b.index);
  for (const old of olds) {
    if (!host.members().includes(old)) continue;
    if (old.state === 'ready' || old.state === 'starting') {
      await replaceInstance(host, old, config);
    } else if (old.state === 'exited') {
      old.setConfig(config);
    } else {
      await old.stop();
      old.setConfig(config);
      await old.start();
    }
  }
}

function notReady(host: ReplaceHost, index: number, instance: Instance): SupervisorError {
  return new SupervisorError(
    'WHARF_RELOAD_ABORTED',
    `${host.name}: the replacement for instance ${index} did not become ready (${instance.reason ?? instance.state}); the old instances keep serving`,
  );
}
