// The instance life cycle as an explicit table, so a transition the design does not allow
// is a bug that shows up at once instead of a status that silently lies.
//
// A normal run: exited → starting → ready → stopping → exited. A crash (from starting or
// ready) lands in exited, then the restart policy picks backoff (restart later), fatal
// (crash loop) or nothing (stays exited).
import { SupervisorError } from './errors.js';

export type InstanceState = 'starting' | 'ready' | 'stopping' | 'exited' | 'backoff' | 'fatal';

const TRANSITIONS: Readonly<Record<InstanceState, readonly InstanceState[]>> = {
  // "exited" is also the state of an instance that has not run yet.
  exited: ['starting', 'backoff', 'fatal'],
  starting: ['ready', 'stopping', 'exited'],
  ready: ['stopping', 'exited'],
  stopping: ['exited'],
  // A stop while waiting to restart cancels the restart.
  backoff: ['starting', 'exited'],
  // start() clears fatal; stop() turns it into a plain stopped instance.
  fatal: ['starting', 'exited'],
};

export function canTransition(from: InstanceState, to: InstanceState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: InstanceState, to: InstanceState): void {
  if (!canTransition(from, to)) {
    throw new SupervisorError('WHARF_BAD_TRANSITION', `instance cannot go from ${from} to ${to}`);
  }
}

/** States in which the instance owns a live process. */
export function hasProcess(state: InstanceState): boolean {
  return state === 'starting' || state === 'ready' || state === 'stopping';
}
